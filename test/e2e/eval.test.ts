/**
 * `prospector eval` on the sample web meets the research engine's acceptance figures, run as a
 * user runs it (a child process): progress on stderr while it works, only the figures on stdout.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { EvalResult } from '#local/eval.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'local', 'bin', 'prospector.mjs');

describe('prospector eval on the sample web (offline heuristic)', () => {
  test('evidence recall >= 0.95, median prompt tokens <= 4000, every fact verified, no banner or newsletter text sent; progress on stderr', async () => {
    const { stdout, stderr } = await exec(process.execPath, [BIN, 'eval', '--json', '--details'], {
      env: { ...process.env, GROQ_API_KEY: '', PROSPECTOR_LOG_LEVEL: 'silent' },
      maxBuffer: 16 * 1024 * 1024,
    });
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
