/**
 * Respond: a draft answer to a prospect's reply, written only from the seller's knowledge.
 *
 * For a reply labelled `interested`, `needs_info` or `objection` (and not waiting for a rep's
 * review of its label):
 * 1. the questions are the classifier's (`needs_info`), else the questions asked in the reply's new
 *    text, else (an objection) the text itself; at most `MAX_QUESTIONS`;
 * 2. each question retrieves its best passages from the workspace's knowledge (BM25,
 *    knowledge/retrieve.ts); a question whose best passage covers less than half its words is
 *    not answered from knowledge: it is the rep's to confirm, and the draft says so;
 * 3. the words come from the language model (one call through the shared LLM call module,
 *    zod-validated: it may cite only the passages it was given; one repair; still invalid, or no
 *    model configured, the template writes instead) or from the offline template, which quotes
 *    the top passage of each question word for word, and is labelled as such;
 * 4. every sentence goes through the grounding checker, the one outreach drafts use, with the
 *    retrieved passages as the evidence a sentence may cite (`[k1]`): a specific no cited passage,
 *    the prospect's identity or the seller's onboarding data has is an invented specific and
 *    blocks the draft; a passage that was not retrieved for this reply cannot be cited;
 * 5. the draft, its citations and flags are written in one transaction into the approval queue
 *    (`reply_response`, one per reply: a repeated call writes nothing and returns the first).
 *
 * Throttling and outages from the model propagate (the state machine waits and retries); a
 * reply whose response failed that way gets one on the next call.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LlmOutputError, NotFoundError, ProspectorError } from '../errors.ts';
import { KnowledgeIndex, loadPassages, MIN_COVERAGE, type KnowledgePassage } from '../knowledge/retrieve.ts';
import { lakeKeys } from '../lake-keys.ts';
import { defineAnswer, ledgerFor, type LlmCallRecord, type LlmPassDeps } from '../llm/calls.ts';
import { checkGrounding, splitSentences, stripCitations, type GroundingReport, type SellerEvidence } from '../outreach/grounding.ts';
import { loadSellerEvidence, replaceFindings, withCitationMarkers } from '../outreach/repository.ts';
import { signOffFor, toneInstructions } from '../outreach/templates.ts';
import type { Onboarding } from '../onboarding/schema.ts';
import type { Lake, Sql } from '../ports.ts';
import { DEFAULT_MODELS, supportsStrictJsonSchema } from '../research/models.ts';
import { blockJson, parsePromptFile, PROMPTS, renderTemplate } from '../research/prompts.ts';
import { neutraliseDelimiters } from '../research/text.ts';
import { parseMail, type InboundMail } from './parse.ts';
import { stripReply } from './strip.ts';

/** The response prompt (`prompts/respond.v<N>.md`). Bundlers must ship `prompts/` next to this module. */
export const RESPOND_PROMPT = parsePromptFile('respond.v1', readFileSync(new URL('./prompts/respond.v1.md', import.meta.url), 'utf8'));
export const RESPOND_PROMPT_VERSION = `${RESPOND_PROMPT.id}+${PROMPTS.repair.id}`;
/** The offline template's version, stored as the response's `prompt_version`. */
export const RESPONSE_TEMPLATE_VERSION = 'respond-template-v1';
/** How a template response is labelled wherever it is shown. */
export const RESPONSE_TEMPLATE_LABEL = 'offline template: quotes the knowledge passages retrieved for each question, without a language model';

/** The labels a response is drafted for: a person who wants to talk, asks, or objects. */
export const RESPONDING_LABELS = ['interested', 'needs_info', 'objection'] as const;
export const MAX_QUESTIONS = 5;
export const PASSAGES_PER_QUESTION = 3;
/** Passages a prompt carries at most (the union over questions, best first). */
export const MAX_PROMPT_PASSAGES = 8;
/** A response answers questions: it may be longer than a cold email, up to this floor. */
export const MIN_RESPONSE_WORDS = 200;
const MAX_PROMPT_REPLY_CHARS = 4000;

/** One question of the reply, with the passages retrieved for it. */
export const ResponseQuestion = z.object({
  question: z.string(),
  passageIds: z.array(z.string()),
  /** the best passage covers enough of the question to answer from; false: the rep confirms */
  answered: z.boolean(),
});
export type ResponseQuestion = z.infer<typeof ResponseQuestion>;

