/**
 * Groq that never stops throttling one lead: the state machine waits as told (Wait state, no
 * Lambda sleeping) a bounded number of times, then fails that lead with the reason, and the
 * run finishes with every other lead researched. The waits are shortened here; their length
 * is asserted in hostile-run.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { summarizeRun, type RunSummary } from '#core/pipeline/finish-run.ts';
import { stageLeads } from '#local/runner.ts';
import { executeLocally } from '#local/state-machine.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { domainOfCall, forDomain, inProcessDeps, installTripwire, type Tripwire } from './support.ts';

const KEY = 'gsk_rateLimitSuiteKey0123456789';
const THROTTLED = 'always-throttled.example';

describe('a lead Groq throttles every time', () => {
  let db: PgliteSql;
  let fake: FakeGroq;
  let tripwire: Tripwire;
  let summary: RunSummary;
  const waits: number[] = [];

  beforeAll(async () => {
    tripwire = installTripwire();
    ({ db } = await onboardedDb());
    fake = await startFakeGroq({ apiKey: KEY, script: [] });
    fake.setScript([{ when: forDomain(fake.calls, THROTTLED), fault: { kind: '429', retryAfter: 30 } }]);
    const deps = inProcessDeps(db, { llm: new GroqLlm({ apiKey: KEY, baseURL: fake.baseURL, timeoutMs: 30_000 }) });
    const leadsKey = await stageLeads(deps.lake, [THROTTLED, 'steady-freight.example', 'calm-logistics.example'].map((d) => ({ company_name: d, company_website: `https://${d}`, lead_email: `ops@${d}`, lead_name: 'Ops' })));
    const output = (await executeLocally(deps, { trigger: 'manual', leadsKey }, {
      waitTimeOverrides: { WaitForRateLimit: 5 },
      onEvent: (e) => {
        if (e.type === 'StateEntered' && e.state?.name === 'WaitForRateLimit') waits.push(e.timestamp as number);
      },
    })) as { runId: string };
    summary = await summarizeRun(deps.sql, output.runId);
  }, 60_000);

  afterAll(async () => {
    tripwire?.restore();
    await fake?.close();
    await db?.close();
  });

  it('waits at most 8 times, then fails the lead naming the throttling; the run succeeds', () => {
    expect(summary.status).toBe('succeeded');
    expect(waits).toHaveLength(8);
    expect(fake.calls.filter((c) => domainOfCall(c) === THROTTLED)).toHaveLength(9);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatchObject({ lead: `ops@${THROTTLED}`, stage: 'research', error: 'RateLimited' });
    // readable words, not the envelope or RateLimitedError's JSON
    expect(summary.failures[0].message).toMatch(/^gave up after repeated rate limiting \(last asked to wait 30 s\): Groq .*\(facts\): /);
    expect(summary.failures[0].message).not.toMatch(/errorType|trace|\{/);
    expect(summary.leadsResearched).toBe(2);
    expect(tripwire.refused).toEqual([]);
  });
});
