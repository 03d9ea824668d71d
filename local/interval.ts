/** Intervals on the command line (`--every`, `--for`). */
import { InvalidArgumentError } from 'commander';

/** Parses `15m`, `2h`, `30s`, `1d` into milliseconds. */
export function parseInterval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not an interval: use a number and a unit, e.g. 30s, 15m, 2h, 1d`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (ms < 10_000) throw new InvalidArgumentError('the interval must be at least 10s');
  return ms;
}