export interface RespondDeps extends Partial<LlmPassDeps> {
  sql: Sql;
  lake: Lake;
  llm: LlmPassDeps['llm'];
  /** the model asked (default: the synthesis model) */
  model?: string;
}

export type ResponseDraftResult =
  | {
      status: 'drafted' | 'exists';
      responseId: string;
      grounding: 'unchecked' | 'grounded' | 'flagged' | 'blocked';
      source: 'llm' | 'template';
      /** why the template wrote when a model was configured */
      templateReason: string | null;
      repItems: string[];
      calls: LlmCallRecord[];
    }
  | { status: 'skipped'; reason: string };

/** What the checker needs to judge a response's words (at drafting and at every edit). */
export interface ResponseEvidence {
  workspaceId: string;
  lead: { name: string; companyName: string; title: string | null; domain: string | null; email: string };
  /** the passages retrieved for the reply, in order: `k1` is the first */
  passages: KnowledgePassage[];
  /** the prospect's own words: their questions and new text */
  prospectWords: string[];
  seller: SellerEvidence;
  tone: { maxWords: number; bannedPhrases: string[]; signature: string | null };
}

/** The words a response may use as evidence for a passage: its document, headings and text. */
function passageQuote(p: KnowledgePassage): string {
  return [p.documentTitle, p.heading ?? '', p.text].filter(Boolean).join('\n');
}

/** The local id a prompt and the editor use for the `i`th retrieved passage. */
export const localPassageId = (i: number) => `k${i + 1}`;

/** Runs the grounding checker over a response's words against the passages retrieved for it. */
export function checkResponse(evidence: ResponseEvidence, subject: string | null, draft: string): GroundingReport {
  const scope = `knowledge:${evidence.workspaceId}`;
  return checkGrounding({
    channel: 'email_reply',
    firstTouch: false,
    subject,
    body: draft,
    lead: evidence.lead,
    researchId: scope,
    facts: evidence.passages.map((p, i) => ({ id: p.id, localId: localPassageId(i), researchId: scope, quote: passageQuote(p), verified: true })),
    seller: evidence.seller,
    tone: { ...evidence.tone, maxWords: Math.max(evidence.tone.maxWords * 2, MIN_RESPONSE_WORDS) },
    citing: 'passage',
    prospectWords: evidence.prospectWords,
  });
}

// ---------------------------------------------------------------------------------------------
// Loading what a response needs

interface ReplyRow {
  id: string;
  classification: string | null;
  needs_review: boolean;
  questions: string[];
  raw_key: string;
  subject: string | null;
  from_email: string;
  lead_id: string | null;
  lead_name: string | null;
  lead_email: string | null;
  lead_title: string | null;
  company_name: string | null;
  domain: string | null;
  rep_email: string | null;
  /** the signature its sequence was drafted with */
  rep_signature: string | null;
}

type Tone = Pick<Onboarding['tone'], 'formality' | 'warmth' | 'directness' | 'language' | 'maxWords' | 'callToAction' | 'bannedPhrases' | 'sampleEmail'>;
interface Rep {
  email: string;
  name: string;
  signature: string | null;
}

async function loadReply(sql: Sql, workspaceId: string, replyId: string): Promise<ReplyRow> {
  const r = await sql.query<ReplyRow>(
    `SELECT r.id, r.classification, r.needs_review, r.questions, r.raw_key, r.subject, r.from_email, r.lead_id,
            l.name AS lead_name, l.email AS lead_email, l.title AS lead_title, c.name AS company_name, c.domain, s.rep_email,
            s.tone ->> 'signature' AS rep_signature
       FROM reply r
       LEFT JOIN lead l ON l.id = r.lead_id
       LEFT JOIN lead_company c ON c.id = l.company_id
       LEFT JOIN sequence s ON s.id = r.sequence_id
      WHERE r.id = :id::uuid AND r.workspace_id = :ws::uuid`,
    { id: replyId, ws: workspaceId },
  );
  const row = r.rows[0];
  if (!row) throw new NotFoundError(`reply ${replyId} is not a reply of workspace ${workspaceId}: list replies with \`prospector replies list\``);
  return row;
}

