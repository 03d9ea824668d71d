/**
 * A JSON-lines logger with the same shape as Powertools Logger (level, message, timestamp,
 * service, then keys), used locally; Lambda uses Powertools itself behind the same `Log` port.
 * Emails are redacted and known secret-looking keys dropped before anything is written.
 */
import type { Log } from './ports.ts';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

// The @ may arrive URL-encoded (`?email=dana%40x.example`), and the local part may be too.
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*?(@|%40)([A-Za-z0-9.-]+\.[A-Za-z]{2,})/gi;
const SECRET_KEY = /(api[_-]?key|secret|password|token(?!s)|authorization|cookie)/i;
const GROQ_KEY = /gsk_[A-Za-z0-9]{8,}/g;
// An Authorization header echoed into an error message, whatever the key looks like.
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
// A string this long is a document, not a log value (a page body logged by mistake): keep a head.
const STRING_MAX = 2000;

/** Masks the local part of every email address: `dana@x.example` -> `d***@x.example`. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL, (_m, first: string, at: string, domain: string) => `${first}***${at}${domain}`);
}

function redactString(text: string): string {
  const clipped = text.length > STRING_MAX ? `${text.slice(0, STRING_MAX)}…[${text.length - STRING_MAX} more chars]` : text;
  return redactEmails(clipped).replace(GROQ_KEY, 'gsk_***').replace(BEARER, '$1 ***');
}

/** Redacts emails and secrets in any value about to be logged. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  // Bytes are bodies (pages, payloads): their size is all a log needs.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      // keys can be data too (a map keyed by email)
      out[redactString(key)] = SECRET_KEY.test(key) ? '***' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export interface JsonLogOptions {
  level?: LogLevel;
  service?: string;
  write?: (line: string) => void;
  persistentKeys?: Record<string, unknown>;
  now?: () => Date;
}

/** Creates a structured logger writing one JSON object per line (stderr by default). */
export function jsonLog(options: JsonLogOptions = {}): Log & { child(keys: Record<string, unknown>): Log } {
  const { level, service, write, persistentKeys, now } = {
    level: 'info' as LogLevel,
    service: 'prospector',
    write: (line: string) => process.stderr.write(`${line}\n`),
    persistentKeys: {},
    now: () => new Date(),
    ...options,
  };
  const emit = (at: LogLevel, message: string, extra?: Record<string, unknown>) => {
    if (LEVELS[at] < LEVELS[level]) return;
    const entry = {
      level: at.toUpperCase(),
      message: redact(message),
      timestamp: now().toISOString(),
      service,
      ...(redact({ ...persistentKeys, ...extra }) as Record<string, unknown>),
    };
    write(JSON.stringify(entry));
  };
  return {
    debug: (m, e) => emit('debug', m, e),
    info: (m, e) => emit('info', m, e),
    warn: (m, e) => emit('warn', m, e),
    error: (m, e) => emit('error', m, e),
    child: (keys) => jsonLog({ level, service, write, now, persistentKeys: { ...persistentKeys, ...keys } }),
  };
}
