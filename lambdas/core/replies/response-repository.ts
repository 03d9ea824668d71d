/**
 * Response drafts in the approval queue: listing, showing, approving, rejecting and editing the
 * answers drafted for replies (`reply_response`), under the same rules as outreach sequences:
 * a blocked draft is never approved as it is, a flagged one only with a reason (recorded with the
 * number of flags overridden), a rejection needs a reason, decided drafts are frozen, and an edit
 * goes back through the grounding checker against the passages retrieved for the reply.
 */
import { NotFoundError, ProspectorError } from '../errors.ts';
import type { KnowledgePassage } from '../knowledge/retrieve.ts';
import { repIsUserSql } from '../outreach/assign-rep.ts';
import { ApprovalRefusedError, EditRefusedError } from '../outreach/errors.ts';
import type { GroundingFinding, GroundingRule, SellerEvidence } from '../outreach/grounding.ts';
import { carryCitations, decider, loadSellerEvidence, saveCheckedEdit, withCitationMarkers } from '../outreach/repository.ts';
import type { Sql } from '../ports.ts';
import { repGoneRefusal } from '../sending/queue-approved.ts';
import { checkResponse, localPassageId, RESPONSE_TEMPLATE_LABEL, writeResponseEvidence, type ResponseEvidence, type ResponseQuestion } from './respond.ts';

export const RESPONSE_STATUSES = ['draft', 'approved', 'rejected'] as const;
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];
type Verdict = 'unchecked' | 'grounded' | 'flagged' | 'blocked';

