/**
 * `prospector eval` on the sample web meets the research engine's acceptance figures, run as a
 * user runs it (in this process, test/helpers/cli-in-process.ts: the CLI's main with its own
 * environment, argv, stdout and stderr): progress on stderr while it works, only the figures on
 * stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { EvalResult } from '#local/eval.ts';
import { cliEnv, prospector } from '#test/helpers/cli-in-process.ts';

describe('prospector eval on the sample web (offline heuristic)', () => {
  test('evidence recall >= 0.95, median prompt tokens <= 4000, every fact verified, no banner or newsletter text sent; progress on stderr', async () => {
    const home = await mkdtemp(join(tmpdir(), 'prospector-eval-'));
    const r = await prospector(['eval', '--json', '--details'], cliEnv(home)).finally(() => rm(home, { recursive: true, force: true }));
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const { stdout, stderr } = r;
    // stdout is exactly one JSON document
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]) as EvalResult;
    expect(result.provider).toBe('offline-heuristic');
    expect(result.leadsResearched).toBe(result.companies);
    expect(result.evidenceRecall, JSON.stringify(result.missed, null, 1)).toBeGreaterThanOrEqual(0.95);
    expect(result.medianPromptTokensPerLead).toBeLessThanOrEqual(4000);
    expect(result.verifiedFactRate).toBe(1);
    expect(result.hooksWithEvidenceRate).toBe(1);
    expect(result.noiseLeaked, JSON.stringify(result.leaks)).toBe(0);

    // progress went to stderr: what it does, then leads done out of all, then that it scored
    expect(stderr).toContain(`eval: researching ${result.companies} gold-set companies on the sample web`);
    expect(stderr).toMatch(new RegExp(`progress: leads ${result.companies}/${result.companies} · researched ${result.companies} · skipped 0 · failed 0`));
    expect(stderr.trim().split('\n').at(-1)).toBe('eval: scored against the gold set');
  }, 300_000);
});
