/**
 * Against a fake Groq that serves only the models Groq serves today (and refuses the others with
 * Groq's own errors): `GROQ_API_KEY=x GROQ_BASE_URL=<fake> npm start` researches leads with the
 * default models, and a run configured with a shut-down model fails before it starts, with that
 * reason, instead of failing every lead one by one. The commands run in this process
 * (test/helpers/cli-in-process.ts).
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { DEFAULT_MODELS } from '#core/research/models.ts';
import { cliEnv, closeCliDatabases, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { migratedHome } from '#test/helpers/home.ts';

describe('Groq as it is today, through the CLI', () => {
  let home: string;
  let groq: FakeGroq;
  beforeAll(async () => {
    home = await migratedHome('prospector-groq-today-');
    groq = await startFakeGroq({ apiKey: 'x' });
  });
  afterAll(async () => {
    await groq?.close();
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  it('`npm start` with GROQ_API_KEY=x GROQ_BASE_URL=<fake> researches leads with the default models', async () => {
    // The sample's slow site held to 3 s, as in the local-run suite, instead of the default 8:
    // its fetch timing out is the same failure either way, and the run does not wait it out.
    const r = await prospector(['start', '--json'], cliEnv(home, { GROQ_API_KEY: 'x', GROQ_BASE_URL: groq.baseURL, PROSPECTOR_FETCH_TIMEOUT_MS: '3000' }), 300_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const summary = lastJson<RunSummary>(r);
    expect(summary.status).toBe('succeeded');
    expect(summary.llmProvider).toBe('groq');
    expect(summary.leadsResearched).toBeGreaterThan(0);
    expect(summary.failures.filter((f) => f.stage === 'research'), JSON.stringify(summary.failures)).toEqual([]);
    expect(groq.calls.length).toBeGreaterThan(0);
    // every request was for a model Groq serves, and every one was answered
    expect(new Set(groq.calls.map((c) => c.model))).toEqual(new Set([DEFAULT_MODELS.facts, DEFAULT_MODELS.synthesis]));
    expect(groq.calls.filter((c) => c.status !== 200)).toEqual([]);
    expect(groq.calls.every((c) => c.finishReason === 'stop')).toBe(true);
    // the leads that fit were drafted by the model, one drafting call each, every draft checked
    expect(summary.leadsDrafted).toBeGreaterThan(0);
    expect(groq.calls.filter((c) => c.pass === 'draft')).toHaveLength(summary.leadsDrafted);
    const drafted = await prospector(['query', '--json', "SELECT s.source, m.model, m.grounding, count(*)::int AS n FROM sequence s JOIN message m ON m.sequence_id = s.id GROUP BY 1, 2, 3"], cliEnv(home));
    const rows = JSON.parse(drafted.stdout.trim()) as { source: string; model: string | null; grounding: string; n: number }[];
    expect(rows.map((r) => [r.source, r.model])).toEqual(rows.map(() => ['llm', DEFAULT_MODELS.synthesis]));
    expect(rows.every((r) => r.grounding !== 'unchecked')).toBe(true);
  }, 320_000);

  it('a run with a shut-down model fails at once with that reason, and Groq is never asked', async () => {
    const before = groq.calls.length;
    const r = await prospector(['run', '--json'], cliEnv(home, { GROQ_API_KEY: 'x', GROQ_BASE_URL: groq.baseURL, PROSPECTOR_SYNTHESIS_MODEL: 'llama-3.3-70b-versatile' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'PROSPECTOR_SYNTHESIS_MODEL: llama-3.3-70b-versatile was shut down by Groq on 2026-08-16 (console.groq.com/docs/deprecations); use openai/gpt-oss-120b instead',
    );
    expect(r.stdout).toBe('');
    expect(groq.calls.length).toBe(before);
    // no run was even started: the only run is the one `start` made
    const runs = await prospector(['runs', '--json'], cliEnv(home));
    expect(JSON.parse(runs.stdout.trim())).toHaveLength(1);
  }, 120_000);
});
