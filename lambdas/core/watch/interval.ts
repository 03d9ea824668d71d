/** The re-check interval of an ICP (`watchEvery` in onboarding): `12h`, `7d`, `2w`, or `off`. */
export const WATCH_EVERY = /^(off|[1-9][0-9]{0,3}[hdw])$/;
export const DEFAULT_WATCH_EVERY = '7d';
const UNIT_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** Milliseconds between re-checks, or null for `off`; throws on anything else. */
export function watchIntervalMs(value: string): number | null {
  if (!WATCH_EVERY.test(value)) throw new Error(`watchEvery "${value}" is not an interval: use e.g. 12h, 7d, 2w, or off`);
  if (value === 'off') return null;
  return Number(value.slice(0, -1)) * UNIT_MS[value.slice(-1) as keyof typeof UNIT_MS];
}

/** Why a `watchEvery` value is refused, or undefined when it is fine (the onboarding schema's check). */
export function watchEveryProblem(value: string): string | undefined {
  if (!WATCH_EVERY.test(value)) return 'must be a number of hours, days or weeks (e.g. 12h, 7d, 2w, at most 4 digits) or off';
  const ms = watchIntervalMs(value);
  if (ms !== null && ms > 366 * UNIT_MS.d) return 'must be at most a year (366d)';
  return undefined;
}
