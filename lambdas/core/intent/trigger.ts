/**
 * A trigger for outreach: when a company's intent for an ICP reaches {@link DEFAULT_TRIGGER.minIntent}
 * and it has a signal observed within {@link DEFAULT_TRIGGER.freshDays} days that carries an
 * after-quote, one lead of that company with no live sequence is handed to the normal drafting and
 * approval queue (an `outreach_trigger` row, status `pending`). Nothing is sent from here: the draft
 * goes through the grounding checker and approval like any other (the ICP's autopilot rules apply
 * as before).
 *
 * Never for a lead whose address is invalid (hard bounce) or suppressed (address or domain), nor
 * for a company cooling off after a "not interested" reply, nor when any lead of the company already
 * has a sequence that is draft, approved, active or paused, or a pending trigger.
 *
 * Idempotent: the trigger's key is the signal, inserted with ON CONFLICT DO NOTHING, so the same
 * signal never starts two sequences however often (or concurrently) the selection runs.
 *
 * Consumed by the drafting step (trigger-draft.ts): `claimTrigger` hands a lead its pending
 * trigger (or the one this run already claimed), `settleTrigger` records `drafted` or `skipped`.
 */
import type { Sql } from '../ports.ts';

export interface TriggerRules {
  /** The company intent score (0-100) for the ICP at or above which a signal may start outreach. */
  minIntent: number;
  /** Only signals observed within this many days count as fresh. */
  freshDays: number;
}

// By INTENT_RULES one fresh opening for a relevant VP scores about 45-50, a relevant manager's
// under 40: 40 asks for at least one strong, fresh, relevant signal (or several weaker ones).
export const DEFAULT_TRIGGER: Readonly<TriggerRules> = { minIntent: 40, freshDays: 14 };

export interface OutreachTrigger {
  signalId: string;
  companyId: string;
  leadId: string;
  icpId: string;
  intentScore: number;
}

// `:freshDays::int`: make_interval takes its days as integer, and the Data API binds a number as
// bigint (longValue), which PostgreSQL does not cast to integer on its own.
const SELECT_SQL = `
WITH hot AS (
  SELECT ci.company_id, ci.icp_id, ci.score
    FROM company_intent ci JOIN lead_company c ON c.id = ci.company_id
   WHERE ci.workspace_id = :ws::uuid AND ci.score >= :minIntent
     AND (:companyId::uuid IS NULL OR ci.company_id = :companyId::uuid)
     AND (c.cooling_off_until IS NULL OR c.cooling_off_until <= (:now::timestamptz AT TIME ZONE 'UTC')::date)
     AND NOT EXISTS (SELECT 1 FROM sequence q JOIN lead ql ON ql.id = q.lead_id
                      WHERE ql.company_id = ci.company_id AND q.status IN ('draft', 'approved', 'active', 'paused'))
     AND NOT EXISTS (SELECT 1 FROM outreach_trigger t WHERE t.company_id = ci.company_id AND t.status = 'pending')
),
fresh AS (
  SELECT DISTINCT ON (h.company_id) h.company_id, h.icp_id, h.score, sg.id AS signal_id
    FROM hot h JOIN company_signal sg ON sg.company_id = h.company_id
   WHERE sg.after_quote IS NOT NULL
     AND sg.observed_at > :now::timestamptz - make_interval(days => :freshDays::int)
     AND sg.observed_at <= :now::timestamptz
     AND NOT EXISTS (SELECT 1 FROM outreach_trigger t WHERE t.signal_id = sg.id)
   ORDER BY h.company_id, h.score DESC, sg.observed_at DESC, sg.id
),
picked AS (
  SELECT f.*, (
      SELECT l.id FROM lead l
       WHERE l.company_id = f.company_id AND l.workspace_id = :ws::uuid AND l.email_invalid_at IS NULL
         AND (:leadId::uuid IS NULL OR l.id = :leadId::uuid)
         AND (l.icp_id IS NULL OR l.icp_id = f.icp_id)
         AND NOT EXISTS (SELECT 1 FROM suppression sp WHERE sp.workspace_id = :ws::uuid
               AND ((sp.kind = 'email' AND sp.value = l.email)
                 OR (sp.kind = 'domain' AND (split_part(l.email, '@', 2) = sp.value OR split_part(l.email, '@', 2) LIKE '%.' || sp.value))))
       ORDER BY l.id LIMIT 1) AS lead_id
    FROM fresh f
)
INSERT INTO outreach_trigger (signal_id, workspace_id, company_id, lead_id, icp_id, intent_score, created_at)
SELECT p.signal_id, :ws::uuid, p.company_id, p.lead_id, p.icp_id, p.score, :now::timestamptz
  FROM picked p WHERE p.lead_id IS NOT NULL
ON CONFLICT (signal_id) DO NOTHING
RETURNING signal_id, company_id, lead_id, icp_id, intent_score`;

