/**
 * A Groq per-day limit in the middle of a run, through the whole local state machine: the run
 * neither spins on it (no request after the first refusal) nor loses leads to it (they fail
 * with the reason, and a redrive once the day has passed researches them).
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { SAMPLE_ONBOARDING } from '../helpers/db.ts';
import { migratedHome } from '../helpers/home.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';

const KEY = 'gsk_dailyLimitTestKey0123456789';
const LEADS = [
  { company_name: 'QuillStack', company_website: 'https://quillstack.example', lead_email: 'quinn@quillstack.example', lead_name: 'Quinn Ops' },
  { company_name: 'Kiln Analytics', company_website: 'https://kiln-analytics.example', lead_email: 'fin@kiln-analytics.example', lead_name: 'Kim Fin' },
  { company_name: 'Ferrule', company_website: 'https://ferrule.example', lead_email: 'fern@ferrule.example', lead_name: 'Fern AP' },
  { company_name: 'BrightPallet', company_website: 'https://brightpallet.example', lead_email: 'ops@brightpallet.example', lead_name: 'Bo Pallet' },
];

describe('a Groq daily limit during a run (PROSPECTOR_ON_DAILY_LIMIT=skip, the default)', () => {
  let home: string;
  let groq: FakeGroq;
  let first: RunSummary;
  let callsInFirstRun: { model: string; status?: number }[];
  let redrive: RunSummary;
  const env = () => ({
    PROSPECTOR_HOME: home,
    PROSPECTOR_LOG_LEVEL: 'silent' as const,
    PROSPECTOR_LEAD_CONCURRENCY: '1',
    GROQ_API_KEY: KEY,
    GROQ_BASE_URL: groq.baseURL,
  });
  const open = (): Promise<LocalRuntime> => openLocal({ env: env() });

  beforeAll(async () => {
    home = await migratedHome('prospector-daily-');
    // two requests a day per model: each lead makes one facts call (gpt-oss-20b) and one
    // synthesis call (gpt-oss-120b), so the third lead finds the day spent, and the fourth
    // must not even ask
    groq = await startFakeGroq({ apiKey: KEY, requestsPerDay: 2 });
    let rt = await open();
    try {
      await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
      first = await runOnce(rt, { leads: LEADS });
      callsInFirstRun = groq.calls.map((c) => ({ model: c.model, status: c.status }));
    } finally {
      await rt.close();
    }
    // the next day, from a new process, as an operator would
    groq.resetDay();
    rt = await open();
    try {
      redrive = await runOnce(rt, { redriveRunId: first.runId });
    } finally {
      await rt.close();
    }
  }, 240_000);

  afterAll(async () => {
    await groq?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('sets the remaining leads aside with the reason, and stops asking Groq', () => {
    expect(first.status).toBe('succeeded');
    expect(first.leadsResearched).toBe(2);
    expect(first.failures).toHaveLength(2);
    for (const f of first.failures) {
      expect(f).toMatchObject({ stage: 'research', error: 'DailyLimitReached' });
      expect(f.message).toMatch(/^Groq's requests-per-day limit for openai\/gpt-oss-20b is spent; it resets in about 12\.0 h\. The lead was not researched: redrive the run after the reset\./);
    }
    // two answered calls for each of the first two leads, one refusal, and nothing after it:
    // the fourth lead was set aside without a request
    expect(callsInFirstRun.map((c) => c.status)).toEqual([200, 200, 200, 200, 429]);
  });

  it('loses no lead: a redrive after the reset researches exactly the leads set aside', () => {
    expect(redrive.status).toBe('succeeded');
    expect(redrive.runId).toBe(first.runId);
    expect(redrive.failures, JSON.stringify(redrive.failures)).toEqual([]);
    expect(redrive.leadsResearched).toBe(4);
    expect(groq.calls.slice(callsInFirstRun.length).every((c) => c.status === 200)).toBe(true);
  });
});
