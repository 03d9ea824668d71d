/**
 * The write side of drafting: a drafted sequence goes to the database in one transaction —
 * sequence (tone snapshotted), steps, the messages of both first-touch variants with the
 * checker's verdict, citations (sentence → fact id of this research), risk flags, the
 * experiment and the lead's variant — keyed by an idempotency key, so a repeated step or an
 * unchanged re-run writes nothing new. The database's own triggers and keys hold the rest (a
 * citation can only name a verified fact of the same research; one open sequence per lead).
 *
 * Autopilot: when the ICP has it on and no message carries any finding, the same transaction
 * records an autopilot approval and approves the sequence; anything flagged waits for a rep.
 *
 * Reading, approving and editing drafts is lambdas/core/outreach/repository.ts.
 */
import { insertLlmCalls } from '../pipeline/llm-call-repo.ts';
import type { Sql } from '../ports.ts';
import { queueApprovedSequence } from '../sending/queue-approved.ts';
import type { LlmCallRecord } from '../research/contract.ts';
import { clip } from '../pipeline/util.ts';
import type { DraftSequence, Variant } from './templates.ts';

/** The experiment every sequence of an ICP belongs to: which first-touch angle gets replies. */
export const FIRST_TOUCH_ANGLES: Record<Variant, string> = { a: 'problem', b: 'proof' };

/** The experiment's name for an ICP (`experiment.name` allows 63 characters). */
export function experimentName(icpSlug: string): string {
  return `${icpSlug.slice(0, 50).replace(/-+$/, '')}-first-touch`;
}

export interface SequenceToWrite {
  runId: string;
  workspaceId: string;
  leadId: string;
  researchId: string;
  icpId: string;
  icpSlug: string;
  idempotencyKey: string;
  sequence: DraftSequence;
  /** who wrote the words; `model` for an LLM draft */
  source: 'llm' | 'template';
  model?: string | null;
  promptVersion: string;
  /** local fact id (`f1`) → fact uuid, for the research's facts */
  factIds: ReadonlyMap<string, string>;
  /** the lead's first-touch variant, if it has none yet in the experiment */
  variant: Variant;
  /** the ICP's autopilot: approve when no message carries a finding */
  autopilot: boolean;
  /** the moment an autopilot approval queues the first email from (default now) */
  now?: Date;
  /** said beside the outcome in the run summary (e.g. why templates wrote it) */
  note?: string;
  /** the LLM calls that drafted it, recorded on the run in the same transaction */
  llmCalls?: LlmCallRecord[];
}

export interface WrittenSequence {
  sequenceId: string;
  /** false: the key was already drafted (nothing was written) */
  inserted: boolean;
  status: 'draft' | 'approved';
  /** the variant the lead is assigned (an earlier assignment stands) */
  variant: Variant;
  messages: number;
  citations: number;
  flags: number;
}

