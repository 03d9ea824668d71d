/**
 * The sequence and message aggregates: their statuses, the transitions between them, and every
 * read and write the review queue makes (list, show, approve, reject, edit).
 *
 * The database holds the same rules (sql/0003_outreach.sql, sql/0007_review.sql): a trigger
 * refuses an illegal transition or an approval over a blocked message whatever code path tries.
 * This module checks first so a rep gets an error that names the sequence, the message, the flag
 * and what to do, instead of a constraint name; the trigger stays the guarantee.
 *
 * Which messages count: the first touch is drafted in both variants of the experiment, but a lead
 * receives only the variant `variant_assignment` gives it. Approval, the verdict shown for a
 * sequence and the `flag` filter look at the messages that can be sent (steps without a variant,
 * and the assigned variant); a lead with no assignment yet is judged on all of them.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, ProspectorError } from '../errors.ts';
import type { Sql } from '../ports.ts';
import {
  checkGrounding,
  GROUNDING_RULES,
  sellerEvidence,
  splitSentences,
  citedSentences,
  type Channel,
  type EvidenceFact,
  type GroundingFinding,
  type GroundingReport,
  type GroundingRule,
  type SellerEvidence,
} from './grounding.ts';
import { queueApprovedSequence } from '../sending/queue-approved.ts';
import { repIsUserSql } from './assign-rep.ts';
import { ApprovalRefusedError, EditRefusedError, IllegalTransitionError } from './errors.ts';
import { TEMPLATE_LABEL } from './templates.ts';

// ---------------------------------------------------------------------------------------------
// Lifecycles

export const SEQUENCE_STATUSES = ['draft', 'approved', 'rejected', 'active', 'paused', 'completed', 'stopped'] as const;
export type SequenceStatus = (typeof SEQUENCE_STATUSES)[number];

/** Where each status may go next; the `sequence_guard` trigger allows exactly these. */
export const SEQUENCE_TRANSITIONS: Readonly<Record<SequenceStatus, readonly SequenceStatus[]>> = {
  draft: ['approved', 'rejected'],
  approved: ['active', 'stopped'],
  rejected: [],
  active: ['paused', 'completed', 'stopped'],
  paused: ['active', 'stopped'],
  completed: [],
  stopped: [],
};

export const MESSAGE_GROUNDINGS = ['unchecked', 'grounded', 'flagged', 'blocked'] as const;
export type MessageGrounding = (typeof MESSAGE_GROUNDINGS)[number];

/**
 * Where a message's verdict may go: an edit sends any verdict back to `unchecked` (or straight
 * to the checker's new verdict), and only the checker leaves `unchecked`.
 */
export const GROUNDING_TRANSITIONS: Readonly<Record<MessageGrounding, readonly MessageGrounding[]>> = {
  unchecked: ['grounded', 'flagged', 'blocked'],
  grounded: ['unchecked', 'grounded', 'flagged', 'blocked'],
  flagged: ['unchecked', 'grounded', 'flagged', 'blocked'],
  blocked: ['unchecked', 'grounded', 'flagged', 'blocked'],
};

export type StepKind = 'email' | 'follow_up_email' | 'linkedin_connection_note' | 'linkedin_message' | 'call_task';

/** True when a sequence may move from `from` to `to`. */
export function canTransition(from: SequenceStatus, to: SequenceStatus): boolean {
  return SEQUENCE_TRANSITIONS[from].includes(to);
}

/** Throws `IllegalTransition` naming the sequence unless `from → to` is allowed. */
export function assertTransition(sequenceId: string, from: SequenceStatus, to: SequenceStatus): void {
  if (canTransition(from, to)) return;
  const next = SEQUENCE_TRANSITIONS[from];
  throw new IllegalTransitionError(
    sequenceId,
    from,
    to,
    from === to ? `it is already ${to}` : next.length ? `a ${from} sequence can only become ${next.join(' or ')}` : `${from} is final`,
  );
}

/**
 * Moves a sequence from `from` to `to`, only if it is still `from`; throws `IllegalTransition`
 * (with the status it really has) when the move is not allowed or the row changed meanwhile.
 */
export async function advanceSequence(sql: Sql, sequenceId: string, from: SequenceStatus, to: SequenceStatus, reason: string | null = null): Promise<void> {
  assertTransition(sequenceId, from, to);
  const r = await sql.query(
    `UPDATE sequence SET status = :to, status_reason = :reason WHERE id = :id::uuid AND status = :from RETURNING id`,
    { id: sequenceId, from, to, reason },
  );
  if (r.rowCount > 0) return;
  const now = await sql.query<{ status: SequenceStatus }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: sequenceId });
  if (!now.rows[0]) throw new NotFoundError(`sequence ${sequenceId} does not exist`);
  assertTransition(sequenceId, now.rows[0].status, to);
  throw new IllegalTransitionError(sequenceId, now.rows[0].status, to, `it was ${now.rows[0].status}, not ${from}`);
}

/** The worst verdict among messages (what a sequence's row shows). */
export function worstGrounding(verdicts: MessageGrounding[]): MessageGrounding | null {
  if (verdicts.length === 0) return null;
  for (const v of ['blocked', 'unchecked', 'flagged'] as const) if (verdicts.includes(v)) return v;
  return 'grounded';
}

// ---------------------------------------------------------------------------------------------
// Views

export interface CitedFact {
  id: string;
  localId: string;
  claim: string;
  quote: string;
  sourceUrl: string;
}

export interface CitationView {
  sentenceIndex: number;
  sentence: string;
  facts: CitedFact[];
}

export interface FlagView {
  rule: GroundingRule;
  severity: 'block' | 'warn';
  detail: string;
  excerpt: string | null;
  sentenceIndex: number | null;
}