async function loadTone(sql: Sql, workspaceId: string): Promise<Tone> {
  const t = await sql.query<{ formality: number; warmth: number; directness: number; language: string; max_words: number; call_to_action: string; banned_phrases: string[]; sample_email: string | null }>(
    `SELECT formality::float8 AS formality, warmth::float8 AS warmth, directness::float8 AS directness, language, max_words, call_to_action,
            to_jsonb(banned_phrases) AS banned_phrases, sample_email
       FROM tone_of_voice WHERE workspace_id = :ws::uuid`,
    { ws: workspaceId },
  );
  const row = t.rows[0];
  if (!row) throw new ProspectorError(`workspace ${workspaceId} has no tone of voice: import an onboarding file first`);
  return {
    formality: row.formality, warmth: row.warmth, directness: row.directness, language: row.language, maxWords: row.max_words,
    callToAction: row.call_to_action, bannedPhrases: row.banned_phrases, sampleEmail: row.sample_email,
  };
}

/**
 * The rep who answers: the sequence's rep, else the workspace's first admin, else its first user.
 * A sequence's rep who is no longer a user still answers, signed as the sequence was
 * (`signature`): approval is refused until the response is handed over to a rep
 * (lambdas/core/outreach/hand-over.ts), rather than signed by someone the thread never heard from.
 */
async function loadRep(sql: Sql, workspaceId: string, preferred: string | null, signature: string | null): Promise<Rep> {
  const users = await sql.query<{ email: string; name: string; signature: string | null; role: string }>(
    `SELECT email, name, signature, role FROM app_user WHERE workspace_id = :ws::uuid ORDER BY (role = 'admin') DESC, email`,
    { ws: workspaceId },
  );
  const departed = preferred !== null && signature && !users.rows.some((u) => u.email === preferred);
  if (departed) return { email: preferred, name: signature.split('\n')[0].trim(), signature };
  const rep = users.rows.find((u) => u.email === preferred) ?? users.rows[0];
  if (!rep) throw new ProspectorError(`workspace ${workspaceId} has no users: import an onboarding file first`);
  return { email: preferred ?? rep.email, name: rep.name, signature: rep.signature };
}

/** The reply's new text: the stored mail parsed again, quoted history and signature removed. */
async function replyText(lake: Lake, rawKey: string): Promise<string> {
  const raw = await lake.get(rawKey);
  if (!raw) throw new ProspectorError(`the reply's mail is missing from the lake (${rawKey}): import it again`);
  return newText(await parseMail(raw, { source: rawKey }));
}

/** What the sender wrote in a mail: its text without the quoted history and signature. */
export function newText(mail: Pick<InboundMail, 'text'>): string {
  return stripReply(mail.text).text.trim();
}

/** The questions to answer: the classifier's, else those asked in the text, else (an objection) the text. */
export function questionsOf(label: string, classified: string[], text: string): string[] {
  const clean = (q: string) => q.replace(/\s+/g, ' ').trim();
  if (classified.length > 0) return classified.map(clean).filter(Boolean).slice(0, MAX_QUESTIONS);
  const asked = splitSentences(text).map((s) => clean(s.text)).filter((s) => s.endsWith('?') && s.length > 3);
  if (asked.length > 0) return asked.slice(0, MAX_QUESTIONS);
  if (label === 'objection' && text.trim()) return [clean(text).slice(0, 300)];
  return [];
}

/** Each question with its passages; the union of passages in first-retrieved order. */
export function retrieveFor(index: KnowledgeIndex, questions: string[]): { questions: ResponseQuestion[]; passages: KnowledgePassage[] } {
  const passages: KnowledgePassage[] = [];
  const out = questions.map((question) => {
    const hits = index.retrieve(question, PASSAGES_PER_QUESTION);
    for (const h of hits) {
      if (!passages.some((p) => p.id === h.id) && passages.length < MAX_PROMPT_PASSAGES) {
        const { score: _score, coverage: _coverage, ...p } = h;
        passages.push(p);
      }
    }
    const kept = hits.filter((h) => passages.some((p) => p.id === h.id));
    return { question, passageIds: kept.map((h) => h.id), answered: (kept[0]?.coverage ?? 0) >= MIN_COVERAGE };
  });
  return { questions: out, passages };
}

