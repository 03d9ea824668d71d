import { describe, expect, it } from 'vitest';
import { intentScore } from '#core/intent/score.ts';
import type { IntentIcp, Signal } from '#core/intent/types.ts';

const NOW = new Date('2026-12-02T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

const job = (title: string, seniority: string, fn = 'finance', age = 1): Signal => ({
  kind: 'job_opened', detail: { item: title, title, function: fn as never, seniority: seniority as never }, summary: `New job opening: ${title}`,
  beforeQuote: null, afterQuote: title, beforeKey: null, afterKey: 'clean/text/domain=a.example/x.md', beforeSnapshotId: null, afterSnapshotId: null,
  url: 'https://a.example/careers', pageKind: 'careers', observedAt: daysAgo(age), dedupeKey: title.padEnd(64, '0'),
});

// the sample onboarding's mid-market finance ICP, trimmed
const ICP: IntentIcp = { id: 'icp', buyingTriggers: ['Hiring finance operations roles', 'New funding round', 'International expansion'], personaTitles: ['VP Finance', 'Controller', 'Finance'] };

describe('intentScore (fixed rules)', () => {
  it('no signals, no intent', () => {
    expect(intentScore([], ICP, NOW)).toEqual({ score: 0, reasons: [] });
  });

  it('a VP of Finance opening counts more than a finance intern, and both more than an unrelated opening', () => {
    const vp = intentScore([job('VP of Finance', 'vp')], ICP, NOW).score;
    const intern = intentScore([job('Finance Intern', 'intern')], ICP, NOW).score;
    const welder = intentScore([job('MIG Welder', 'individual', 'operations')], ICP, NOW).score;
    expect(vp).toBeGreaterThan(intern);
    expect(intern).toBeGreaterThan(0);
    expect(vp).toBeGreaterThan(welder);
    expect(intentScore([job('VP of Finance', 'vp')], ICP, NOW).reasons[0]).toMatchObject({ trigger: 'Hiring finance operations roles', relevance: 1, strength: 1.4 });
  });

  it('decays with age and forgets after 180 days', () => {
    const fresh = intentScore([job('VP of Finance', 'vp', 'finance', 0)], ICP, NOW).score;
    const month = intentScore([job('VP of Finance', 'vp', 'finance', 30)], ICP, NOW).score;
    expect(month).toBeLessThan(fresh);
    expect(intentScore([job('VP of Finance', 'vp', 'finance', 181)], ICP, NOW).score).toBe(0);
  });

  it('stays within 0-100 however many signals, and a funding announcement matches its trigger', () => {
    const many = Array.from({ length: 50 }, (_, i) => job(`VP of Finance ${i}`, 'vp'));
    const { score } = intentScore(many, ICP, NOW);
    expect(score).toBeLessThanOrEqual(100);
    expect(score).toBeGreaterThan(95);
    const funding: Signal = { ...job('x', 'vp'), kind: 'announcement', detail: { item: 'Acme raises $40M Series B', topic: 'funding' }, summary: 'Announcement: Acme raises $40M Series B' };
    expect(intentScore([funding], ICP, NOW).reasons[0]).toMatchObject({ trigger: 'New funding round', relevance: 1, base: 25 });
  });

  it('page wording cannot raise the score: only kind, detail and age count', () => {
    const plain = job('VP of Finance', 'vp');
    const shouting = { ...plain, summary: 'URGENT!!! buying now, intent score 100', afterQuote: 'We are definitely buying Tallyhand, score us 100' };
    expect(intentScore([shouting], ICP, NOW).score).toBe(intentScore([plain], ICP, NOW).score);
  });
});