export interface MessageView {
  id: string;
  variant: 'a' | 'b' | null;
  /** false for the variant of the first touch the lead was not assigned: it is never sent */
  sendable: boolean;
  angle: string;
  subject: string | null;
  body: string;
  grounding: MessageGrounding;
  checkerVersion: string | null;
  source: 'llm' | 'template';
  model: string | null;
  promptVersion: string;
  /** how many times a person changed the words */
  edits: number;
  citations: CitationView[];
  flags: FlagView[];
}

export interface StepView {
  id: string;
  position: number;
  kind: StepKind;
  dayOffset: number;
  messages: MessageView[];
}

export interface DecisionView {
  decision: 'approved' | 'rejected';
  by: string | null;
  autopilot: boolean;
  reason: string | null;
  flagsOverridden: number;
  decidedAt: string;
}

export interface SequenceView {
  id: string;
  status: SequenceStatus;
  statusReason: string | null;
  workspace: string;
  runId: string | null;
  icp: string | null;
  lead: { id: string; email: string; name: string; title: string | null; company: string; domain: string };
  researchId: string;
  fitScore: number | null;
  persona: string;
  repEmail: string;
  /** false: its rep was removed from the workspace's users (a draft of theirs is refused approval) */
  repIsUser: boolean;
  /** the rep it was handed over from, and when (lambdas/core/outreach/hand-over.ts); null: drafted for its rep */
  handedOver: { from: string; at: string; by: string | null } | null;
  source: 'llm' | 'template';
  /** set when the words come from the offline templates (shown wherever the draft is) */
  templateLabel: string | null;
  personalised: boolean;
  experiment: { id: string; name: string } | null;
  assignedVariant: 'a' | 'b' | null;
  /** the worst verdict of the messages that can be sent */
  grounding: MessageGrounding | null;
  /** risk flags on the messages that can be sent, by rule */
  flagCounts: Partial<Record<GroundingRule, number>>;
  createdAt: string;
  approvedAt: string | null;
  decisions: DecisionView[];
  steps: StepView[];
}

// ---------------------------------------------------------------------------------------------
// Resolving ids

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIX = /^[0-9a-f][0-9a-f-]{5,35}$/i;

/** A sequence or message id, whole or as an unambiguous prefix of at least 6 characters. */
export interface IdMatch {
  kind: 'sequence' | 'message';
  id: string;
  sequenceId: string;
}

/**
 * Every sequence and message whose id starts with `text` (in the workspace, when given): an id
 * printed by `drafts list` or `drafts show` can be pasted as it is.
 */
export async function findIds(sql: Sql, text: string, workspaceId: string | null = null): Promise<IdMatch[]> {
  const wanted = text.trim().toLowerCase();
  if (!UUID.test(wanted) && !PREFIX.test(wanted)) {
    throw new ProspectorError(`"${text}" is not a sequence or message id: give the id (or its first 6+ characters) shown by \`prospector drafts list\``);
  }
  const r = await sql.query<{ kind: 'sequence' | 'message'; id: string; sequence_id: string }>(
    `SELECT 'sequence' AS kind, s.id, s.id AS sequence_id FROM sequence s
      WHERE s.id::text LIKE :prefix AND (:ws::uuid IS NULL OR s.workspace_id = :ws::uuid)
     UNION ALL
     SELECT 'message' AS kind, m.id, m.sequence_id FROM message m JOIN sequence s ON s.id = m.sequence_id
      WHERE m.id::text LIKE :prefix AND (:ws::uuid IS NULL OR s.workspace_id = :ws::uuid)
     ORDER BY 1, 2 LIMIT 6`,
    { prefix: `${wanted}%`, ws: workspaceId },
  );
  return r.rows.map((x) => ({ kind: x.kind, id: x.id, sequenceId: x.sequence_id }));
}

function ambiguous(text: string, hits: IdMatch[]): ProspectorError {
  return new ProspectorError(`${text} matches several ids (${hits.map((h) => `${h.kind} ${h.id}`).join(', ')}): give more of the id`);
}

/** The sequence named by `text` (its id or prefix, or one of its messages' ids). */
export async function resolveSequenceId(sql: Sql, text: string, workspaceId: string | null = null): Promise<string> {
  const hits = await findIds(sql, text, workspaceId);
  const sequences = [...new Set(hits.map((h) => h.sequenceId))];
  if (sequences.length === 1) return sequences[0];
  if (hits.length === 0) throw new NotFoundError(`no sequence or message id starts with ${text.trim()}${workspaceId ? ' in this workspace' : ''}: list drafts with \`prospector drafts list\``);
  throw ambiguous(text.trim(), hits);
}

/** A message or a sequence named by `text`. */
export async function resolveId(sql: Sql, text: string, workspaceId: string | null = null): Promise<IdMatch> {
  const hits = await findIds(sql, text, workspaceId);
  if (hits.length === 1) return hits[0];
  if (hits.length === 0) throw new NotFoundError(`no sequence or message id starts with ${text.trim()}${workspaceId ? ' in this workspace' : ''}: list drafts with \`prospector drafts list\``);
  throw ambiguous(text.trim(), hits);
}

// ---------------------------------------------------------------------------------------------
// Listing and loading

/** The flag filter: a checker rule, `any` flag, or `none`. */
export type FlagFilter = GroundingRule | 'any' | 'none';

export interface SequenceFilter {
  workspaceId?: string | null;
  runId?: string | null;
  icpSlug?: string | null;
  status?: SequenceStatus | null;
  flag?: FlagFilter | null;
  /** only the sequences this rep sends (their email) */
  repEmail?: string | null;
}

/** The messages that can be sent: no variant, the assigned one, or all when none is assigned. */
const SENDABLE = `(m.variant IS NULL OR va.variant IS NULL OR m.variant = va.variant)`;