// ---------------------------------------------------------------------------------------------
// Writing

interface Composition {
  evidence: ResponseEvidence;
  questions: ResponseQuestion[];
  label: string;
  firstName: string;
  text: string;
  tone: Tone;
  rep: Rep;
  sellerName: string;
}

const inQuotes = (s: string) => `"${s.replace(/["“”]/g, "'")}"`;

function greeting(tone: Tone, first: string): string {
  const formal = tone.formality >= 0.7;
  const casual = tone.formality < 0.4;
  return first ? `${formal ? 'Dear' : casual ? 'Hey' : 'Hi'} ${first},` : formal ? 'Hello,' : 'Hi there,';
}

function signed(body: string, c: Pick<Composition, 'tone' | 'rep'>): string {
  return `${body.trim()}\n\n${signOffFor(c.tone as Onboarding['tone'])}\n${(c.rep.signature ?? c.rep.name).trim()}`;
}

/**
 * The offline template: thanks, then per question the prospect's words and the top passage
 * quoted word for word with its citation on every sentence (and on the line that names where it
 * comes from), or a plain "I'll confirm" for the rep; the call to action; the signature.
 */
export function templateResponse(c: Composition): { body: string; repItems: string[] } {
  const opening = {
    interested: 'Thanks for getting back to me.',
    needs_info: 'Thanks for the questions. Here is what our documentation says.',
    objection: 'Thanks for telling me where things stand.',
  }[c.label as (typeof RESPONDING_LABELS)[number]] ?? 'Thanks for your reply.';
  const parts = [greeting(c.tone, c.firstName), opening];
  const repItems: string[] = [];
  for (const q of c.questions) {
    const index = c.evidence.passages.findIndex((p) => p.id === q.passageIds[0]);
    if (!q.answered || index < 0) {
      parts.push(`You asked: ${inQuotes(q.question)} I'll confirm that with the team and come back to you.`);
      repItems.push(q.question);
      continue;
    }
    const p = c.evidence.passages[index];
    const id = localPassageId(index);
    const where = p.heading ? p.heading.split(' > ').at(-1)! : p.documentTitle;
    const quoted = withCitationMarkers(p.text, splitSentences(p.text).map((_, i) => ({ sentenceIndex: i, facts: [{ localId: id }] })));
    // The attribution names the document and its section, words of the passage's own heading:
    // it cites the passage too, or a title that is a name ("Tallyhand FAQ") would be a specific
    // backed only by a passage cited in another sentence.
    parts.push(`You asked: ${inQuotes(q.question)} From our ${p.documentTitle} (${where.replace(/[?.!]+$/, '')}): [${id}]\n${quoted}`);
  }
  parts.push(c.tone.callToAction);
  return { body: signed(parts.join('\n\n'), c), repItems };
}

const RespondAnswer = z.object({
  body: z.string().min(1).max(8000),
  repItems: z.array(z.string().min(1).max(400)).max(10),
});
type RespondAnswer = z.infer<typeof RespondAnswer>;

/** `response_format.json_schema` for the response call. */
export const RESPOND_JSON_SCHEMA = defineAnswer({ pass: 'respond', schema: RespondAnswer, jsonSchemaName: 'reply_response', format: '' }).jsonSchema.schema;

/** The answer schema for one prompt: the body may cite only the passages given. */
function checkedAnswer(allowed: string[]): z.ZodType<RespondAnswer> {
  return RespondAnswer.superRefine((a, ctx) => {
    for (const marker of stripCitations(a.body).markers) {
      for (const id of marker.ids) {
        if (!allowed.includes(id)) ctx.addIssue({ code: 'custom', path: ['body'], message: `cites ${id}, which is not among the passages given (${allowed.join(', ') || 'none'})` });
      }
    }
  });
}