/** A response draft as `drafts list/show` print it. */
export interface ResponseView {
  id: string;
  kind: 'reply_response';
  workspace: string;
  status: ResponseStatus;
  reply: { id: string; from: string; subject: string | null; receivedAt: string; label: string | null };
  lead: { email: string; name: string | null; company: string | null } | null;
  toEmail: string;
  repEmail: string;
  /** false: its rep was removed from the workspace's users (approval is refused until it is handed over) */
  repIsUser: boolean;
  /** the rep it was handed over from (lambdas/core/outreach/hand-over.ts), or null */
  handedOverFrom: string | null;
  /** who handed it over, when recorded */
  handedOverBy: string | null;
  subject: string | null;
  body: string;
  source: 'llm' | 'template';
  model: string | null;
  promptVersion: string;
  templateLabel: string | null;
  grounding: Verdict;
  questions: ResponseQuestion[];
  /** what must come from the rep before this goes out */
  repItems: string[];
  /** the passages retrieved for the reply; `localId` is the marker a sentence cites (`[k1]`) */
  passages: (KnowledgePassage & { localId: string })[];
  citations: { sentenceIndex: number; sentence: string; passages: { localId: string; id: string }[] }[];
  flags: { rule: GroundingRule; severity: 'block' | 'warn'; detail: string; excerpt: string | null; sentenceIndex: number | null }[];
  flagCounts: Partial<Record<GroundingRule, number>>;
  decision: { decision: 'approved' | 'rejected'; by: string; reason: string | null; flagsOverridden: number; decidedAt: string } | null;
  edits: number;
  createdAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIX = /^[0-9a-f][0-9a-f-]{5,35}$/i;
const iso = (d: string | Date) => new Date(d).toISOString();

/** The response whose id starts with `text` (in the workspace, when given); undefined when none does. */
export async function findResponseId(sql: Sql, text: string, workspaceId: string | null = null): Promise<string | undefined> {
  const wanted = text.trim().toLowerCase();
  if (!UUID.test(wanted) && !PREFIX.test(wanted)) return undefined;
  const r = await sql.query<{ id: string }>(
    `SELECT id FROM reply_response WHERE id::text LIKE :prefix AND (:ws::uuid IS NULL OR workspace_id = :ws::uuid) ORDER BY id LIMIT 3`,
    { prefix: `${wanted}%`, ws: workspaceId },
  );
  if (r.rows.length > 1) throw new ProspectorError(`${text.trim()} matches several responses (${r.rows.map((x) => x.id).join(', ')}): give more of the id`);
  return r.rows[0]?.id;
}

/** The passages retrieved for a response, in the order their local ids were given. */
export function retrievedOrder(questions: ResponseQuestion[]): string[] {
  return [...new Set(questions.flatMap((q) => q.passageIds))];
}

async function passagesOf(sql: Sql, workspaceId: string, ids: string[]): Promise<KnowledgePassage[]> {
  if (ids.length === 0) return [];
  const r = await sql.query<{ id: string; title: string; heading: string | null; text: string }>(
    `SELECT p.id, d.title, p.heading, p.text FROM knowledge_passage p JOIN knowledge_document d ON d.id = p.document_id
      WHERE p.workspace_id = :ws::uuid AND p.id IN (SELECT jsonb_array_elements_text(:ids::jsonb))`,
    { ws: workspaceId, ids: JSON.stringify(ids) },
  );
  const byId = new Map(r.rows.map((p) => [p.id, { id: p.id, documentTitle: p.title, heading: p.heading, text: p.text }]));
  return ids.map((id) => byId.get(id)).filter((p): p is KnowledgePassage => p !== undefined);
}

interface ResponseRow {
  id: string; workspace_id: string; slug: string; status: ResponseStatus; reply_id: string; from_email: string; reply_subject: string | null;
  received_at: string | Date; classification: string | null; lead_email: string | null; lead_name: string | null; company: string | null;
  lead_title: string | null; domain: string | null; to_email: string; rep_email: string; subject: string | null; body: string;
  source: 'llm' | 'template'; model: string | null; prompt_version: string; grounding: Verdict; questions: ResponseQuestion[];
  rep_items: string[]; decided_by_email: string | null; decision_reason: string | null; flags_overridden: number;
  decided_at: string | Date | null; created_at: string | Date; edits: number; rep_is_user: boolean; handed_over_from: string | null; handed_over_by: string | null;
}

const SELECT_RESPONSE = `
  SELECT rr.id, rr.workspace_id, w.slug, rr.status, rr.reply_id, r.from_email, r.subject AS reply_subject, r.received_at, r.classification,
         l.email AS lead_email, l.name AS lead_name, c.name AS company, l.title AS lead_title, c.domain, rr.to_email, rr.rep_email,
         rr.subject, rr.body, rr.source, rr.model, rr.prompt_version, rr.grounding, rr.questions, rr.rep_items, rr.decided_by_email,
         rr.decision_reason, rr.flags_overridden, rr.decided_at, rr.created_at, rr.handed_over_from, rr.handed_over_by,
         (SELECT count(*)::int FROM reply_response_edit e WHERE e.response_id = rr.id AND e.kind = 'edit') AS edits,
         ${repIsUserSql('rr')} AS rep_is_user
    FROM reply_response rr
    JOIN workspace w ON w.id = rr.workspace_id
    JOIN reply r ON r.id = rr.reply_id
    LEFT JOIN lead l ON l.id = rr.lead_id
    LEFT JOIN lead_company c ON c.id = l.company_id`;

async function view(sql: Sql, row: ResponseRow): Promise<ResponseView> {
  const passages = await passagesOf(sql, row.workspace_id, retrievedOrder(row.questions));
  const local = new Map(passages.map((p, i) => [p.id, localPassageId(i)]));
  const citations = await sql.query<{ sentence_index: number; sentence: string; passage_id: string }>(
    `SELECT sentence_index, sentence, passage_id FROM reply_response_citation WHERE response_id = :id::uuid ORDER BY sentence_index, passage_id`,
    { id: row.id },
  );
  const bySentence = new Map<number, ResponseView['citations'][number]>();
  for (const c of citations.rows) {
    const entry = bySentence.get(c.sentence_index) ?? { sentenceIndex: c.sentence_index, sentence: c.sentence, passages: [] };
    entry.passages.push({ localId: local.get(c.passage_id) ?? c.passage_id, id: c.passage_id });
    bySentence.set(c.sentence_index, entry);
  }
  const flags = await sql.query<{ rule: GroundingRule; severity: 'block' | 'warn'; detail: string; excerpt: string | null; sentence_index: number | null }>(
    `SELECT rule, severity, detail, excerpt, sentence_index FROM reply_response_flag WHERE response_id = :id::uuid ORDER BY sentence_index NULLS FIRST, rule`,
    { id: row.id },
  );
  const flagCounts: Partial<Record<GroundingRule, number>> = {};
  for (const f of flags.rows) flagCounts[f.rule] = (flagCounts[f.rule] ?? 0) + 1;
  return {
    id: row.id,
    kind: 'reply_response',
    workspace: row.slug,
    status: row.status,
    reply: { id: row.reply_id, from: row.from_email, subject: row.reply_subject, receivedAt: iso(row.received_at), label: row.classification },
    lead: row.lead_email ? { email: row.lead_email, name: row.lead_name, company: row.company } : null,
    toEmail: row.to_email,
    repEmail: row.rep_email,
    repIsUser: row.rep_is_user,
    handedOverFrom: row.handed_over_from,
    handedOverBy: row.handed_over_by,
    subject: row.subject,
    body: row.body,
    source: row.source,
    model: row.model,
    promptVersion: row.prompt_version,
    templateLabel: row.source === 'template' ? RESPONSE_TEMPLATE_LABEL : null,
    grounding: row.grounding,
    questions: row.questions,
    repItems: row.rep_items,
    passages: passages.map((p, i) => ({ ...p, localId: localPassageId(i) })),
    citations: [...bySentence.values()],
    flags: flags.rows.map((f) => ({ rule: f.rule, severity: f.severity, detail: f.detail, excerpt: f.excerpt, sentenceIndex: f.sentence_index })),
    flagCounts,
    decision: row.decided_at && row.status !== 'draft'
      ? { decision: row.status, by: row.decided_by_email ?? '?', reason: row.decision_reason, flagsOverridden: row.flags_overridden, decidedAt: iso(row.decided_at) }
      : null,
    edits: row.edits,
    createdAt: iso(row.created_at),
  };
}

/** One response draft; NotFound when it does not exist. */
export async function getResponse(sql: Sql, id: string): Promise<ResponseView> {
  const r = await sql.query<ResponseRow>(`${SELECT_RESPONSE} WHERE rr.id = :id::uuid`, { id });
  if (!r.rows[0]) throw new NotFoundError(`response ${id} does not exist: list drafts with \`prospector drafts list\``);
  return view(sql, r.rows[0]);
}

/** Response drafts, newest first (every workspace when none is given). */
export async function listResponses(sql: Sql, filter: { workspaceId?: string | null; status?: string | null; flag?: string | null } = {}): Promise<ResponseView[]> {
  const r = await sql.query<ResponseRow>(
    `${SELECT_RESPONSE}
      WHERE (:ws::uuid IS NULL OR rr.workspace_id = :ws::uuid) AND (:status::text IS NULL OR rr.status = :status)
        AND (:flag::text IS NULL
             OR (:flag = 'none' AND NOT EXISTS (SELECT 1 FROM reply_response_flag f WHERE f.response_id = rr.id))
             OR (:flag = 'any' AND EXISTS (SELECT 1 FROM reply_response_flag f WHERE f.response_id = rr.id))
             OR EXISTS (SELECT 1 FROM reply_response_flag f WHERE f.response_id = rr.id AND f.rule = :flag))
      ORDER BY rr.created_at DESC, rr.id`,
    { ws: filter.workspaceId ?? null, status: filter.status ?? null, flag: filter.flag ?? null },
  );
  const out: ResponseView[] = [];
  for (const row of r.rows) out.push(await view(sql, row));
  return out;
}

/** The stored body with `[k1]` markers after the sentences they rest on. */
export function responseWithMarkers(v: Pick<ResponseView, 'body' | 'citations'>): string {
  return withCitationMarkers(v.body, v.citations.map((c) => ({ sentenceIndex: c.sentenceIndex, facts: c.passages })));
}

export interface ResponseDecision {
  responseId: string;
  decision: 'approved' | 'rejected';
  decidedBy: string;
  reason: string | null;
  flagsOverridden: number;
}

interface DraftHead {
  workspace_id: string; status: ResponseStatus; grounding: Verdict; rep_email: string; rep_is_user: boolean; flags: number; blocking: string[];
}

async function draftHead(sql: Sql, id: string): Promise<DraftHead> {
  const r = await sql.query<DraftHead>(
    `SELECT rr.workspace_id, rr.status, rr.grounding, rr.rep_email,
            ${repIsUserSql('rr')} AS rep_is_user,
            (SELECT count(*)::int FROM reply_response_flag f WHERE f.response_id = rr.id) AS flags,
            (SELECT coalesce(jsonb_agg(DISTINCT f.rule), '[]'::jsonb) FROM reply_response_flag f WHERE f.response_id = rr.id AND f.severity = 'block') AS blocking
       FROM reply_response rr WHERE rr.id = :id::uuid FOR UPDATE OF rr`,
    { id },
  );
  const row = r.rows[0];
  if (!row) throw new NotFoundError(`response ${id} does not exist: list drafts with \`prospector drafts list\``);
  if (row.status !== 'draft') {
    throw new ApprovalRefusedError(id, `response ${id} is already ${row.status}: a decision is not changed`, `This response is already ${row.status} (since this page was loaded): nothing was changed.`);
  }
  return row;
}

/** Approves a response draft; refuses a blocked one, and a flagged one without a reason. */
export async function approveResponse(sql: Sql, id: string, opts: { by?: string; reason?: string } = {}): Promise<ResponseDecision> {
  return sql.transaction(async (tx) => {
    const h = await draftHead(tx, id);
    if (h.grounding === 'blocked' || h.grounding === 'unchecked') {
      const why = `${h.grounding}${h.blocking.length ? ` (${h.blocking.join(', ')})` : ''}`;
      throw new ApprovalRefusedError(
        id,
        `response ${id} is ${why}: edit it first (prospector drafts edit ${id.slice(0, 8)}); a blocked draft is never approved as it is`,
        `Not approved: this response is ${why}. Edit it first; a blocked response is never approved as it is.`,
      );
    }
    // it would go out under their signature (and, but for a hand-over, from their mailbox)
    if (!h.rep_is_user) throw repGoneRefusal(id, `response ${id}`, h.rep_email, 'it is signed as them');
    const reason = opts.reason?.trim() || null;
    if (h.grounding === 'flagged' && !reason) {
      throw new ApprovalRefusedError(
        id,
        `response ${id} carries ${h.flags} risk flag(s): approve it with --reason saying why they are acceptable, or edit it`,
        `Not approved: this response carries ${h.flags} risk flag(s). Say why they are acceptable in the field by Approve, or edit it.`,
      );
    }
    const who = await decider(tx, h.workspace_id, opts.by, h.rep_email);
    const overridden = h.grounding === 'flagged' ? h.flags : 0;
    await tx.query(
      `UPDATE reply_response SET status = 'approved', decided_by_email = :by, decision_reason = :reason, flags_overridden = :n, decided_at = now() WHERE id = :id::uuid`,
      { id, by: who.email, reason, n: overridden },
    );
    return { responseId: id, decision: 'approved', decidedBy: who.email, reason, flagsOverridden: overridden };
  });
}

/** Rejects a response draft, with the reason. */
export async function rejectResponse(sql: Sql, id: string, opts: { by?: string; reason: string }): Promise<ResponseDecision> {
  const reason = opts.reason.trim();
  if (!reason) throw new ProspectorError(`rejecting response ${id} needs a reason`);
  return sql.transaction(async (tx) => {
    const h = await draftHead(tx, id);
    const who = await decider(tx, h.workspace_id, opts.by, h.rep_email);
    await tx.query(`UPDATE reply_response SET status = 'rejected', decided_by_email = :by, decision_reason = :reason, decided_at = now() WHERE id = :id::uuid`, { id, by: who.email, reason });
    return { responseId: id, decision: 'rejected', decidedBy: who.email, reason, flagsOverridden: 0 };
  });
}

export interface ResponseEditResult {
  responseId: string;
  changed: boolean;
  before: Verdict;
  grounding: 'grounded' | 'flagged' | 'blocked';
  findings: GroundingFinding[];
  subject: string | null;
  body: string;
  citedSentences: number;
}

/**
 * Replaces a draft response's words and has the checker read them again against the passages
 * retrieved for the reply (cited as `[k1]`, or by full passage id); a sentence kept word for
 * word keeps its citations. The prospect's words the checker accepts in an echo are the reply's
 * questions and subject (the reply's full text stays in the lake).
 */
export async function editResponse(sql: Sql, id: string, edit: { body: string; subject?: string | null; by?: string }): Promise<ResponseEditResult> {
  return sql.transaction((tx) => checkAndSaveResponse(tx, id, edit));
}

/**
 * `editResponse`'s work inside a transaction the caller holds; `resign` as for a draft's message
 * (`checkAndSaveWords` in lambdas/core/outreach/repository.ts): `edited_by` stays as it was.
 */
export async function checkAndSaveResponse(
  tx: Sql,
  id: string,
  edit: { body: string; subject?: string | null; by?: string; resign?: boolean; seller?: SellerEvidence },
): Promise<ResponseEditResult> {
  const r = await tx.query<ResponseRow>(`${SELECT_RESPONSE} WHERE rr.id = :id::uuid FOR UPDATE OF rr`, { id });
  const row = r.rows[0];
  if (!row) throw new NotFoundError(`response ${id} does not exist: list drafts with \`prospector drafts list\``);
  if (row.status !== 'draft') {
    throw new EditRefusedError(id, `response ${id} is ${row.status}: its words are frozen once decided on`, `Not saved: this response is already ${row.status} (since this page was loaded), and its words are frozen once decided on.`);
  }
  if (!edit.body.trim()) throw new EditRefusedError(id, `the new body of response ${id} is empty: nothing was changed`, 'Not saved: the body is empty.');
  const subject = (edit.subject === undefined ? row.subject : edit.subject)?.trim() || null;
  if (!subject) throw new EditRefusedError(id, `response ${id} is an email: its subject cannot be empty`, 'Not saved: an email’s subject cannot be empty.');

  const current = await view(tx, row);
  const draft = carryCitations(
    edit.body,
    current.citations.flatMap((c) => c.passages.map((p) => ({ sentence: c.sentence, localId: p.localId }))),
  );
  const tone = await tx.query<{ max_words: number; banned_phrases: string[] }>(`SELECT max_words, to_jsonb(banned_phrases) AS banned_phrases FROM tone_of_voice WHERE workspace_id = :ws::uuid`, { ws: row.workspace_id });
  const rep = await tx.query<{ signature: string | null }>(`SELECT signature FROM app_user WHERE workspace_id = :ws::uuid AND email = :email`, { ws: row.workspace_id, email: row.rep_email });
  const evidence: ResponseEvidence = {
    workspaceId: row.workspace_id,
    lead: { name: row.lead_name ?? '', companyName: row.company ?? row.to_email.split('@')[1] ?? '', title: row.lead_title, domain: row.domain, email: row.lead_email ?? row.to_email },
    passages: current.passages,
    prospectWords: [...row.questions.map((q) => q.question), row.reply_subject ?? ''].filter(Boolean),
    seller: edit.seller ?? (await loadSellerEvidence(tx, row.workspace_id)),
    tone: { maxWords: tone.rows[0]?.max_words ?? 120, bannedPhrases: tone.rows[0]?.banned_phrases ?? [], signature: rep.rows[0]?.signature ?? null },
  };
  const report = checkResponse(evidence, subject, draft);
  if (!report.body.trim()) throw new EditRefusedError(id, `the new body of response ${id} holds only citation markers: write the words`, 'Not saved: the body holds only citation markers; write the words.');
  const changed = report.body !== row.body || report.subject !== row.subject;
  if (edit.resign) await saveCheckedEdit(tx, 'reply_response', id, report, false, null);
  else await saveCheckedEdit(tx, 'reply_response', id, report, changed, (await decider(tx, row.workspace_id, edit.by, row.rep_email)).userId);
  const cited = await writeResponseEvidence(tx, id, row.workspace_id, report, current.passages);
  return { responseId: id, changed, before: row.grounding, grounding: report.verdict, findings: report.findings, subject: report.subject, body: report.body, citedSentences: cited };
}