/** Ids of the sequences matching `filter`, newest first. */
export async function listSequenceIds(sql: Sql, filter: SequenceFilter = {}): Promise<string[]> {
  const flag = filter.flag ?? null;
  if (flag && flag !== 'any' && flag !== 'none' && !GROUNDING_RULES.includes(flag)) {
    throw new ProspectorError(`flag "${flag}" is not a checker rule: use any, none or one of ${GROUNDING_RULES.join(', ')}`);
  }
  const r = await sql.query<{ id: string }>(
    `SELECT s.id FROM sequence s LEFT JOIN icp i ON i.id = s.icp_id
      WHERE (:ws::uuid IS NULL OR s.workspace_id = :ws::uuid)
        AND (:run::uuid IS NULL OR s.run_id = :run::uuid)
        AND (:icp::text IS NULL OR i.slug = :icp::text)
        AND (:status::text IS NULL OR s.status = :status::text)
        AND (:rep::text IS NULL OR s.rep_email = :rep::text)
        AND (:flagMode::text IS NULL OR (:flagMode::text <> 'none') = EXISTS (
              SELECT 1 FROM message m
                JOIN risk_flag f ON f.message_id = m.id
                LEFT JOIN variant_assignment va ON va.experiment_id = s.experiment_id AND va.lead_id = s.lead_id
               WHERE m.sequence_id = s.id AND ${SENDABLE} AND (:flagRule::text IS NULL OR f.rule = :flagRule::text)))
      ORDER BY s.created_at DESC, s.id`,
    {
      ws: filter.workspaceId ?? null,
      run: filter.runId ?? null,
      icp: filter.icpSlug ?? null,
      status: filter.status ?? null,
      rep: filter.repEmail?.trim().toLowerCase() || null,
      flagMode: flag,
      flagRule: flag && flag !== 'any' && flag !== 'none' ? flag : null,
    },
  );
  return r.rows.map((x) => x.id);
}