/** The response prompt: the data block (questions, passages, seller, tone) and the reply's new text. */
export function buildRespondPrompt(c: Composition, strict: boolean): { system: string; user: string } {
  const data = {
    prospect: { name: c.evidence.lead.name, company: c.evidence.lead.companyName },
    label: c.label,
    seller: { name: c.sellerName, rep: c.rep.name },
    questions: c.questions.map((q) => ({
      question: q.question,
      passages: q.passageIds.map((id) => localPassageId(c.evidence.passages.findIndex((p) => p.id === id))),
      answerable: q.answered,
    })),
    passages: c.evidence.passages.map((p, i) => ({ id: localPassageId(i), source: [p.documentTitle, p.heading].filter(Boolean).join(' > '), text: p.text })),
    tone: { instructions: toneInstructions(c.tone as Onboarding['tone']).slice(0, 3), callToAction: c.tone.callToAction, bannedPhrases: c.tone.bannedPhrases },
  };
  return {
    system: RESPOND_PROMPT.system,
    user: renderTemplate(RESPOND_PROMPT.user, {
      data: blockJson(data),
      reply: neutraliseDelimiters(c.text.slice(0, MAX_PROMPT_REPLY_CHARS) || '(no new text)'),
      answerFormat: strict ? '' : (RESPOND_PROMPT.format ?? ''),
    }),
  };
}

async function llmResponse(c: Composition, deps: RespondDeps): Promise<{ answer: RespondAnswer | null; reason: string | null; calls: LlmCallRecord[]; model: string }> {
  const model = deps.model ?? DEFAULT_MODELS.synthesis;
  const calls = ledgerFor(
    { ...deps, archive: deps.archive ?? lakeArchive(deps.lake, { workspaceId: c.evidence.workspaceId }) },
    {
      promptTokenBudget: 6000,
      subject: { domain: c.evidence.lead.domain ?? c.evidence.lead.email.split('@')[1] ?? 'unknown', companyName: c.evidence.lead.companyName },
      reasoningTokens: 1500,
      reasoningEffort: 'low',
    },
  );
  const allowed = c.evidence.passages.map((_, i) => localPassageId(i));
  const spec = defineAnswer({ pass: 'respond', schema: checkedAnswer(allowed), jsonSchemaName: 'reply_response', jsonSchema: RESPOND_JSON_SCHEMA, format: RESPOND_PROMPT.format ?? '' });
  try {
    const result = await calls.ask({
      answer: spec,
      model,
      template: RESPOND_PROMPT,
      prompt: buildRespondPrompt(c, supportsStrictJsonSchema(model)),
      promptVersion: RESPOND_PROMPT_VERSION,
      maxTokens: 1200,
      context: { passages: c.evidence.passages.map((p) => p.id), questions: c.questions.length },
      whenNoRepairBudget: 'skip',
    });
    const used = calls.records.at(-1)?.model ?? model;
    if (result.kind === 'skipped') return { answer: null, reason: 'the response prompt did not fit the token budget', calls: calls.records, model: used };
    return { answer: result.value, reason: null, calls: calls.records, model: used };
  } catch (error) {
    if (!(error instanceof LlmOutputError)) throw error;
    return { answer: null, reason: `the model's answer was invalid after one repair (${error.message})`, calls: calls.records, model };
  }
}

/** An archive for LLM exchanges under `llm/dt=.../<call-id>.json`, with extra fields recorded. */
export function lakeArchive(lake: Lake, extra: Record<string, unknown>): LlmPassDeps['archive'] {
  return async (record, callId, at) => {
    const key = lakeKeys.llmCall(at, callId);
    await lake.put(key, JSON.stringify({ ...record, ...extra }), { contentType: 'application/json' });
    return key;
  };
}