/**
 * Records the triggers a fresh strong signal starts now; returns only the new ones. `scope`
 * narrows the selection to one company and, optionally, hands the trigger only to that lead:
 * the drafting step of a lead asks for its own lead, so concurrent steps never draft for each
 * other's leads.
 */
export async function selectOutreachTriggers(
  sql: Sql,
  options: { workspaceId: string; now: Date; rules?: Partial<TriggerRules>; scope?: { companyId: string; leadId?: string } },
): Promise<OutreachTrigger[]> {
  const rules = { ...DEFAULT_TRIGGER, ...options.rules };
  if (!Number.isInteger(rules.minIntent) || rules.minIntent < 0 || rules.minIntent > 100) throw new RangeError(`minIntent must be an integer 0-100, got ${rules.minIntent}`);
  if (!Number.isInteger(rules.freshDays) || rules.freshDays < 1) throw new RangeError(`freshDays must be a positive integer, got ${rules.freshDays}`);
  const res = await sql.query<{ signal_id: string; company_id: string; lead_id: string; icp_id: string; intent_score: number }>(SELECT_SQL, {
    ws: options.workspaceId,
    now: options.now,
    minIntent: rules.minIntent,
    freshDays: rules.freshDays,
    companyId: options.scope?.companyId ?? null,
    leadId: options.scope?.leadId ?? null,
  });
  return res.rows
    .map((r) => ({ signalId: r.signal_id, companyId: r.company_id, leadId: r.lead_id, icpId: r.icp_id, intentScore: Number(r.intent_score) }))
    .sort((a, b) => a.companyId.localeCompare(b.companyId));
}

/** A trigger's lifecycle: picked (`pending`), then `drafted` with a sequence or `skipped` with the reason. */
export type TriggerStatus = 'pending' | 'drafted' | 'skipped';

export interface ClaimedTrigger extends OutreachTrigger {
  status: TriggerStatus;
  sequenceId: string | null;
  reason: string | null;
}

/**
 * The trigger a lead's drafting step works on in a run: one this run claimed already (a repeated
 * step finds it, settled or not), else the lead's pending one, claimed now for the run; null
 * when there is none.
 */
export async function claimTrigger(sql: Sql, input: { runId: string; leadId: string }): Promise<ClaimedTrigger | null> {
  const res = await sql.query<{ signal_id: string; company_id: string; lead_id: string; icp_id: string; intent_score: number; status: TriggerStatus; sequence_id: string | null; reason: string | null }>(
    `UPDATE outreach_trigger SET run_id = :runId::uuid
      WHERE signal_id = (SELECT signal_id FROM outreach_trigger
                          WHERE lead_id = :leadId::uuid AND (run_id = :runId::uuid OR status = 'pending')
                          ORDER BY (run_id = :runId::uuid) DESC NULLS LAST, created_at DESC LIMIT 1)
      RETURNING signal_id, company_id, lead_id, icp_id, intent_score, status, sequence_id, reason`,
    { runId: input.runId, leadId: input.leadId },
  );
  const r = res.rows[0];
  if (!r) return null;
  return {
    signalId: r.signal_id, companyId: r.company_id, leadId: r.lead_id, icpId: r.icp_id, intentScore: Number(r.intent_score),
    status: r.status, sequenceId: r.sequence_id, reason: r.reason,
  };
}

/** Records what drafting did with a trigger; a settled trigger keeps its first outcome. */
export async function settleTrigger(
  sql: Sql,
  input: { signalId: string; status: Exclude<TriggerStatus, 'pending'>; sequenceId?: string | null; reason?: string | null; at: Date },
): Promise<void> {
  if (input.status === 'skipped' && !input.reason) throw new RangeError('a skipped trigger needs its reason');
  await sql.query(
    `UPDATE outreach_trigger SET status = :status, sequence_id = :sequenceId::uuid, reason = :reason, settled_at = :at::timestamptz
      WHERE signal_id = :signalId::uuid AND status = 'pending'`,
    { signalId: input.signalId, status: input.status, sequenceId: input.sequenceId ?? null, reason: input.reason ? input.reason.slice(0, 1000) : null, at: input.at.toISOString() },
  );
}