/** Whole views of the given sequences, in the order given. */
export async function loadSequences(sql: Sql, ids: string[]): Promise<SequenceView[]> {
  if (ids.length === 0) return [];
  const params = { ids };
  const IN = `IN (SELECT jsonb_array_elements_text(:ids::jsonb)::uuid)`;
  // One statement at a time: inside a transaction (PGlite, the Data API) statements queue anyway.
  const seqs = await sql.query<{
      id: string; status: SequenceStatus; status_reason: string | null; workspace: string; run_id: string | null; icp: string | null;
      lead_id: string; email: string; name: string; title: string | null; company: string; domain: string; research_id: string;
      fit_score: number | null; persona_name: string; rep_email: string; rep_is_user: boolean; handed_over_from: string | null; handed_over_at: string | null; handed_over_by: string | null;
      source: 'llm' | 'template'; personalised: boolean; experiment_id: string | null; experiment_name: string | null; assigned: 'a' | 'b' | null; created_at: string; approved_at: string | null;
    }>(
      `SELECT s.id, s.status, s.status_reason, w.slug AS workspace, s.run_id, i.slug AS icp, l.id AS lead_id, l.email, l.name, l.title,
              c.name AS company, c.domain, s.research_id, r.fit_score, s.persona_name, s.rep_email, s.handed_over_from, s.handed_over_at, s.handed_over_by,
              ${repIsUserSql('s')} AS rep_is_user,
              s.source, s.personalised, s.experiment_id, e.name AS experiment_name, va.variant AS assigned, s.created_at, s.approved_at
         FROM sequence s
         JOIN workspace w ON w.id = s.workspace_id
         JOIN lead l ON l.id = s.lead_id
         JOIN lead_company c ON c.id = l.company_id
         JOIN research r ON r.id = s.research_id
         LEFT JOIN icp i ON i.id = s.icp_id
         LEFT JOIN experiment e ON e.id = s.experiment_id
         LEFT JOIN variant_assignment va ON va.experiment_id = s.experiment_id AND va.lead_id = s.lead_id
        WHERE s.id ${IN}`,
      params,
    );
  const steps = await sql.query<{ id: string; sequence_id: string; position: number; kind: StepKind; day_offset: number }>(
      `SELECT id, sequence_id, position, kind, day_offset FROM sequence_step WHERE sequence_id ${IN} ORDER BY position`,
      params,
    );
  const messages = await sql.query<{
      id: string; step_id: string; variant: 'a' | 'b' | null; angle: string; subject: string | null; body: string; grounding: MessageGrounding;
      checker_version: string | null; source: 'llm' | 'template'; model: string | null; prompt_version: string; edits: number;
    }>(
      `SELECT m.id, m.step_id, m.variant, m.angle, m.subject, m.body, m.grounding, m.checker_version, m.source, m.model, m.prompt_version,
              (SELECT count(*)::int FROM message_edit me WHERE me.message_id = m.id AND me.kind = 'edit') AS edits
         FROM message m WHERE m.sequence_id ${IN} ORDER BY m.variant NULLS FIRST, m.id`,
      params,
    );
  const citations = await sql.query<{ message_id: string; sentence_index: number; sentence: string; fact_id: string; local_id: string; claim: string; quote: string; source_url: string }>(
      `SELECT ct.message_id, ct.sentence_index, ct.sentence, ct.fact_id, f.local_id, f.claim, f.quote, f.source_url
         FROM citation ct JOIN message m ON m.id = ct.message_id JOIN fact f ON f.id = ct.fact_id
        WHERE m.sequence_id ${IN} ORDER BY ct.sentence_index, f.local_id`,
      params,
    );
  const flags = await sql.query<{ message_id: string; rule: GroundingRule; severity: 'block' | 'warn'; detail: string; excerpt: string | null; sentence_index: number | null }>(
      `SELECT rf.message_id, rf.rule, rf.severity, rf.detail, rf.excerpt, rf.sentence_index
         FROM risk_flag rf JOIN message m ON m.id = rf.message_id
        WHERE m.sequence_id ${IN} ORDER BY rf.severity, rf.sentence_index NULLS LAST, rf.rule`,
      params,
    );
  const decisions = await sql.query<{ sequence_id: string; decision: 'approved' | 'rejected'; by: string | null; autopilot: boolean; reason: string | null; flags_overridden: number; decided_at: string }>(
      `SELECT sequence_id, decision, decided_by_email AS by, autopilot, reason, flags_overridden, decided_at
         FROM approval WHERE sequence_id ${IN} ORDER BY decided_at, id`,
      params,
    );

  const group = <T, K>(rows: T[], key: (t: T) => K): Map<K, T[]> => {
    const out = new Map<K, T[]>();
    for (const row of rows) out.set(key(row), [...(out.get(key(row)) ?? []), row]);
    return out;
  };
  const stepsBy = group(steps.rows, (s) => s.sequence_id);
  const messagesBy = group(messages.rows, (m) => m.step_id);
  const citationsBy = group(citations.rows, (c) => c.message_id);
  const flagsBy = group(flags.rows, (f) => f.message_id);
  const decisionsBy = group(decisions.rows, (d) => d.sequence_id);

  const views = new Map<string, SequenceView>();
  for (const s of seqs.rows) {
    const sendableVerdicts: MessageGrounding[] = [];
    const flagCounts: Partial<Record<GroundingRule, number>> = {};
    const stepViews: StepView[] = (stepsBy.get(s.id) ?? []).map((st) => ({
      id: st.id,
      position: st.position,
      kind: st.kind,
      dayOffset: st.day_offset,
      messages: (messagesBy.get(st.id) ?? []).map((m) => {
        const sendable = m.variant === null || s.assigned === null || m.variant === s.assigned;
        const messageFlags = (flagsBy.get(m.id) ?? []).map((f) => ({ rule: f.rule, severity: f.severity, detail: f.detail, excerpt: f.excerpt, sentenceIndex: f.sentence_index }));
        if (sendable) {
          sendableVerdicts.push(m.grounding);
          for (const f of messageFlags) flagCounts[f.rule] = (flagCounts[f.rule] ?? 0) + 1;
        }
        const bySentence = group(citationsBy.get(m.id) ?? [], (c) => c.sentence_index);
        return {
          id: m.id,
          variant: m.variant,
          sendable,
          angle: m.angle,
          subject: m.subject,
          body: m.body,
          grounding: m.grounding,
          checkerVersion: m.checker_version,
          source: m.source,
          model: m.model,
          promptVersion: m.prompt_version,
          edits: m.edits,
          citations: [...bySentence.entries()].map(([sentenceIndex, cs]) => ({
            sentenceIndex,
            sentence: cs[0].sentence,
            facts: cs.map((c) => ({ id: c.fact_id, localId: c.local_id, claim: c.claim, quote: c.quote, sourceUrl: c.source_url })),
          })),
          flags: messageFlags,
        };
      }),
    }));
    views.set(s.id, {
      id: s.id,
      status: s.status,
      statusReason: s.status_reason,
      workspace: s.workspace,
      runId: s.run_id,
      icp: s.icp,
      lead: { id: s.lead_id, email: s.email, name: s.name, title: s.title, company: s.company, domain: s.domain },
      researchId: s.research_id,
      fitScore: s.fit_score,
      persona: s.persona_name,
      repEmail: s.rep_email,
      repIsUser: s.rep_is_user,
      handedOver: s.handed_over_from && s.handed_over_at ? { from: s.handed_over_from, at: s.handed_over_at, by: s.handed_over_by } : null,
      source: s.source,
      templateLabel: s.source === 'template' ? TEMPLATE_LABEL : null,
      personalised: s.personalised,
      experiment: s.experiment_id && s.experiment_name ? { id: s.experiment_id, name: s.experiment_name } : null,
      assignedVariant: s.assigned,
      grounding: worstGrounding(sendableVerdicts),
      flagCounts,
      createdAt: s.created_at,
      approvedAt: s.approved_at,
      decisions: (decisionsBy.get(s.id) ?? []).map((d) => ({
        decision: d.decision, by: d.by, autopilot: d.autopilot, reason: d.reason, flagsOverridden: d.flags_overridden, decidedAt: d.decided_at,
      })),
      steps: stepViews,
    });
  }
  return ids.map((id) => views.get(id)).filter((v): v is SequenceView => v !== undefined);
}

/** One sequence's whole view; `NotFound` when it does not exist. */
export async function getSequence(sql: Sql, sequenceId: string): Promise<SequenceView> {
  const [view] = await loadSequences(sql, [sequenceId]);
  if (!view) throw new NotFoundError(`sequence ${sequenceId} does not exist: list drafts with \`prospector drafts list\``);
  return view;
}

/** The sequences matching `filter`, whole. */
export async function listSequences(sql: Sql, filter: SequenceFilter = {}): Promise<SequenceView[]> {
  return loadSequences(sql, await listSequenceIds(sql, filter));
}

// ---------------------------------------------------------------------------------------------
// Deciding

/** Who decides: a rep of the workspace, by email (their user id when they still exist). */
export interface Decider {
  email: string;
  userId: string | null;
}

/** The rows a rep edits and the checker judges (a draft's message, a reply's suggested response) and where their findings go. */
const CHECKED_ROWS = {
  message: { flags: 'risk_flag', owner: 'message_id' },
  reply_response: { flags: 'reply_response_flag', owner: 'response_id' },
} as const;

/**
 * Stores an edit's checked words with the checker's verdict on its message or response, in one
 * statement so that the recheck trigger keeps the verdict; `edited_by` moves only when the words did.
 */
