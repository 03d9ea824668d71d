/**
 * The fetch allow-list (`PROSPECTOR_FETCH_ALLOW`): the only way past the SSRF guard, meant for
 * local servers (the sample web, test fixtures). Entries are exact address + port pairs so that
 * allowing one loopback service does not expose every other service on that address.
 */
import { ValidationError } from '../errors.ts';
import { parseHostLiteral } from './address.ts';

/** One allowed destination: a canonical IP address and a port. */
export interface AllowEntry {
  address: string;
  port: number;
}

/** A parsed `host:port` pair whose host is an IP literal or a name. */
export interface HostPort {
  host: string;
  port: number;
}

// An IPv6 host must be bracketed, otherwise its last group would read as the port.
/** Split `host:port` or `[v6]:port`; throws a plain Error saying what is wrong. */
export function parseHostPort(text: string): HostPort {
  const s = text.trim();
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') throw new Error(`"${s}" is not [ipv6]:port`);
    host = s.slice(0, close + 1);
    portText = s.slice(close + 2);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon <= 0) throw new Error(`"${s}" has no :port`);
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host.includes(':')) throw new Error(`"${s}": write an IPv6 host in brackets, [::1]:port`);
  }
  if (!/^\d{1,5}$/.test(portText)) throw new Error(`"${s}": port "${portText}" is not a number`);
  const port = Number(portText);
  if (port < 1 || port > 65535) throw new Error(`"${s}": port ${port} is out of range`);
  return { host, port };
}

/** Parse a comma-separated `ip:port` list; throws ValidationError naming each bad entry. */
export function parseAllowList(spec: string | undefined, what = 'PROSPECTOR_FETCH_ALLOW'): AllowEntry[] {
  const entries: AllowEntry[] = [];
  const issues: { path: string; message: string }[] = [];
  const parts = (spec ?? '').split(',');
  parts.forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      const { host, port } = parseHostPort(raw);
      // Names would need DNS at parse time and could later resolve elsewhere: addresses only.
      const address = parseHostLiteral(host);
      if (address === null) throw new Error(`"${host}" is not an IP address (names are not allowed)`);
      if (!entries.some((e) => e.address === address && e.port === port)) entries.push({ address, port });
    } catch (error) {
      issues.push({ path: `[${index}]`, message: (error as Error).message });
    }
  });
  if (issues.length > 0) throw new ValidationError(what, issues);
  return entries;
}

/** Whether exactly this address (any spelling) and port are allow-listed. */
export function isAllowListed(entries: readonly AllowEntry[], address: string, port: number): boolean {
  const canonical = parseHostLiteral(address);
  if (canonical === null) return false;
  return entries.some((e) => e.port === port && e.address === canonical);
}

/** `address:port` as written in the allow-list, IPv6 bracketed. */
export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