/** Drafts the response to one reply; see the module comment. Idempotent per reply. */
export async function draftReplyResponse(deps: RespondDeps, input: { workspaceId: string; replyId: string }): Promise<ResponseDraftResult> {
  const { sql, lake } = deps;
  const { workspaceId, replyId } = input;
  const existing = await existingResponse(sql, replyId);
  if (existing) return existing;
  const reply = await loadReply(sql, workspaceId, replyId);
  if (!reply.classification || !(RESPONDING_LABELS as readonly string[]).includes(reply.classification)) {
    return { status: 'skipped', reason: `labelled ${reply.classification ?? 'nothing'}: responses are drafted for ${RESPONDING_LABELS.join(', ')}` };
  }
  if (reply.needs_review) return { status: 'skipped', reason: 'the label waits for a rep\'s review: no response until it is confirmed' };

  const text = await replyText(lake, reply.raw_key);
  const index = new KnowledgeIndex(await loadPassages(sql, workspaceId));
  const { questions, passages } = retrieveFor(index, questionsOf(reply.classification, reply.questions ?? [], text));
  const [tone, rep, seller, company] = [
    await loadTone(sql, workspaceId),
    await loadRep(sql, workspaceId, reply.rep_email, reply.rep_signature),
    await loadSellerEvidence(sql, workspaceId),
    (await sql.query<{ name: string }>(`SELECT name FROM seller_company WHERE workspace_id = :ws::uuid`, { ws: workspaceId })).rows[0],
  ];
  const email = reply.lead_email ?? reply.from_email;
  const name = reply.lead_name ?? '';
  const c: Composition = {
    evidence: {
      workspaceId,
      lead: { name, companyName: reply.company_name ?? email.split('@')[1] ?? '', title: reply.lead_title, domain: reply.domain, email },
      passages,
      prospectWords: [...questions.map((q) => q.question), text, reply.subject ?? ''].filter(Boolean),
      seller,
      tone: { maxWords: tone.maxWords, bannedPhrases: tone.bannedPhrases, signature: rep.signature },
    },
    questions,
    label: reply.classification,
    firstName: name.trim().split(/\s+/)[0] ?? '',
    text,
    tone,
    rep,
    sellerName: company?.name ?? '',
  };

  let source: 'llm' | 'template' = 'template';
  let model: string | null = null;
  let templateReason: string | null = null;
  let calls: LlmCallRecord[] = [];
  let written = templateResponse(c);
  if (deps.llm.provider === 'offline-heuristic') {
    // the offline provider has no model: the template is the answer, labelled as such
  } else if (passages.length === 0 && questions.length > 0) {
    templateReason = 'no passage of the knowledge matched the questions: nothing for a model to answer from';
  } else {
    const asked = await llmResponse(c, deps);
    calls = asked.calls;
    if (asked.answer) {
      source = 'llm';
      model = asked.model;
      written = { body: signed(asked.answer.body, c), repItems: asked.answer.repItems };
    } else templateReason = asked.reason;
  }
  const subject = `Re: ${(reply.subject ?? '').replace(/^\s*(?:(?:re|aw|sv|fwd?)\s*:\s*)+/i, '').trim() || 'your reply'}`.slice(0, 200);
  const report = checkResponse(c.evidence, subject, written.body);
  const saved = await saveResponse(sql, {
    id: (deps.newId ?? randomUUID)(),
    workspaceId,
    replyId,
    leadId: reply.lead_id,
    toEmail: reply.from_email,
    repEmail: rep.email,
    source,
    model,
    promptVersion: source === 'llm' ? RESPOND_PROMPT_VERSION : RESPONSE_TEMPLATE_VERSION,
    questions,
    repItems: written.repItems,
    report,
    passages,
  });
  if (!saved) return (await existingResponse(sql, replyId))!;
  return { status: 'drafted', responseId: saved, grounding: report.verdict, source, templateReason, repItems: written.repItems, calls };
}

async function existingResponse(sql: Sql, replyId: string): Promise<ResponseDraftResult | undefined> {
  const r = await sql.query<{ id: string; grounding: 'unchecked' | 'grounded' | 'flagged' | 'blocked'; source: 'llm' | 'template'; rep_items: string[] }>(
    `SELECT id, grounding, source, rep_items FROM reply_response WHERE reply_id = :id::uuid`,
    { id: replyId },
  );
  const row = r.rows[0];
  return row ? { status: 'exists', responseId: row.id, grounding: row.grounding, source: row.source, templateReason: null, repItems: row.rep_items, calls: [] } : undefined;
}

/** The passage ids of a report's cited sentences, by sentence (local `k1` ids or full ids). */
export function citedPassages(report: GroundingReport, passages: KnowledgePassage[]): { index: number; sentence: string; passageIds: string[] }[] {
  const byLocal = new Map(passages.map((p, i) => [localPassageId(i), p.id]));
  const ids = new Set(passages.map((p) => p.id));
  return report.sentences
    .map((s) => ({ index: s.index, sentence: s.text, passageIds: [...new Set(s.validFactIds.map((id) => byLocal.get(id) ?? (ids.has(id) ? id : undefined)).filter((x): x is string => !!x))] }))
    .filter((s) => s.passageIds.length > 0);
}