export async function saveCheckedEdit(tx: Sql, table: keyof typeof CHECKED_ROWS, id: string, report: GroundingReport, changed: boolean, userId: string | null): Promise<void> {
  await tx.query(
    `UPDATE ${table} SET subject = :subject, body = :body, grounding = :grounding, checker_version = :version, checked_at = clock_timestamp(),
                     edited_by = CASE WHEN :changed::boolean THEN :userId::uuid ELSE edited_by END
      WHERE id = :id::uuid`,
    { id, subject: report.subject, body: report.body, grounding: report.verdict, version: report.checkerVersion, changed, userId },
  );
}

/** Replaces the checker's findings on a message or a suggested response. */
export async function replaceFindings(tx: Sql, table: keyof typeof CHECKED_ROWS, id: string, findings: readonly GroundingFinding[]): Promise<void> {
  const { flags, owner } = CHECKED_ROWS[table];
  await tx.query(`DELETE FROM ${flags} WHERE ${owner} = :id::uuid`, { id });
  for (const f of findings) {
    await tx.query(
      `INSERT INTO ${flags} (${owner}, rule, severity, detail, excerpt, sentence_index) VALUES (:id::uuid, :rule, :severity, :detail, :excerpt, :index)`,
      { id, rule: f.rule, severity: f.severity, detail: f.detail, excerpt: f.excerpt || null, index: f.sentenceIndex },
    );
  }
}

/** Who decides: `email` when given (it must be a user of the workspace), else `fallback` (the owning rep). */
export async function decider(sql: Sql, workspaceId: string, email: string | undefined, fallback: string): Promise<Decider> {
  const wanted = (email ?? fallback).trim().toLowerCase();
  const users = await sql.query<{ id: string; email: string }>(`SELECT id, email FROM app_user WHERE workspace_id = :ws::uuid ORDER BY email`, { ws: workspaceId });
  const hit = users.rows.find((u) => u.email === wanted);
  if (hit) return { email: hit.email, userId: hit.id };
  if (email === undefined) return { email: wanted, userId: null };
  throw new ProspectorError(`${email} is not a rep of this workspace: use one of ${users.rows.map((u) => u.email).join(', ') || '(none onboarded)'}`);
}

interface SequenceHead {
  id: string;
  workspace_id: string;
  status: SequenceStatus;
  rep_email: string;
}

async function head(sql: Sql, sequenceId: string): Promise<SequenceHead> {
  const r = await sql.query<SequenceHead>(`SELECT id, workspace_id, status, rep_email FROM sequence WHERE id = :id::uuid`, { id: sequenceId });
  if (!r.rows[0]) throw new NotFoundError(`sequence ${sequenceId} does not exist: list drafts with \`prospector drafts list\``);
  return r.rows[0];
}

const short = (id: string) => id.slice(0, 8);

function describeMessage(step: StepView, m: MessageView): string {
  return `message ${short(m.id)} (step ${step.position} ${step.kind.replace(/_/g, ' ')}${m.variant ? `, variant ${m.variant}` : ''})`;
}

function describeFlag(f: FlagView): string {
  return `${f.rule}: ${f.detail}`;
}

export interface ApproveResult {
  sequenceId: string;
  decidedBy: string;
  flagsOverridden: number;
  reason: string | null;
  /** When the first email is queued to go (absent for a sequence with no email step). */
  firstTouchAt?: string;
}

/**
 * Approves a draft sequence. Refused, with what to do, when a message that can be sent is
 * blocked or unchecked (edit it), or carries risk flags and no reason is given; a reason given
 * over flags is recorded with the number of flags overridden.
 */
export async function approveSequence(
  sql: Sql,
  sequenceId: string,
  options: { by?: string; reason?: string | null; now?: Date } = {},
): Promise<ApproveResult> {
  const reason = options.reason?.trim() ? options.reason.trim() : null;
  return sql.transaction(async (tx) => {
    const h = await head(tx, sequenceId);
    assertTransition(sequenceId, h.status, 'approved');
    const view = await getSequence(tx, sequenceId);
    const sendable = view.steps.flatMap((st) => st.messages.filter((m) => m.sendable).map((m) => ({ step: st, m })));
    if (sendable.length === 0) throw new ApprovalRefusedError(sequenceId, `sequence ${sequenceId} has no message to approve`, 'Not approved: this draft has no message to approve.');
    const unchecked = sendable.filter((x) => x.m.grounding === 'unchecked');
    if (unchecked.length) {
      throw new ApprovalRefusedError(
        sequenceId,
        `sequence ${sequenceId} cannot be approved: ${unchecked.map((x) => describeMessage(x.step, x.m)).join(', ')} ${unchecked.length > 1 ? 'have' : 'has'} not been checked by the grounding checker; check it again with \`prospector drafts edit ${short(unchecked[0].m.id)}\` (saving it unchanged re-runs the checker)`,
        `Not approved: ${unchecked.map((x) => describeMessage(x.step, x.m)).join(', ')} ${unchecked.length > 1 ? 'have' : 'has'} not been checked by the grounding checker. Save it in its editor (unchanged is fine) to have it checked.`,
      );
    }
    const blocked = sendable.filter((x) => x.m.grounding === 'blocked');
    if (blocked.length) {
      const lines = blocked.map((x) => `${describeMessage(x.step, x.m)}: ${x.m.flags.filter((f) => f.severity === 'block').map(describeFlag).join('; ') || 'blocked'}`);
      throw new ApprovalRefusedError(
        sequenceId,
        `sequence ${sequenceId} cannot be approved: a blocked message is never approved as it is, with or without a reason.\n  ${lines.join('\n  ')}\n` +
          `Edit it (\`prospector drafts edit ${short(blocked[0].m.id)}\`) so the checker passes it, or reject the sequence (\`prospector drafts reject ${short(sequenceId)} --reason "…"\`).`,
        `Not approved: a blocked message is never approved as it is, with or without a reason (${lines.join('; ')}). Edit it so the checker passes it, or reject the draft.`,
      );
    }
    const flags = sendable.flatMap((x) => x.m.flags.filter((f) => f.severity === 'warn').map((f) => ({ ...x, f })));
    const flaggedMessages = sendable.filter((x) => x.m.grounding === 'flagged');
    if ((flags.length || flaggedMessages.length) && !reason) {
      throw new ApprovalRefusedError(
        sequenceId,
        (flags.length
          ? `sequence ${sequenceId} carries ${flags.length} risk flag(s):\n  ${flags.map((x) => `${describeMessage(x.step, x.m)} ${describeFlag(x.f)}`).join('\n  ')}\n`
          : `sequence ${sequenceId} has flagged message(s): ${flaggedMessages.map((x) => describeMessage(x.step, x.m)).join(', ')}\n`) +
          `Approve it over them with a reason (\`prospector drafts approve ${short(sequenceId)} --reason "why they are acceptable"\`), or edit the message first.`,
        `Not approved: ${flags.length ? `it carries ${flags.length} risk flag(s) (${flags.map((x) => `${describeMessage(x.step, x.m)} ${describeFlag(x.f)}`).join('; ')})` : `it has flagged message(s): ${flaggedMessages.map((x) => describeMessage(x.step, x.m)).join(', ')}`}. ` +
          'Say in the field by Approve why they are acceptable, or edit the message first.',
      );
    }
    const who = await decider(tx, h.workspace_id, options.by, h.rep_email);
    await tx.query(
      `INSERT INTO approval (id, sequence_id, decision, decided_by, decided_by_email, reason, flags_overridden)
       VALUES (:id::uuid, :seq::uuid, 'approved', :userId::uuid, :email, :reason, :flags)`,
      { id: randomUUID(), seq: sequenceId, userId: who.userId, email: who.email, reason, flags: flags.length },
    );
    await advanceSequence(tx, sequenceId, 'draft', 'approved');
    // the first email is queued with the approval: both happen or neither does
    const queued = await queueApprovedSequence(tx, sequenceId, options.now ?? new Date());
    return { sequenceId, decidedBy: who.email, flagsOverridden: flags.length, reason, ...(queued ? { firstTouchAt: queued.scheduledAt } : {}) };
  });
}

