import { createHash } from 'node:crypto';
import type { Json } from '../ports.ts';

/** Hex SHA-256 of bytes or a string. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with sorted object keys, so equal values hash equally. */
export function stableJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, norm((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

/** Trims a message to a size that fits a row and a console line. */
export function clip(text: string, max = 1000): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const asString = (v: Json | undefined): string => (v === null || v === undefined ? '' : String(v));
export const asNumber = (v: Json | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/** Lets the event loop turn: DOM libraries free closed documents only then. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
