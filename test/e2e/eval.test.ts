/** `prospector eval` on the sample web meets the research engine's acceptance figures. */
import { describe, expect, test } from 'vitest';
import { runEval } from '#local/eval.ts';

describe('prospector eval on the sample web (offline heuristic)', () => {
  test('evidence recall >= 0.95, median prompt tokens <= 4000, every fact verified, no banner or newsletter text sent', async () => {
    const result = await runEval({ env: { GROQ_API_KEY: '' } });
    expect(result.provider).toBe('offline-heuristic');
    expect(result.leadsResearched).toBe(result.companies);
    expect(result.evidenceRecall, JSON.stringify(result.missed, null, 1)).toBeGreaterThanOrEqual(0.95);
    expect(result.medianPromptTokensPerLead).toBeLessThanOrEqual(4000);
    expect(result.verifiedFactRate).toBe(1);
    expect(result.hooksWithEvidenceRate).toBe(1);
    expect(result.noiseLeaked, JSON.stringify(result.leaks)).toBe(0);
  }, 120_000);
});