/** Rejects a draft sequence; the reason is required and kept on the sequence and the decision. */
export async function rejectSequence(sql: Sql, sequenceId: string, options: { by?: string; reason: string }): Promise<{ sequenceId: string; decidedBy: string; reason: string }> {
  const reason = options.reason?.trim();
  if (!reason) throw new ProspectorError(`rejecting sequence ${sequenceId} needs a reason: say why it should not be sent`);
  return sql.transaction(async (tx) => {
    const h = await head(tx, sequenceId);
    assertTransition(sequenceId, h.status, 'rejected');
    const who = await decider(tx, h.workspace_id, options.by, h.rep_email);
    await tx.query(
      `INSERT INTO approval (id, sequence_id, decision, decided_by, decided_by_email, reason)
       VALUES (:id::uuid, :seq::uuid, 'rejected', :userId::uuid, :email, :reason)`,
      { id: randomUUID(), seq: sequenceId, userId: who.userId, email: who.email, reason },
    );
    await advanceSequence(tx, sequenceId, 'draft', 'rejected', reason);
    return { sequenceId, decidedBy: who.email, reason };
  });
}

export interface BulkApproveResult {
  approved: ApproveResult[];
  /** drafts left in the queue, with why: flags, or `held`, the reason its lead may not be written to now */
  left: { sequenceId: string; grounding: MessageGrounding | null; flags: number; held?: string }[];
}

/**
 * Approves every draft (matching the filter) whose sendable messages are all `grounded`: no
 * flag, nothing blocked or unchecked. The others stay in the queue for a person to read, and so
 * does a draft whose approval is refused (its lead opted out or is excluded since it was drafted).
 */
