import { describe, expect, test } from 'vitest';
import { parseInterval } from '#local/cli.ts';

describe('prospector run --every', () => {
  test('reads the intervals a scheduler user writes', () => {
    expect(parseInterval('15m')).toBe(900_000);
    expect(parseInterval('30s')).toBe(30_000);
    expect(parseInterval('2h')).toBe(7_200_000);
    expect(parseInterval('1d')).toBe(86_400_000);
  });

  test('refuses what it cannot read, and intervals too short to be a schedule, saying what to write', () => {
    expect(() => parseInterval('15 minutes')).toThrow(/e\.g\. 30s, 15m, 2h, 1d/);
    expect(() => parseInterval('5s')).toThrow(/at least 10s/);
  });
});
