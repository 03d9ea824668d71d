/**
 * `prospector doctor` as a user runs it (in this process) against the loopback fake Groq: it
 * says plainly whether Groq serves each configured model, names shut-down models with their
 * date and replacement, labels the offline heuristic, and never prints the key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedModels } from '#core/research/models.ts';
import { cliEnv, closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';

const KEY = 'gsk_doctorTestKey0123456789abcdef';

describe('prospector doctor', () => {
  let home: string;
  let groq: FakeGroq;
  let onlyTwentyB: FakeGroq;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-doctor-'));
    groq = await startFakeGroq({ apiKey: KEY });
    onlyTwentyB = await startFakeGroq({ apiKey: KEY, models: servedModels().filter((m) => m !== 'openai/gpt-oss-120b') });
  });
  afterAll(async () => {
    await groq?.close();
    await onlyTwentyB?.close();
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });
  const withGroq = (fake: FakeGroq, extra: Record<string, string> = {}) => cliEnv(home, { GROQ_API_KEY: KEY, GROQ_BASE_URL: fake.baseURL, ...extra });

  it('with a key, lists what Groq serves and confirms both default models', async () => {
    const r = await prospector(['doctor'], withGroq(groq));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`researcher      Groq at ${groq.baseURL} (GROQ_API_KEY is set)`);
    expect(r.stdout).toMatch(/facts\s+openai\/gpt-oss-20b \(PROSPECTOR_FACTS_MODEL\)\n\s+\$0\.075\/\$0\.3 per 1M tokens in\/out; free tier 30 RPM, 1,000 RPD, 8,000 TPM, 200,000 TPD; strict JSON yes; reasoning yes; Groq serves it/);
    expect(r.stdout).toMatch(/synthesis\s+openai\/gpt-oss-120b .*\n.*Groq serves it/);
    expect(r.stdout).toContain('ok: a run can start as configured');
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect(groq.modelListRequests).toBe(1);
    expect(groq.calls).toHaveLength(0);
  });

  it('says so, and exits non-zero, when Groq does not serve a configured model', async () => {
    const r = await prospector(['doctor', '--json'], withGroq(onlyTwentyB));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { models: { model: string; served: boolean }[]; problems: string[] };
    expect(report.models.map((m) => [m.model, m.served])).toEqual([
      ['openai/gpt-oss-20b', true],
      ['openai/gpt-oss-120b', false],
      ['openai/gpt-oss-120b', false],
    ]);
    expect(report.problems).toEqual(['PROSPECTOR_SYNTHESIS_MODEL: Groq does not serve openai/gpt-oss-120b (it is not in GET /openai/v1/models)']);
  });

  it('names a shut-down model with its date and replacement', async () => {
    const r = await prospector(['doctor'], withGroq(groq, { PROSPECTOR_FACTS_MODEL: 'llama-3.1-8b-instant' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/facts\s+llama-3\.1-8b-instant .*\n.*NOT SERVED by Groq/);
    expect(r.stdout).toContain('1 problem: a run would fail');
    expect(r.stdout).toContain('PROSPECTOR_FACTS_MODEL: llama-3.1-8b-instant was shut down by Groq on 2026-08-16 (console.groq.com/docs/deprecations); use openai/gpt-oss-20b instead');
  });

  it('lists the drafting model: unset, it is the synthesis model, reported once', async () => {
    const r = await prospector(['doctor'], withGroq(onlyTwentyB));
    expect(r.stdout).toMatch(/drafting\s+openai\/gpt-oss-120b \(PROSPECTOR_DRAFT_MODEL is not set: the synthesis model\)\n.*NOT SERVED by Groq/);
    expect(r.stdout).toContain('1 problem: a run would fail');
  });

  it('refuses a shut-down drafting model as the run does', async () => {
    const env = withGroq(groq, { PROSPECTOR_DRAFT_MODEL: 'llama-3.1-8b-instant' });
    const r = await prospector(['doctor'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/drafting\s+llama-3\.1-8b-instant \(PROSPECTOR_DRAFT_MODEL\)\n.*NOT SERVED by Groq/);
    const problem = 'PROSPECTOR_DRAFT_MODEL: llama-3.1-8b-instant was shut down by Groq on 2026-08-16 (console.groq.com/docs/deprecations); use openai/gpt-oss-20b instead';
    expect(r.stdout).toContain(`1 problem: a run would fail\n  - ${problem}`);
    const run = await prospector(['run'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`environment is invalid:\n  - ${problem}`);
  });

  it('refuses an unpriced drafting model under a dollar budget as the run does', async () => {
    const env = withGroq(groq, { PROSPECTOR_DRAFT_MODEL: 'foo/bar', PROSPECTOR_RUN_COST_BUDGET_USD: '1' });
    const r = await prospector(['doctor'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/drafting\s+foo\/bar \(PROSPECTOR_DRAFT_MODEL\)\n\s+no price known; limits unknown/);
    const problem = 'PROSPECTOR_DRAFT_MODEL: foo/bar has no price in the model table, so PROSPECTOR_RUN_COST_BUDGET_USD could not be enforced';
    expect(r.stdout).toContain(`  - ${problem}`);
    const run = await prospector(['run'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`  - ${problem}`);
  });

  it('names a bad number in the environment in words, quoting what was written', async () => {
    const env = cliEnv(home, { PROSPECTOR_LEAD_CONCURRENCY: 'abc', PROSPECTOR_MAX_PAGES: '2.5', PROSPECTOR_RUN_COST_BUDGET_USD: '1e400', PROSPECTOR_ON_DAILY_LIMIT: 'never' });
    for (const command of [['doctor'], ['runs']]) {
      const r = await prospector(command, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'error: environment is invalid:\n' +
          '  - PROSPECTOR_LEAD_CONCURRENCY: "abc" is not a whole number\n' +
          '  - PROSPECTOR_MAX_PAGES: "2.5" is not a whole number\n' +
          '  - PROSPECTOR_RUN_COST_BUDGET_USD: "1e400" is not a finite number\n' +
          '  - PROSPECTOR_ON_DAILY_LIMIT: must be one of "skip", "wait", not the text "never"\n',
      );
    }
  });

  it('reports a key Groq refuses', async () => {
    const r = await prospector(['doctor'], cliEnv(home, { GROQ_API_KEY: 'gsk_wrongKey0000000000000000', GROQ_BASE_URL: groq.baseURL }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/could not list Groq's models: HTTP 401: Groq refused the API key/);
    expect(r.stdout).not.toContain('gsk_wrongKey0000000000000000');
  });

  it('without a key, says the offline heuristic is in use and asks Groq nothing', async () => {
    const before = groq.modelListRequests;
    const r = await prospector(['doctor'], cliEnv(home));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('researcher      OFFLINE HEURISTIC: GROQ_API_KEY is not set, so no language model is used');
    expect(r.stdout).toContain('models (used only with GROQ_API_KEY)');
    expect(r.stdout).not.toMatch(/Groq serves/);
    expect(groq.modelListRequests).toBe(before);
  });
});
