/**
 * Failures outside any one lead, through the real interpreter with Lambda-shaped errors: a
 * paused database is retried by name (`DatabaseUnavailable` from core/errors.ts), a failing
 * FinishRun still closes the run through RunFailed, a failing StartRun leaves no run behind and
 * fails the execution with a readable reason, and the lead Map's children return nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { DatabaseError, DatabaseUnavailableError, InvalidLeadError, RateLimitedError } from '#core/errors.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { CHILD_ENDED_REASON, finishRun } from '#core/pipeline/finish-run.ts';
import { parseStatesError } from '#core/pipeline/record-failure.ts';
import { resetFailedRunLeads } from '#core/pipeline/run-lead-repo.ts';
import { searchLeads } from '#core/pipeline/search-leads.ts';
import { startRun } from '#core/pipeline/start-run.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { stageLeads } from '#local/runner.ts';
import { ExecutionFailedError, executeLocally, lambdaErrorEnvelope, type ExecuteOptions } from '#local/state-machine.ts';
import { freshDb, onboardedDb } from '#test/helpers/db.ts';
import { inProcessDeps } from '#test/hostile/support.ts';

let db: PgliteSql | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

const depsOver = (sql: PgliteSql): Deps => inProcessDeps(sql);

const LEADS = ['first-freight.example', 'second-logistics.example'].map((d) => ({ company_name: d, company_website: `https://${d}`, lead_email: `ops@${d}`, lead_name: 'Ops' }));

/** Fails `state`'s handler `times` times with `error()`, then lets the real handler run. */
function failing(state: string, times: number, error: () => Error): Pick<ExecuteOptions, 'wrap'> & { calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    wrap: (name: string, fn: StepHandler): StepHandler =>
      name !== state
        ? fn
        : async (event) => {
            calls++;
            if (calls <= times) throw error();
            return fn(event);
          },
  };
}

async function runs(sql: PgliteSql): Promise<{ status: string; summary: { error?: string } | null }[]> {
  return (await sql.query<{ status: string; summary: { error?: string } | null }>(`SELECT status, summary FROM run`)).rows;
}