/** Writes a drafted sequence, or finds the one already written under its key. */
export async function writeSequence(sql: Sql, newId: () => string, w: SequenceToWrite): Promise<WrittenSequence> {
  return sql.transaction(async (tx) => {
    await recordLlmCalls(tx, w.runId, w.leadId, w.llmCalls ?? []);
    const experiment = await tx.query<{ id: string }>(
      `INSERT INTO experiment (id, workspace_id, icp_id, name) VALUES (:id::uuid, :ws::uuid, :icp::uuid, :name)
       ON CONFLICT (workspace_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      { id: newId(), ws: w.workspaceId, icp: w.icpId, name: experimentName(w.icpSlug) },
    );
    const experimentId = experiment.rows[0].id;
    await tx.query(
      `INSERT INTO experiment_variant (experiment_id, variant, angle) VALUES (:e::uuid, 'a', :a), (:e::uuid, 'b', :b) ON CONFLICT DO NOTHING`,
      { e: experimentId, a: FIRST_TOUCH_ANGLES.a, b: FIRST_TOUCH_ANGLES.b },
    );
    // Decided once per lead and experiment: an earlier assignment stands.
    await tx.query(
      `INSERT INTO variant_assignment (experiment_id, lead_id, variant, run_id) VALUES (:e::uuid, :lead::uuid, :variant, :run::uuid)
       ON CONFLICT (experiment_id, lead_id) DO NOTHING`,
      { e: experimentId, lead: w.leadId, variant: w.variant, run: w.runId },
    );
    const assigned = await tx.query<{ variant: Variant }>(
      `SELECT variant FROM variant_assignment WHERE experiment_id = :e::uuid AND lead_id = :lead::uuid`,
      { e: experimentId, lead: w.leadId },
    );
    const variant = assigned.rows[0].variant;

    const s = w.sequence;
    const sequenceId = newId();
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO sequence (id, workspace_id, lead_id, research_id, run_id, icp_id, persona_id, persona_name, rep_id, rep_email,
                             tone, source, personalised, experiment_id, status, idempotency_key)
       VALUES (:id::uuid, :ws::uuid, :lead::uuid, :research::uuid, :run::uuid, :icp::uuid,
               (SELECT id FROM persona WHERE icp_id = :icp::uuid AND name = :persona), :persona,
               (SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :rep), :rep,
               :tone::jsonb, :source, :personalised, :experiment::uuid, 'draft', :key)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id`,
      {
        id: sequenceId, ws: w.workspaceId, lead: w.leadId, research: w.researchId, run: w.runId, icp: w.icpId,
        persona: s.personaName, rep: s.repEmail.toLowerCase(), tone: { ...s.tone }, source: w.source, personalised: s.personalised,
        experiment: experimentId, key: w.idempotencyKey,
      },
    );
    if (inserted.rows.length === 0) {
      const existing = await tx.query<{ id: string; status: string; messages: number; citations: number; flags: number }>(
        `SELECT s.id, s.status,
                (SELECT count(*) FROM message m WHERE m.sequence_id = s.id)::int AS messages,
                (SELECT count(*) FROM citation c JOIN message m ON m.id = c.message_id WHERE m.sequence_id = s.id)::int AS citations,
                (SELECT count(*) FROM risk_flag f JOIN message m ON m.id = f.message_id WHERE m.sequence_id = s.id)::int AS flags
           FROM sequence s WHERE s.idempotency_key = :key`,
        { key: w.idempotencyKey },
      );
      const e = existing.rows[0];
      await recordDraftOutcome(tx, { runId: w.runId, leadId: w.leadId, outcome: 'drafted', sequenceId: e.id, source: w.source, reason: 'already drafted: the same research, onboarding and drafting method' });
      return { sequenceId: e.id, inserted: false, status: e.status === 'draft' ? 'draft' : 'approved', variant, messages: e.messages, citations: e.citations, flags: e.flags };
    }

    // The rows first, then one statement a table (a Data API call each, however many rows):
    // steps, messages, citations, risk flags, in that order for their keys.
    const steps: { ord: number; id: string; position: number; kind: string; day_offset: number }[] = [];
    const messageRows: { ord: number; id: string; step_id: string; variant: string | null; angle: string; subject: string | null; body: string; grounding: string; checker_version: string }[] = [];
    const citationRows: { ord: number; message_id: string; sentence_index: number; sentence: string; fact_id: string }[] = [];
    const flagRows: { ord: number; id: string; message_id: string; rule: string; severity: string; detail: string; excerpt: string | null; sentence_index: number | null }[] = [];
    let clean = true;
    for (const step of s.steps) {
      const stepId = newId();
      steps.push({ ord: steps.length, id: stepId, position: step.position, kind: step.kind, day_offset: step.dayOffset });
      for (const m of step.messages) {
        const messageId = newId();
        messageRows.push({
          ord: messageRows.length, id: messageId, step_id: stepId, variant: m.variant ?? null, angle: m.angle,
          subject: m.check.subject ?? null, body: m.check.body, grounding: m.check.verdict, checker_version: m.check.checkerVersion,
        });
        for (const sentence of m.check.sentences) {
          for (const localId of new Set(sentence.validFactIds)) {
            const factId = w.factIds.get(localId) ?? (isUuid(localId) ? localId : undefined);
            if (factId) citationRows.push({ ord: citationRows.length, message_id: messageId, sentence_index: sentence.index, sentence: sentence.text, fact_id: factId });
          }
        }
        for (const f of m.check.findings) {
          flagRows.push({ ord: flagRows.length, id: newId(), message_id: messageId, rule: f.rule, severity: f.severity, detail: f.detail, excerpt: f.excerpt || null, sentence_index: f.sentenceIndex ?? null });
        }
        if (m.check.verdict !== 'grounded' || m.check.findings.length > 0) clean = false;
      }
    }
    if (steps.length > 0) {
      await tx.query(
        `INSERT INTO sequence_step (id, sequence_id, position, kind, day_offset)
         SELECT x.id, :seq::uuid, x.position, x.kind, x.day_offset
           FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, id uuid, position int, kind text, day_offset int)
          ORDER BY x.ord`,
        { seq: sequenceId, rows: steps },
      );
    }
    if (messageRows.length > 0) {
      await tx.query(
        `INSERT INTO message (id, sequence_id, step_id, research_id, variant, angle, subject, body, source, model, prompt_version,
                              grounding, checker_version, checked_at)
         SELECT x.id, :seq::uuid, x.step_id, :research::uuid, x.variant, x.angle, x.subject, x.body, :source, :model, :version,
                x.grounding, x.checker_version, now()
           FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, id uuid, step_id uuid, variant text, angle text, subject text, body text,
                grounding text, checker_version text)
          ORDER BY x.ord`,
        { seq: sequenceId, research: w.researchId, source: w.source, model: w.model ?? null, version: w.promptVersion, rows: messageRows },
      );
    }
    if (citationRows.length > 0) {
      await tx.query(
        `INSERT INTO citation (message_id, research_id, sentence_index, sentence, fact_id)
         SELECT x.message_id, :research::uuid, x.sentence_index, x.sentence, x.fact_id
           FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, message_id uuid, sentence_index int, sentence text, fact_id uuid)
          ORDER BY x.ord
         ON CONFLICT DO NOTHING`,
        { research: w.researchId, rows: citationRows },
      );
    }
    if (flagRows.length > 0) {
      await tx.query(
        `INSERT INTO risk_flag (id, message_id, rule, severity, detail, excerpt, sentence_index)
         SELECT x.id, x.message_id, x.rule, x.severity, x.detail, x.excerpt, x.sentence_index
           FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, id uuid, message_id uuid, rule text, severity text, detail text, excerpt text, sentence_index int)
          ORDER BY x.ord`,
        { rows: flagRows },
      );
    }
    const messages = messageRows.length;
    const citations = citationRows.length;
    const flags = flagRows.length;

    let status: WrittenSequence['status'] = 'draft';
    if (w.autopilot && clean) {
      await tx.query(
        `INSERT INTO approval (id, sequence_id, decision, autopilot, reason) VALUES (:id::uuid, :seq::uuid, 'approved', true, :reason)`,
        { id: newId(), seq: sequenceId, reason: 'autopilot: no message carries a flag' },
      );
      await tx.query(`UPDATE sequence SET status = 'approved' WHERE id = :seq::uuid`, { seq: sequenceId });
      // an autopilot approval queues the first email like a rep's, in the same transaction
      await queueApprovedSequence(tx, sequenceId, w.now ?? new Date());
      status = 'approved';
    }
    await recordDraftOutcome(tx, { runId: w.runId, leadId: w.leadId, outcome: 'drafted', sequenceId, source: w.source, reason: w.note ?? null });
    return { sequenceId, inserted: true, status, variant, messages, citations, flags };
  });
}