/** Writes the checker's findings and citations of a response (its old ones deleted first). */
export async function writeResponseEvidence(tx: Sql, responseId: string, workspaceId: string, report: GroundingReport, passages: KnowledgePassage[]): Promise<number> {
  await replaceFindings(tx, 'reply_response', responseId, report.findings);
  await tx.query(`DELETE FROM reply_response_citation WHERE response_id = :id::uuid`, { id: responseId });
  const cited = citedPassages(report, passages);
  for (const s of cited) {
    for (const passageId of s.passageIds) {
      await tx.query(
        `INSERT INTO reply_response_citation (response_id, workspace_id, sentence_index, sentence, passage_id) VALUES (:id::uuid, :ws::uuid, :index, :sentence, :passage)`,
        { id: responseId, ws: workspaceId, index: s.index, sentence: s.sentence, passage: passageId },
      );
    }
  }
  return cited.length;
}

/** Inserts the response with its evidence in one transaction; undefined when the reply already has one. */
async function saveResponse(
  sql: Sql,
  r: {
    id: string; workspaceId: string; replyId: string; leadId: string | null; toEmail: string; repEmail: string; source: 'llm' | 'template';
    model: string | null; promptVersion: string; questions: ResponseQuestion[]; repItems: string[]; report: GroundingReport; passages: KnowledgePassage[];
  },
): Promise<string | undefined> {
  return sql.transaction(async (tx) => {
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO reply_response (id, workspace_id, reply_id, lead_id, to_email, rep_email, subject, body, source, model, prompt_version,
                                   questions, rep_items, grounding, checker_version, checked_at)
       VALUES (:id::uuid, :ws::uuid, :reply::uuid, :lead::uuid, :to, :rep, :subject, :body, :source, :model, :version,
               :questions::jsonb, :repItems::jsonb, :grounding, :checker, clock_timestamp())
       ON CONFLICT (reply_id) DO NOTHING RETURNING id`,
      {
        id: r.id, ws: r.workspaceId, reply: r.replyId, lead: r.leadId, to: r.toEmail.toLowerCase(), rep: r.repEmail.toLowerCase(),
        subject: r.report.subject, body: r.report.body, source: r.source, model: r.model, version: r.promptVersion,
        questions: JSON.stringify(r.questions), repItems: JSON.stringify(r.repItems), grounding: r.report.verdict, checker: r.report.checkerVersion,
      },
    );
    const id = inserted.rows[0]?.id;
    if (!id) return undefined;
    await writeResponseEvidence(tx, id, r.workspaceId, r.report, r.passages);
    return id;
  });
}

/** The step's output: ids and the verdict, never words (state payloads stay small). */
export interface DraftResponseOutput {
  replyId: string;
  responseId: string | null;
  status: ResponseDraftResult['status'];
  grounding: string | null;
  source: string | null;
  /** why nothing was drafted, or why the template wrote when a model was configured */
  reason: string | null;
}

/** The step's input, as a state machine passes it. */
export const DraftResponseInput = z.object({ workspaceId: z.string().uuid(), replyId: z.string().uuid() });

/**
 * The response draft as a state machine step: parses its input, drafts (or finds) the response,
 * returns small JSON (ids and verdict, never words).
 */
export async function draftResponseStep(
  deps: { sql: Sql; lake: Lake; llm: LlmPassDeps['llm']; clock?: { now(): Date }; newId?: () => string; config?: { draftModel?: string; synthesisModel?: string } },
  input: unknown,
): Promise<DraftResponseOutput> {
  const { workspaceId, replyId } = DraftResponseInput.parse(input);
  const model = deps.config?.draftModel ?? deps.config?.synthesisModel;
  const result = await draftReplyResponse(
    {
      sql: deps.sql,
      lake: deps.lake,
      llm: deps.llm,
      ...(model ? { model } : {}),
      ...(deps.clock ? { now: () => deps.clock!.now() } : {}),
      ...(deps.newId ? { newId: deps.newId } : {}),
    },
    { workspaceId, replyId },
  );
  if (result.status === 'skipped') return { replyId, responseId: null, status: 'skipped', grounding: null, source: null, reason: result.reason };
  return { replyId, responseId: result.responseId, status: result.status, grounding: result.grounding, source: result.source, reason: result.templateReason };
}