describe('failures outside any one lead', () => {
  it('retries a StartRun that finds the database resuming, and the run completes; each lead child returns {}', async () => {
    ({ db } = await onboardedDb());
    const deps = depsOver(db);
    const leadsKey = await stageLeads(deps.lake, LEADS);
    const fault = failing('StartRun', 2, () => new DatabaseUnavailableError('SELECT id, slug', 'DatabaseResumingException: The database is resuming'));
    const retried: string[] = [];
    const childOutputs: unknown[] = [];
    await executeLocally(deps, { trigger: 'manual', leadsKey }, {
      ...fault,
      retryIntervalOverrides: { StartRun: 1 },
      onEvent: (e) => {
        if (e.type === 'StateRetried') retried.push(e.state!.name);
        if (e.type === 'MapIterationSucceeded' && (e.parentState as { name: string }).name === 'ProcessBatch') childOutputs.push(e.output);
      },
    });
    expect(fault.calls()).toBe(3);
    expect(retried).toEqual(['StartRun', 'StartRun']);
    expect(await runs(db)).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    expect(childOutputs).toEqual([{}, {}]);
  }, 60_000);

  it('closes the run as failed through RunFailed when FinishRun keeps failing, with a readable reason', async () => {
    ({ db } = await onboardedDb());
    const deps = depsOver(db);
    const leadsKey = await stageLeads(deps.lake, LEADS);
    // FinishRun retries any error 3 times: it fails all 4 attempts; RunFailed (same function) then runs for real
    const fault = failing('FinishRun', 4, () => new DatabaseError('SELECT results, rejected', 'SELECT results, rejected: the result is over the Data API\'s 1 MiB response limit'));
    const outcome = await executeLocally(deps, { trigger: 'manual', leadsKey }, { ...fault, retryIntervalOverrides: { FinishRun: 1 } }).catch((e: unknown) => e);
    expect(fault.calls()).toBe(4);
    expect(outcome).toBeInstanceOf(ExecutionFailedError);
    expect((outcome as ExecutionFailedError).error).toBe('RunFailed');
    const [run] = await runs(db);
    expect(run.status).toBe('failed');
    expect(run.summary?.error).toBe('DatabaseError: SELECT results, rejected: the result is over the Data API\'s 1 MiB response limit');
  }, 60_000);

  it('fails the leads a child execution left unfinished (an Express child stopped at 5 minutes) when the lead Map itself succeeded, so a redrive picks them up', async () => {
    ({ db } = await onboardedDb());
    const deps = depsOver(db);
    const started = await startRun(deps, { leadsKey: await stageLeads(deps.lake, LEADS) });
    await searchLeads(deps, { runId: started.runId, icp: started.icps[0] });
    // the Map succeeded (ToleratedFailurePercentage 100) but no step of either lead ever ran
    const counts = await finishRun(deps, { runId: started.runId });

    expect(counts).toMatchObject({ status: 'succeeded', leadsFound: 2, leadsFailed: 2, leadsResearched: 0 });
    const leads = await db.query<{ status: string; reason: string; stage: string; error_name: string }>(
      `SELECT rl.status, rl.reason, f.stage, f.error_name FROM run_lead rl JOIN lead_failure f ON f.run_id = rl.run_id AND f.lead_id = rl.lead_id WHERE rl.run_id = :runId::uuid`,
      { runId: started.runId },
    );
    expect(leads.rows).toEqual([0, 1].map(() => ({ status: 'failed', reason: CHILD_ENDED_REASON, stage: 'fetch', error_name: 'ChildExecutionEnded' })));
    expect(await resetFailedRunLeads(db, started.runId)).toBe(2);
  });

  it('fails the execution with StartRun\'s own error when no workspace is onboarded, leaving no run behind', async () => {
    db = await freshDb();
    const outcome = await executeLocally(depsOver(db), { trigger: 'manual' }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(ExecutionFailedError);
    expect(outcome).toMatchObject({ error: 'NotFound', reason: expect.stringMatching(/^no workspace is onboarded: run `prospector onboard FILE`/) });
    expect((outcome as Error).message).not.toMatch(/errorType|trace/);
    expect(await runs(db)).toEqual([]);
  }, 60_000);
});

describe('a recorded failure reads as words, whatever shape Step Functions gave it', () => {
  const fromLambda = (error: Error) => ({ Error: error.name, Cause: JSON.stringify(lambdaErrorEnvelope(error)) });

  it('takes the message out of Lambda\'s envelope and keeps the error name', () => {
    expect(parseStatesError(fromLambda(new InvalidLeadError('lead_email "x" is not an email address')))).toEqual({
      name: 'InvalidLead',
      message: 'lead_email "x" is not an email address',
    });
  });

  it('says how long Groq last asked to wait, not RateLimitedError\'s JSON', () => {
    const { name, message } = parseStatesError(fromLambda(new RateLimitedError(30, 'Groq openai/gpt-oss-20b (facts): Rate limit reached')));
    expect(name).toBe('RateLimited');
    expect(message).toBe('gave up after repeated rate limiting (last asked to wait 30 s): Groq openai/gpt-oss-20b (facts): Rate limit reached');
  });

  it('keeps a plain cause as it is, and names a timeout that has none', () => {
    expect(parseStatesError({ Error: 'Interrupted', Cause: 'the process ended before the run finished' })).toEqual({ name: 'Interrupted', message: 'the process ended before the run finished' });
    expect(parseStatesError({ Error: 'States.Timeout', Cause: 'States.Timeout' })).toEqual({ name: 'States.Timeout', message: 'the step timed out' });
    expect(parseStatesError({ Error: 'States.Timeout' })).toEqual({ name: 'States.Timeout', message: 'the step timed out' });
  });
});
