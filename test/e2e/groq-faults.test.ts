/**
 * The real groq-sdk client against the loopback fake Groq, through the whole local state
 * machine: a 429 makes the execution wait (a Wait state, not a sleeping Lambda), invalid JSON
 * twice fails the lead with the reason and the run goes on, a hallucinated quote is dropped.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migratedHome } from '#test/helpers/home.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';

const HALLUCINATED = 'Trusted by 500 of the Fortune 500 since 1899';

describe('Groq faults through the state machine', () => {
  let home: string;
  let groq: FakeGroq;
  let rt: LocalRuntime;
  let summary: RunSummary;
  const waits: { entered?: number; exited?: number; seconds?: number }[] = [];

  beforeAll(async () => {
    home = await migratedHome('prospector-groq-');
    groq = await startFakeGroq({
      apiKey: 'gsk_test_fault_key_0123456789',
      script: [
        { when: (c) => c.user.includes('quillstack.example'), times: 1, fault: { kind: '429', retryAfter: 2 } },
        // the repair prompt carries only the broken answer; only Kiln's lead ever needs a repair here
        { when: (c) => c.pass === 'repair' || (c.pass === 'facts' && c.user.includes('kiln-analytics.example')), times: 2, fault: { kind: 'invalid-json' } },
        { when: (c) => c.pass === 'facts' && c.user.includes('ferrule.example'), times: 1, fault: { kind: 'hallucinated-quote' } },
      ],
    });
    rt = await openLocal({
      env: {
        PROSPECTOR_HOME: home,
        PROSPECTOR_LOG_LEVEL: 'silent',
        GROQ_API_KEY: 'gsk_test_fault_key_0123456789',
        GROQ_BASE_URL: groq.baseURL,
      },
    });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const leads = join(home, 'leads.json');
    await writeFile(
      leads,
      JSON.stringify([
        { company_name: 'QuillStack', company_website: 'https://quillstack.example', lead_email: 'quinn@quillstack.example', lead_name: 'Quinn Ops' },
        { company_name: 'Kiln Analytics', company_website: 'https://kiln-analytics.example', lead_email: 'fin@kiln-analytics.example', lead_name: 'Kim Fin' },
        { company_name: 'Ferrule', company_website: 'https://ferrule.example', lead_email: 'fern@ferrule.example', lead_name: 'Fern AP' },
      ]),
    );
    summary = await runOnce(rt, {
      leadsFile: leads,
      onEvent: (e) => {
        if (e.state?.name !== 'WaitForRateLimit') return;
        if (e.type === 'StateEntered') waits.push({ entered: Date.now(), seconds: (e.state.input as { waitSeconds: number }).waitSeconds });
        if (e.type === 'StateExited') waits[waits.length - 1].exited = Date.now();
      },
    });
  }, 120_000);

  afterAll(async () => {
    await rt?.close();
    await groq?.close();
    await rm(home, { recursive: true, force: true });
  });

  test('the run completes with the Groq provider recorded', () => {
    expect(summary.status).toBe('succeeded');
    expect(summary.llmProvider).toBe('groq');
    expect(groq.calls.every((c) => c.authorization === 'Bearer gsk_test_fault_key_0123456789')).toBe(true);
  });

  test('a 429 with retry-after: 2 makes the execution wait 2 s plus 0-2 s of jitter in a Wait state, then the lead succeeds', () => {
    expect(waits).toHaveLength(1);
    expect([2, 3, 4]).toContain(waits[0].seconds);
    expect(waits[0].exited! - waits[0].entered!).toBeGreaterThanOrEqual(1900);
    expect(summary.failures.map((f) => f.lead)).not.toContain('quinn@quillstack.example');
    expect(groq.calls.filter((c) => c.fault === '429')).toHaveLength(1);
  });

  test('invalid JSON twice fails that lead with the reason; the other leads are researched', () => {
    const failure = summary.failures.find((f) => f.lead === 'fin@kiln-analytics.example');
    expect(failure).toMatchObject({ stage: 'research', error: 'LlmOutputInvalid' });
    expect(failure!.message).toMatch(/facts/i);
    expect(summary.leadsResearched).toBe(2);
  });

  test('a hallucinated quote is dropped and counted, and never stored as a fact', async () => {
    const res = await rt.deps.sql.query<{ findings: { verification: { factsDropped: number } } }>(
      `SELECT r.findings FROM research r JOIN lead l ON l.id = r.lead_id WHERE l.email = 'fern@ferrule.example'`,
    );
    expect(res.rows[0].findings.verification.factsDropped).toBeGreaterThanOrEqual(1);
    const stored = await rt.deps.sql.query(`SELECT 1 FROM fact WHERE quote ILIKE :q`, { q: `%${HALLUCINATED}%` });
    expect(stored.rows).toHaveLength(0);
    const unverified = await rt.deps.sql.query(`SELECT 1 FROM fact WHERE NOT verified`);
    expect(unverified.rows).toHaveLength(0);
  });
});