/**
 * Records drafting's LLM calls on the run (no research: `pass` says drafting), so the run's
 * summary and token/dollar budgets count them. Keyed by call id: a repeated step adds nothing.
 */
export async function recordLlmCalls(sql: Sql, runId: string, leadId: string, calls: readonly LlmCallRecord[]): Promise<void> {
  await insertLlmCalls(sql, { runId, leadId, researchId: null }, calls);
}

const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

export type DraftOutcomeRow =
  | { runId: string; leadId: string; outcome: 'drafted'; sequenceId: string; source: 'llm' | 'template'; reason?: string | null }
  | { runId: string; leadId: string; outcome: 'not_drafted'; reason: string }
  | { runId: string; leadId: string; outcome: 'failed'; errorName: string; reason: string };

/** Why drafting passes over a lead of no ICP: a leads file's run names none unless told. */
export const NO_ICP_REASON = 'the lead has no ICP, so no fit threshold or tone to draft with (a leads file\'s leads belong to the ICP its run names: prospector run --leads FILE --icp SLUG)';

/** Why drafting passed over a lead whose fit is below its ICP's threshold. */
export const fitBelowThreshold = (fit: number, threshold: number): string => `fit ${fit} is below the ICP's threshold of ${threshold}`;

/**
 * Why a researched lead of a run has no sequence from it, in SQL: its `lead_draft` row's reason
 * (aliased `d`, LEFT JOINed), or, when the state machine never sent the lead to drafting, the
 * reason read from its research (`r`) and its ICP (`i`), worded as `fitBelowThreshold` words it.
 */
export const NOT_DRAFTED_REASON_SQL = `COALESCE(d.reason,
              CASE WHEN r.fit_score IS NULL THEN 'no fit score'
                   WHEN i.fit_threshold IS NULL THEN '${NO_ICP_REASON.replace(/'/g, "''")}'
                   WHEN r.fit_score < i.fit_threshold THEN 'fit ' || r.fit_score || ' is below the ICP''s threshold of ' || i.fit_threshold
                   ELSE 'not drafted (the run ended before drafting)' END)`;

/** Records what drafting did for a lead of a run (the last attempt's outcome stands). */
export async function recordDraftOutcome(sql: Sql, o: DraftOutcomeRow): Promise<void> {
  await sql.query(
    `INSERT INTO lead_draft (run_id, lead_id, outcome, reason, sequence_id, source, error_name)
     VALUES (:run::uuid, :lead::uuid, :outcome, :reason, :seq::uuid, :source, :error)
     ON CONFLICT (run_id, lead_id) DO UPDATE SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, sequence_id = EXCLUDED.sequence_id,
       source = EXCLUDED.source, error_name = EXCLUDED.error_name, updated_at = now()`,
    {
      run: o.runId,
      lead: o.leadId,
      outcome: o.outcome,
      reason: o.reason ? clip(o.reason, 1000) : null,
      seq: o.outcome === 'drafted' ? o.sequenceId : null,
      source: o.outcome === 'drafted' ? o.source : null,
      error: o.outcome === 'failed' ? clip(o.errorName, 200) : null,
    },
  );
}
