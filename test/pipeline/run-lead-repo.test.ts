/**
 * The run lead repository on PGlite: the moves a lead may make through a run, the error that
 * names an illegal one, failures recorded once (per lead and for a whole run), and a redrive.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import type { Sql, SqlParams } from '#core/ports.ts';
import { IllegalTransitionError, NotFoundError } from '#core/errors.ts';
import {
  canMove, FAIL_UNFINISHED_BATCH, failRunLead, failUnfinishedRunLeads, failureAttempts, moveRunLead, resetFailedRunLeads, resolveLeadFailure, RUN_LEAD_STATUSES, type RunLeadStatus,
} from '#core/pipeline/run-lead-repo.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { seedResearchedLead } from '#test/helpers/outreach.ts';

describe('the run lead repository', () => {
  let db: PgliteSql;
  let runId: string;
  let leads: string[];

  beforeEach(async () => {
    const onboarded = await onboardedDb();
    db = onboarded.db;
    const first = await seedResearchedLead(db, onboarded.workspaceId, 'alpha.example');
    runId = first.runId;
    leads = [first.leadId];
    for (const domain of ['beta.example', 'gamma.example']) {
      const other = await seedResearchedLead(db, onboarded.workspaceId, domain);
      leads.push(other.leadId);
    }
    for (const leadId of leads) {
      await db.query(`INSERT INTO run_lead (run_id, lead_id, is_new) VALUES (:runId::uuid, :leadId::uuid, true)`, { runId, leadId });
    }
  });
  afterEach(async () => {
    await db.close();
  });

  const state = async (leadId: string) =>
    (await db.query<{ status: string; reason: string | null }>(`SELECT status, reason FROM run_lead WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid`, { runId, leadId })).rows[0];

  it('moves a lead through fetch, clean and research, and lets a repeated step set the same status again', async () => {
    const [lead] = leads;
    for (const to of ['fetched', 'fetched', 'cleaned', 'researched', 'researched'] as RunLeadStatus[]) await moveRunLead(db, runId, lead, to);
    expect(await state(lead)).toEqual({ status: 'researched', reason: null });
  });

  it('refuses an illegal move with an error naming the lead, from and to, and leaves the lead where it was', async () => {
    const [lead] = leads;
    await moveRunLead(db, runId, lead, 'skipped', { reason: 'robots.txt of alpha.example disallows fetching its homepage' });
    const error = await moveRunLead(db, runId, lead, 'cleaned').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toMatchObject({ name: 'IllegalTransition', from: 'skipped', to: 'cleaned' });
    expect((error as Error).message).toBe(`lead ${lead} of run ${runId} cannot move from skipped to cleaned`);
    expect(await state(lead)).toEqual({ status: 'skipped', reason: 'robots.txt of alpha.example disallows fetching its homepage' });

    // pending cannot jump to researched; a lead not in the run is NotFound
    await expect(moveRunLead(db, runId, leads[1], 'researched')).rejects.toThrow(`lead ${leads[1]} of run ${runId} cannot move from pending to researched`);
    await expect(moveRunLead(db, runId, randomUUID(), 'fetched')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('records a failure once per lead, counting attempts, and a redrive resets failed leads to pending', async () => {
    const [lead] = leads;
    const failure = { stage: 'fetch' as const, name: 'Unreachable', message: 'ECONNREFUSED', reason: 'Unreachable: ECONNREFUSED' };
    await db.transaction((tx) => failRunLead(tx, runId, lead, failure, randomUUID));
    expect(await state(lead)).toEqual({ status: 'failed', reason: 'Unreachable: ECONNREFUSED' });
    expect(await resetFailedRunLeads(db, runId)).toBe(1);
    expect(await state(lead)).toEqual({ status: 'pending', reason: null });
    await db.transaction((tx) => failRunLead(tx, runId, lead, failure, randomUUID));
    expect(await failureAttempts(db, runId, lead)).toBe(2);
    await resolveLeadFailure(db, runId, lead);
    const row = await db.query<{ resolved: boolean; n: number }>(`SELECT bool_and(resolved_at IS NOT NULL) AS resolved, count(*)::int AS n FROM lead_failure WHERE run_id = :runId::uuid`, { runId });
    expect(row.rows[0]).toEqual({ resolved: true, n: 1 });
  });

  it('fails every unfinished lead of a run at the stage it had reached, and leaves finished leads alone', async () => {
    const [pending, cleaned, researched] = leads;
    for (const to of ['fetched', 'cleaned'] as RunLeadStatus[]) await moveRunLead(db, runId, cleaned, to);
    for (const to of ['fetched', 'cleaned', 'researched'] as RunLeadStatus[]) await moveRunLead(db, runId, researched, to);
    const reason = 'run stopped before this lead finished: Interrupted: stopped by SIGINT';
    expect(await db.transaction((tx) => failUnfinishedRunLeads(tx, runId, { name: 'Interrupted', message: reason, reason }, randomUUID))).toBe(2);
    const failures = await db.query<{ lead_id: string; stage: string; error_name: string }>(`SELECT lead_id, stage, error_name FROM lead_failure WHERE run_id = :runId::uuid`, { runId });
    expect(Object.fromEntries(failures.rows.map((f) => [f.lead_id, [f.stage, f.error_name]]))).toEqual({ [pending]: ['fetch', 'Interrupted'], [cleaned]: ['research', 'Interrupted'] });
    expect(await state(researched)).toEqual({ status: 'researched', reason: null });
    expect(await state(pending)).toEqual({ status: 'failed', reason });
  });

  it('fails the unfinished leads of a large run a batch a statement, each with a new id, counting a repeated failure', async () => {
    const extra = 2 * FAIL_UNFINISHED_BATCH + 1;
    await db.query(
      `WITH added AS (
         INSERT INTO lead (id, workspace_id, company_id, email, name)
         SELECT gen_random_uuid(), l.workspace_id, l.company_id, 'buyer' || g || '@alpha.example', 'Buyer ' || g
           FROM lead l, generate_series(1, :n) g WHERE l.id = :lead::uuid
         RETURNING id
       ) INSERT INTO run_lead (run_id, lead_id, is_new) SELECT :runId::uuid, id, true FROM added`,
      { n: extra, lead: leads[0], runId },
    );
    const [earlier] = leads;
    await db.transaction((tx) => failRunLead(tx, runId, earlier, { stage: 'fetch', name: 'Unreachable', message: 'ECONNREFUSED', reason: 'Unreachable' }, randomUUID));
    await resetFailedRunLeads(db, runId);
    const statements: string[] = [];
    const counted = (tx: Sql): Sql => ({
      query: <R extends object>(text: string, params?: SqlParams) => (statements.push(text), tx.query<R>(text, params)),
      transaction: (fn) => tx.transaction(fn),
      close: () => tx.close(),
    });
    const ids: string[] = [];
    const newId = () => (ids.push(randomUUID()), ids.at(-1)!);

    const reason = 'run failed before this lead finished: States.Timeout';
    expect(await db.transaction((tx) => failUnfinishedRunLeads(counted(tx), runId, { name: 'States.Timeout', message: reason, reason }, newId))).toBe(extra + 3);

    // One count, then two full batches and one of four.
    expect(statements).toHaveLength(4);
    const rows = await db.query<{ n: number; fresh: number; attempts: number; reasons: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE f.id::text = ANY(:ids::text[]))::int AS fresh,
              max(f.attempts)::int AS attempts, count(DISTINCT r.reason)::int AS reasons
         FROM lead_failure f JOIN run_lead r ON r.run_id = f.run_id AND r.lead_id = f.lead_id AND r.status = 'failed'
        WHERE f.run_id = :runId::uuid AND f.error_name = 'States.Timeout' AND f.resolved_at IS NULL`,
      { runId, ids: `{${ids.join(',')}}` },
    );
    // The lead that had failed before keeps its row (its id), with a second attempt.
    expect(rows.rows[0]).toEqual({ n: extra + 3, fresh: extra + 2, attempts: 2, reasons: 1 });
  });
});

describe('the run lead transitions', () => {
  it('has a move from every status and lets every unfinished or finished lead fail', () => {
    for (const from of RUN_LEAD_STATUSES) {
      expect(RUN_LEAD_STATUSES.some((to) => to !== from && canMove(from, to)), from).toBe(true);
      expect(canMove(from, 'failed'), from).toBe(true);
    }
    expect(canMove('failed', 'pending')).toBe(true);
    expect(canMove('researched', 'pending')).toBe(false);
  });
});
