/**
 * A Groq 429 through the state machine as Step Functions reports it after a Lambda failure:
 * `Error` is "RateLimited" and `Cause` is Lambda's error envelope as a JSON string, whose
 * `errorMessage` is RateLimitedError's JSON (the local runner reports failures this way, see
 * local/state-machine.ts). The lead waits in a Wait state and finishes researched. The previous
 * RateLimitBackoff (test/fixtures/asl/rate-limit-backoff-before-envelope.json) read
 * `retryAfterSeconds` at the top of the parsed Cause: through the same run it loses the lead,
 * which stays `cleaned` (on AWS, where the lead Map tolerates every child failure, silently).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { stageLeads } from '#local/runner.ts';
import { ASL_PATH, ExecutionFailedError, executeLocally } from '#local/state-machine.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { definitionBeforeEnvelope } from '#test/helpers/asl.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { forDomain, inProcessDeps } from '#test/hostile/support.ts';

const KEY = 'gsk_envelopeSuiteKey0123456789';
const THROTTLED = 'throttled-once.example';
const STEADY = 'steady-freight.example';
interface Observed {
  caught: { Error: string; Cause: string }[];
  waitSeconds: number[];
  outcome?: unknown;
  status: Record<string, string>;
}

let db: PgliteSql | undefined;
let fake: FakeGroq | undefined;

afterEach(async () => {
  await fake?.close();
  await db?.close();
  fake = db = undefined;
});

/** One run of two leads; Groq answers the first research call for THROTTLED with 429, retry-after 3. */
async function runThrough429(aslText?: string): Promise<Observed> {
  ({ db } = await onboardedDb());
  fake = await startFakeGroq({ apiKey: KEY, script: [] });
  fake.setScript([{ when: forDomain(fake.calls, THROTTLED), times: 1, fault: { kind: '429', retryAfter: 3 } }]);
  const deps = inProcessDeps(db, { llm: new GroqLlm({ apiKey: KEY, baseURL: fake.baseURL, timeoutMs: 30_000 }) });
  const leadsKey = await stageLeads(deps.lake, [THROTTLED, STEADY].map((d) => ({ company_name: d, company_website: `https://${d}`, lead_email: `ops@${d}`, lead_name: 'Ops' })));
  const observed: Observed = { caught: [], waitSeconds: [], status: {} };
  try {
    observed.outcome = await executeLocally(deps, { trigger: 'manual', leadsKey }, {
      aslText,
      waitTimeOverrides: { WaitForRateLimit: 1 },
      onEvent: (e) => {
        if (e.type !== 'StateEntered') return;
        const input = e.state?.input as { error?: { Error: string; Cause: string }; waitSeconds?: number };
        if (e.state?.name === 'RateLimitBackoff') observed.caught.push(input.error!);
        if (e.state?.name === 'WaitForRateLimit') observed.waitSeconds.push(input.waitSeconds!);
      },
    });
  } catch (error) {
    observed.outcome = error;
  }
  const rows = await db.query<{ email: string; status: string }>(`SELECT l.email, rl.status FROM run_lead rl JOIN lead l ON l.id = rl.lead_id`);
  for (const r of rows.rows) observed.status[r.email] = r.status;
  return observed;
}

describe('a Groq 429 reported as Step Functions reports a Lambda failure', () => {
  it('reaches RateLimitBackoff with Error = "RateLimited" and Cause = the Lambda envelope; the lead waits, then is researched', async () => {
    const seen = await runThrough429();
    expect(seen.outcome).not.toBeInstanceOf(Error);
    expect(seen.caught).toHaveLength(1);
    expect(seen.caught[0].Error).toBe('RateLimited');
    const envelope = JSON.parse(seen.caught[0].Cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(Object.keys(envelope).sort()).toEqual(['errorMessage', 'errorType', 'trace']);
    expect(envelope.errorType).toBe('RateLimited');
    expect(envelope.trace[0]).toBe(`RateLimited: ${envelope.errorMessage}`);
    expect(JSON.parse(envelope.errorMessage)).toMatchObject({ retryAfterSeconds: 3, detail: expect.stringMatching(/Rate limit reached/) });
    // retry-after 3 plus 0-2 s of jitter, in a Wait state
    expect(seen.waitSeconds).toHaveLength(1);
    expect([3, 4, 5]).toContain(seen.waitSeconds[0]);
    expect(seen.status).toEqual({ [`ops@${THROTTLED}`]: 'researched', [`ops@${STEADY}`]: 'researched' });
    expect(fake!.calls.filter((c) => c.status === 429)).toHaveLength(1);
  }, 60_000);

  it('with the previous RateLimitBackoff the same run loses the throttled lead: it never waits and stays cleaned', async () => {
    const seen = await runThrough429(definitionBeforeEnvelope(readFileSync(ASL_PATH, 'utf8')));
    expect(seen.caught).toHaveLength(1);
    expect(seen.waitSeconds).toEqual([]);
    // AddJitter cannot find $.wait.retryAfterSeconds: a States.Runtime error, which no Catch sees
    expect(seen.outcome).toBeInstanceOf(ExecutionFailedError);
    expect((seen.outcome as ExecutionFailedError).error).toBe('States.Runtime');
    expect(seen.status[`ops@${THROTTLED}`]).toBe('cleaned');
  }, 60_000);
});