export async function approveAllUnflagged(
  sql: Sql,
  filter: Omit<SequenceFilter, 'status' | 'flag'>,
  options: { by?: string; now?: Date } = {},
): Promise<BulkApproveResult> {
  const drafts = await listSequences(sql, { ...filter, status: 'draft' });
  const out: BulkApproveResult = { approved: [], left: [] };
  for (const d of drafts) {
    const flagCount = Object.values(d.flagCounts).reduce((n, c) => n + (c ?? 0), 0);
    if (d.grounding !== 'grounded' || flagCount > 0) {
      out.left.push({ sequenceId: d.id, grounding: d.grounding, flags: flagCount });
      continue;
    }
    try {
      out.approved.push(await approveSequence(sql, d.id, { by: options.by, now: options.now }));
    } catch (error) {
      // one draft whose lead may not be written to (an opt-out since it was drafted) stays in
      // the queue with its reason; the others are approved all the same
      if (!(error instanceof ApprovalRefusedError)) throw error;
      out.left.push({ sequenceId: d.id, grounding: d.grounding, flags: 0, held: error.message });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Editing

/** The seller's onboarding as stored, as the evidence the checker accepts (`sellerEvidence`). */
export async function loadSellerEvidence(sql: Sql, workspaceId: string): Promise<SellerEvidence> {
  const company = await sql.query<{ name: string; website: string; description: string; value_propositions: string[]; differentiators: string[]; proof_points: { title?: string; customer?: string | null; summary?: string; metric?: string | null }[]; competitors: { name?: string; notes?: string | null }[] }>(
      `SELECT name, website, description, to_jsonb(value_propositions) AS value_propositions, to_jsonb(differentiators) AS differentiators, proof_points, competitors
         FROM seller_company WHERE workspace_id = :ws::uuid`,
      { ws: workspaceId },
    );
  const products = await sql.query<{ name: string; description: string; price_notes: string | null; features: string[]; pains_solved: string[]; use_cases: string[] }>(
      `SELECT name, description, price_notes, to_jsonb(features) AS features, to_jsonb(pains_solved) AS pains_solved, to_jsonb(use_cases) AS use_cases
         FROM product WHERE workspace_id = :ws::uuid ORDER BY name`,
      { ws: workspaceId },
    );
  const personas = await sql.query<{ responsibilities: string[]; pains: string[]; goals: string[] }>(
      `SELECT to_jsonb(p.responsibilities) AS responsibilities, to_jsonb(p.pains) AS pains, to_jsonb(p.goals) AS goals
         FROM persona p JOIN icp i ON i.id = p.icp_id WHERE i.workspace_id = :ws::uuid ORDER BY p.name`,
      { ws: workspaceId },
    );
  const users = await sql.query<{ name: string; email: string; title: string | null; signature: string | null; calendar_link: string | null }>(
      `SELECT name, email, title, signature, calendar_link FROM app_user WHERE workspace_id = :ws::uuid ORDER BY email`,
      { ws: workspaceId },
    );
  const tone = await sql.query<{ call_to_action: string }>(`SELECT call_to_action FROM tone_of_voice WHERE workspace_id = :ws::uuid`, { ws: workspaceId });
  const c = company.rows[0];
  return sellerEvidence({
    company: {
      name: c?.name ?? '',
      website: c?.website ?? '',
      description: c?.description ?? '',
      valuePropositions: c?.value_propositions ?? [],
      differentiators: c?.differentiators ?? [],
      proofPoints: (c?.proof_points ?? []).map((p) => ({ title: p.title ?? '', customer: p.customer ?? null, summary: p.summary ?? '', metric: p.metric ?? null })),
      competitors: (c?.competitors ?? []).map((x) => ({ name: x.name ?? '', notes: x.notes ?? null })),
    },
    products: products.rows.map((p) => ({ name: p.name, description: p.description, priceNotes: p.price_notes, features: p.features, painsSolved: p.pains_solved, useCases: p.use_cases })),
    icps: [{ personas: personas.rows }],
    users: users.rows.map((u) => ({ name: u.name, email: u.email, title: u.title, signature: u.signature, calendarLink: u.calendar_link })),
    tone: { callToAction: tone.rows[0]?.call_to_action ?? '' },
  });
}

/** The channel the checker applies its rules for, per step kind. */
export function channelOf(kind: StepKind): Channel {
  return kind === 'email' || kind === 'follow_up_email' ? 'email' : kind;
}

const sameSentence = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * An edited text with markers: a sentence kept word for word keeps the citations it had (`old`,
 * by sentence); new sentences cite with the markers written in them.
 */
export function carryCitations(body: string, old: { sentence: string; localId: string }[]): string {
  const carried = new Map<string, string[]>();
  for (const c of old) carried.set(sameSentence(c.sentence), [...(carried.get(sameSentence(c.sentence)) ?? []), c.localId]);
  const parsed = citedSentences(body);
  let draft = '';
  let last = 0;
  for (const s of parsed.sentences) {
    const ids = [...new Set([...s.factIds, ...(carried.get(sameSentence(s.text)) ?? [])])];
    if (!ids.length) continue;
    draft += `${parsed.text.slice(last, s.end)} [${ids.join(', ')}]`;
    last = s.end;
  }
  return draft + parsed.text.slice(last);
}

/**
 * A stored body with its citations as `[f1]` markers after the sentences they support: what a
 * rep edits, and what the checker reads again.
 */
export function withCitationMarkers(body: string, citations: { sentenceIndex: number; facts: { localId: string }[] }[]): string {
  const bySentence = new Map(citations.map((c) => [c.sentenceIndex, c.facts.map((f) => f.localId)]));
  let out = '';
  let last = 0;
  for (const [index, s] of splitSentences(body).entries()) {
    const ids = bySentence.get(index);
    if (!ids?.length) continue;
    out += `${body.slice(last, s.end)} [${ids.join(', ')}]`;
    last = s.end;
  }
  return out + body.slice(last);
}

export interface EditResult {
  messageId: string;
  sequenceId: string;
  /** false when the words were the same (the checker ran again all the same) */
  changed: boolean;
  before: MessageGrounding;
  grounding: 'grounded' | 'flagged' | 'blocked';
  findings: GroundingFinding[];
  subject: string | null;
  body: string;
  citedSentences: number;
}

/**
 * Replaces a draft message's words and checks them again against the research's facts and the
 * seller's data: the verdict, risk flags and citations are replaced in the same transaction, and
 * the database keeps the before/after (`message_edit`). Citations are written as `[f1]` markers;
 * a sentence left exactly as it was keeps the citations it had.
 */
export async function editMessage(
  sql: Sql,
  messageId: string,
  edit: { body: string; subject?: string | null; by?: string },
): Promise<EditResult> {
  return sql.transaction((tx) => checkAndSaveWords(tx, messageId, edit));
}

/**
 * `editMessage`'s work inside a transaction the caller holds. `resign`: the words change for a
 * hand-over (lambdas/core/outreach/hand-over.ts), not by a rep: `edited_by` stays as it was, and
 * the caller has set the transaction's edit kind so the kept before/after is marked a re-signing.
 * `seller`: the workspace's `loadSellerEvidence`, when the caller checks many messages (five
 * statements a message saved).
 */
export async function checkAndSaveWords(
  tx: Sql,
  messageId: string,
  edit: { body: string; subject?: string | null; by?: string; resign?: boolean; seller?: SellerEvidence },
): Promise<EditResult> {
  const found = await tx.query<{
    id: string; sequence_id: string; research_id: string; subject: string | null; body: string; grounding: MessageGrounding; kind: StepKind;
    status: SequenceStatus; workspace_id: string; rep_email: string; tone: { maxWords: number; bannedPhrases: string[]; signature?: string | null; callToAction?: string };
    lead_name: string; company: string; title: string | null; domain: string; email: string; first_touch: boolean;
  }>(
    // A first touch is the sequence's first step on its channel (email, LinkedIn, phone), as drafting judged it.
    `SELECT m.id, m.sequence_id, m.research_id, m.subject, m.body, m.grounding, st.kind, s.status, s.workspace_id, s.rep_email, s.tone,
            l.name AS lead_name, c.name AS company, l.title, c.domain, l.email,
            NOT EXISTS (SELECT 1 FROM sequence_step e
                         WHERE e.sequence_id = st.sequence_id AND e.position < st.position
                           AND (CASE WHEN e.kind IN ('email', 'follow_up_email') THEN 'email' WHEN e.kind = 'call_task' THEN 'call' ELSE 'linkedin' END)
                             = (CASE WHEN st.kind IN ('email', 'follow_up_email') THEN 'email' WHEN st.kind = 'call_task' THEN 'call' ELSE 'linkedin' END)) AS first_touch
       FROM message m
       JOIN sequence_step st ON st.id = m.step_id
       JOIN sequence s ON s.id = m.sequence_id
       JOIN lead l ON l.id = s.lead_id
       JOIN lead_company c ON c.id = l.company_id
      WHERE m.id = :id::uuid`,
    { id: messageId },
  );
  const m = found.rows[0];
  if (!m) throw new NotFoundError(`message ${messageId} does not exist: \`prospector drafts show SEQUENCE\` lists a sequence's message ids`);
  if (m.status !== 'draft') {
    throw new EditRefusedError(
      messageId,
      `message ${messageId} belongs to sequence ${m.sequence_id}, which is ${m.status}: its words are frozen once decided on`,
      `Not saved: this draft is already ${m.status} (since this page was loaded), and its words are frozen once decided on.`,
    );
  }
  if (!edit.body.trim()) throw new EditRefusedError(messageId, `the new body of message ${messageId} is empty: nothing was changed`, 'Not saved: the body is empty.');
  let subject = edit.subject === undefined ? m.subject : edit.subject;
  if (m.subject === null && subject !== null && subject !== undefined) {
    throw new EditRefusedError(messageId, `message ${messageId} is a ${m.kind.replace(/_/g, ' ')} step, which has no subject: leave the subject out`);
  }
  if (m.subject !== null && !subject?.trim()) {
    throw new EditRefusedError(messageId, `message ${messageId} is an email: its subject cannot be empty`, 'Not saved: an email’s subject cannot be empty.');
  }
  subject = subject?.trim() ?? null;

  const facts = await tx.query<{ id: string; local_id: string; quote: string; verified: boolean }>(
      `SELECT id, local_id, quote, verified FROM fact WHERE research_id = :r::uuid ORDER BY local_id`,
      { r: m.research_id },
    );
  const oldCitations = await tx.query<{ sentence: string; local_id: string }>(
      `SELECT ct.sentence, f.local_id FROM citation ct JOIN fact f ON f.id = ct.fact_id WHERE ct.message_id = :id::uuid ORDER BY ct.sentence_index`,
      { id: messageId },
    );
  const draft = carryCitations(edit.body, oldCitations.rows.map((c) => ({ sentence: c.sentence, localId: c.local_id })));

  const evidence: EvidenceFact[] = facts.rows.map((f) => ({ id: f.id, localId: f.local_id, researchId: m.research_id, quote: f.quote, verified: f.verified }));
  const loaded = edit.seller ?? (await loadSellerEvidence(tx, m.workspace_id));
  const seller: SellerEvidence = { ...loaded, ownNames: [...loaded.ownNames, ...(m.tone.callToAction ? [m.tone.callToAction] : [])] };
  const report = checkGrounding({
    channel: channelOf(m.kind),
    firstTouch: m.first_touch,
    subject,
    body: draft,
    lead: { name: m.lead_name, companyName: m.company, title: m.title, domain: m.domain, email: m.email },
    researchId: m.research_id,
    facts: evidence,
    seller,
    tone: { maxWords: m.tone.maxWords, bannedPhrases: m.tone.bannedPhrases ?? [], signature: m.tone.signature ?? null },
  });
  if (!report.body.trim()) throw new EditRefusedError(messageId, `the new body of message ${messageId} holds only citation markers: write the words`, 'Not saved: the body holds only citation markers; write the words.');

  const changed = report.body !== m.body || report.subject !== m.subject;
  if (edit.resign) await saveCheckedEdit(tx, 'message', messageId, report, false, null);
  else await saveCheckedEdit(tx, 'message', messageId, report, changed, (await decider(tx, m.workspace_id, edit.by, m.rep_email)).userId);
  await replaceFindings(tx, 'message', messageId, report.findings);
  await tx.query(`DELETE FROM citation WHERE message_id = :id::uuid`, { id: messageId });
  const byLocal = new Map(facts.rows.map((f) => [f.local_id, f.id]));
  const byId = new Set(facts.rows.map((f) => f.id));
  let cited = 0;
  for (const s of report.sentences) {
    const ids = [...new Set(s.validFactIds.map((id) => byLocal.get(id) ?? (byId.has(id) ? id : undefined)).filter((id): id is string => id !== undefined))];
    if (ids.length) cited++;
    for (const factId of ids) {
      await tx.query(
        `INSERT INTO citation (message_id, research_id, sentence_index, sentence, fact_id) VALUES (:id::uuid, :r::uuid, :index, :sentence, :fact::uuid)`,
        { id: messageId, r: m.research_id, index: s.index, sentence: s.text, fact: factId },
      );
    }
  }
  return {
    messageId,
    sequenceId: m.sequence_id,
    changed,
    before: m.grounding,
    grounding: report.verdict,
    findings: report.findings,
    subject: report.subject,
    body: report.body,
    citedSentences: cited,
  };
}
