/**
 * `prospector drafts list|show|approve|edit|reject|stats`: the approval queue. Nothing is
 * sendable until a rep approves it here; a blocked draft is never approved as it is, a flagged
 * one only with a reason; an edit is checked again by the grounding checker and kept as
 * before/after; `stats` shows how much reps change drafts and which phrases they keep deleting.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ProspectorError } from '#core/errors.ts';
import type { EditStats } from '#core/outreach/edit-stats.ts';
import type { EditResult, FlagFilter, MessageView, SequenceFilter, SequenceStatus, SequenceView, StepView } from '#core/outreach/repository.ts';
import type { ResponseView } from '#core/replies/response-repository.ts';
import type { Sql } from '#core/ports.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { chosenWorkspace, resolveRepEmail, resolveRunId, resolveWorkspace, type WorkspaceChoice } from './resolve.ts';

// The repository pulls in the checker and zod: loaded when a command runs, not for --help.
const repository = () => import('#core/outreach/repository.ts');
// Responses to replies share the queue (lambdas/core/replies/response-repository.ts).
const responses = () => import('#core/replies/response-repository.ts');

/** The response draft an id (or its 6+ character prefix) names, when it names one. */
async function responseNamed(sql: Sql, id: string, workspaceId: string | null): Promise<string | undefined> {
  const { findResponseId } = await responses();
  return findResponseId(sql, id, workspaceId);
}

const short = (id: string) => id.slice(0, 8);
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const kindName = (kind: string) => kind.replace(/_/g, ' ');

// ---------------------------------------------------------------------------------------------
// Filters

interface FilterOptions {
  run?: string;
  icp?: string;
  status?: string;
  flag?: string;
  rep?: string;
}

/** The user's filters as the repository takes them; every bad value is named with the good ones. */
async function toFilter(sql: Sql, opts: FilterOptions, choice: WorkspaceChoice | undefined, workspaceId: string | null): Promise<SequenceFilter> {
  const { SEQUENCE_STATUSES } = await repository();
  const { GROUNDING_RULES } = await import('#core/outreach/grounding.ts');
  if (opts.status && !SEQUENCE_STATUSES.includes(opts.status as SequenceStatus)) {
    throw new ProspectorError(`--status ${opts.status}: not a sequence status; use one of ${SEQUENCE_STATUSES.join(', ')}`);
  }
  if (opts.flag && opts.flag !== 'any' && opts.flag !== 'none' && !(GROUNDING_RULES as readonly string[]).includes(opts.flag)) {
    throw new ProspectorError(`--flag ${opts.flag}: not a checker rule; use any, none or one of ${GROUNDING_RULES.join(', ')}`);
  }
  if (opts.icp) {
    const icps = await sql.query<{ slug: string }>(
      `SELECT DISTINCT slug FROM icp WHERE :ws::uuid IS NULL OR workspace_id = :ws::uuid ORDER BY slug`,
      { ws: workspaceId },
    );
    if (!icps.rows.some((i) => i.slug === opts.icp)) {
      throw new ProspectorError(`--icp ${opts.icp}: no such ICP; use one of ${icps.rows.map((i) => i.slug).join(', ') || '(none onboarded)'}`);
    }
  }
  const repEmail = opts.rep === undefined ? null : await resolveRepEmail(sql, opts.rep, workspaceId === null ? null : { id: workspaceId, where: 'the workspace' });
  return {
    workspaceId,
    runId: opts.run ? await resolveRunId(sql, opts.run, choice) : null,
    repEmail,
    icpSlug: opts.icp ?? null,
    status: (opts.status as SequenceStatus | undefined) ?? null,
    flag: (opts.flag as FlagFilter | undefined) ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Text

function flagSummary(s: SequenceView): string {
  const parts = Object.entries(s.flagCounts).map(([rule, n]) => (n! > 1 ? `${rule}×${n}` : rule));
  return parts.join(', ');
}

/** `drafts list` as a table. */
export function formatList(views: SequenceView[], held: ReadonlyMap<string, string> = new Map()): string {
  if (views.length === 0) return 'No sequence matches. Drafts are written after research for leads at or above their ICP\'s fit threshold (`prospector run`).';
  const rows = views.map((s) => ({
    id: short(s.id),
    status: s.status,
    lead: s.lead.email,
    company: s.lead.company,
    icp: s.icp ?? '',
    rep: `${s.repEmail}${s.repIsUser ? '' : ' (no longer a user)'}`,
    fit: s.fitScore ?? '',
    source: s.source,
    verdict: s.grounding ?? '',
    flags: flagSummary(s),
    created: when(s.createdAt),
  }));
  const pending = views.filter((s) => s.status === 'draft').length;
  // stopped (a reply, an opt-out, an exclusion), rejected (the rep's reason) or paused (out of office): each with its reason
  const ended = views.filter((s) => s.statusReason && (s.status === 'stopped' || s.status === 'rejected' || s.status === 'paused'));
  const templates = views.some((s) => s.source === 'template');
  const orphaned = views.filter((s) => s.status === 'draft' && !s.repIsUser);
  return [
    table(rows, 48),
    '',
    `${views.length} sequence(s), ${pending} awaiting review. \`prospector drafts show ID\` shows one with its evidence.`,
    ...(templates ? ['source "template": written from verified facts and the seller’s onboarding data, without a language model'] : []),
    ...(held.size
      ? ['', `Not to be contacted now (approval is refused: reject them with the reason):`, ...views.filter((v) => held.has(v.id)).map((v) => `  ${short(v.id)} ${v.lead.email}: ${held.get(v.id)}`)]
      : []),
    ...(orphaned.length
      ? [
          '',
          'Their rep is no longer a user (approval is refused: hand them to a rep with `prospector reps hand-over EMAIL --to REP`, or reject them):',
          ...orphaned.map((v) => `  ${short(v.id)} ${v.lead.email}: ${v.repEmail}`),
        ]
      : []),
    ...(ended.length ? ['', 'Why they ended or wait:', ...ended.map((v) => `  ${short(v.id)} ${v.status}: ${v.statusReason}`)] : []),
  ].join('\n');
}

function formatMessage(m: MessageView, s: SequenceView, withMarkers: (m: MessageView) => string): string[] {
  const variant = m.variant ? `Variant ${m.variant} (${m.angle})` : `${m.angle}`;
  const sendNote = m.variant ? (m.sendable ? (s.assignedVariant ? ' · the variant this lead gets' : ' · no variant assigned yet') : ' · not this lead\'s variant: never sent') : '';
  const out = [`  ${variant} · message ${short(m.id)} · ${m.grounding}${m.edits ? ` · edited ${m.edits}×` : ''}${sendNote}`];
  if (m.source === 'llm' && m.model) out.push(`    written by ${m.model} (${m.promptVersion})`);
  else if (m.source === 'template') out.push(`    template ${m.promptVersion}`);
  if (m.subject !== null) out.push(`    Subject: ${m.subject}`);
  out.push(...withMarkers(m).split('\n').map((line) => `    | ${line}`));
  if (m.citations.length) {
    out.push('    Evidence:');
    for (const c of m.citations) {
      out.push(`      "${oneLine(c.sentence)}"`);
      for (const f of c.facts) out.push(`        ${f.localId}: "${oneLine(f.quote)}" (${f.sourceUrl})`);
    }
  }
  if (m.flags.length) {
    out.push('    Risk flags:');
    for (const f of m.flags) out.push(`      ${f.severity === 'block' ? 'BLOCK' : 'warn '} ${f.rule}: ${f.detail}${f.excerpt ? ` (in "${oneLine(f.excerpt).slice(0, 120)}")` : ''}`);
  }
  return out;
}

/** `drafts show` as text. */
export function formatShow(s: SequenceView, withMarkers: (m: MessageView) => string, held?: string): string {
  const l = s.lead;
  const out = [
    `Sequence ${s.id} · ${s.status}${s.statusReason ? ` (${s.statusReason})` : ''} · workspace ${s.workspace}`,
    ...(held ? [`  Not to be contacted now: ${held} (approval is refused: reject it with the reason)`] : []),
    ...(s.status === 'draft' && !s.repIsUser
      ? [`  Its rep ${s.repEmail} is no longer a user (approval is refused): \`prospector reps hand-over ${s.repEmail} --to REP\` gives it to a rep, re-signed`]
      : []),
    `  to ${l.name} <${l.email}>${l.title ? `, ${l.title}` : ''} at ${l.company} (${l.domain})`,
    `  ICP ${s.icp ?? '–'} · persona ${s.persona} · rep ${s.repEmail}${s.handedOver ? ` (handed over from ${s.handedOver.from} on ${when(s.handedOver.at)}${s.handedOver.by ? ` by ${s.handedOver.by}` : ''})` : ''} · fit ${s.fitScore === null ? '–' : `${s.fitScore}/100`}${s.runId ? ` · run ${short(s.runId)}` : ''}${s.personalised ? '' : ' · generic (not enough evidence to personalise)'}`,
    s.templateLabel ? `  source: ${s.templateLabel}` : '  source: language model',
  ];
  if (s.experiment) out.push(`  experiment ${s.experiment.name}: ${s.assignedVariant ? `this lead gets variant ${s.assignedVariant}` : 'no variant assigned yet (both are judged)'}`);
  out.push(`  verdict: ${s.grounding ?? '–'}${flagSummary(s) ? ` · flags: ${flagSummary(s)}` : ''}`);
  for (const d of s.decisions) {
    out.push(`  ${d.decision} by ${d.autopilot ? 'autopilot' : (d.by ?? '?')} on ${when(d.decidedAt)} UTC${d.reason ? `: ${d.reason}` : ''}${d.flagsOverridden ? ` (${d.flagsOverridden} flag(s) overridden)` : ''}`);
  }
  for (const step of s.steps) {
    out.push('', `Step ${step.position} · ${kindName(step.kind)} · day ${step.dayOffset}`);
    for (const m of step.messages) out.push(...formatMessage(m, s, withMarkers));
  }
  if (s.status === 'draft') {
    out.push(
      '',
      `Next: prospector drafts approve ${short(s.id)}${s.grounding === 'flagged' ? ' --reason "…"' : ''} · prospector drafts edit MESSAGE_ID · prospector drafts reject ${short(s.id)} --reason "…"`,
    );
    if (s.grounding === 'blocked') out.push('Blocked: edit the blocked message(s) first; a blocked draft is never approved as it is.');
  }
  return out.join('\n');
}

/** Response drafts (answers to replies) as a table, under the sequences. */
export function formatResponseList(views: ResponseView[]): string {
  if (views.length === 0) return '';
  const rows = views.map((r) => ({
    id: short(r.id),
    status: r.status,
    to: r.toEmail,
    rep: `${r.repEmail}${r.repIsUser ? '' : ' (no longer a user)'}`,
    label: r.reply.label ?? '',
    source: r.source,
    verdict: r.grounding,
    flags: Object.entries(r.flagCounts).map(([rule, n]) => (n! > 1 ? `${rule}×${n}` : rule)).join(', '),
    'for the rep': r.repItems.length ? `${r.repItems.length} to confirm` : '',
    created: when(r.createdAt),
  }));
  const pending = views.filter((r) => r.status === 'draft').length;
  return [
    'Responses to replies:',
    table(rows, 48),
    '',
    `${views.length} response(s), ${pending} awaiting review.${views.some((r) => r.source === 'template') ? ' source "template": quotes the knowledge passages retrieved for each question, without a language model.' : ''}`,
  ].join('\n');
}

/** `drafts show` of a response draft as text. */
export function formatResponse(r: ResponseView, withMarkers: (r: ResponseView) => string): string {
  const out = [
    `Response ${r.id} · ${r.status} · workspace ${r.workspace}`,
    `  to ${r.lead?.name ? `${r.lead.name} <${r.toEmail}>` : r.toEmail}${r.lead?.company ? ` at ${r.lead.company}` : ''} · rep ${r.repEmail}${r.repIsUser ? '' : ' (no longer a user: approval is refused until it is handed over, `prospector reps hand-over`)'}${r.handedOverFrom ? ` (handed over from ${r.handedOverFrom}${r.handedOverBy ? ` by ${r.handedOverBy}` : ''})` : ''}`,
    `  answers the reply of ${when(r.reply.receivedAt)} UTC labelled ${r.reply.label ?? '–'}: "${oneLine(r.reply.subject ?? '')}"`,
    r.templateLabel ? `  source: ${r.templateLabel}` : `  source: language model ${r.model ?? ''} (${r.promptVersion})`,
    `  verdict: ${r.grounding}${r.edits ? ` · edited ${r.edits}×` : ''}`,
  ];
  if (r.decision) out.push(`  ${r.decision.decision} by ${r.decision.by} on ${when(r.decision.decidedAt)} UTC${r.decision.reason ? `: ${r.decision.reason}` : ''}${r.decision.flagsOverridden ? ` (${r.decision.flagsOverridden} flag(s) overridden)` : ''}`);
  out.push('', 'Questions:');
  for (const q of r.questions) {
    const ids = q.passageIds.map((id) => r.passages.find((p) => p.id === id)?.localId ?? id);
    out.push(`  "${oneLine(q.question)}" → ${q.answered ? `answered from ${ids.join(', ')}` : `for the rep to confirm${ids.length ? ` (closest: ${ids.join(', ')})` : ''}`}`);
  }
  if (r.repItems.length) out.push('', 'Must come from the rep before this goes out:', ...r.repItems.map((i) => `  - ${i}`));
  out.push('');
  if (r.subject !== null) out.push(`Subject: ${r.subject}`);
  out.push(...withMarkers(r).split('\n').map((line) => `  | ${line}`));
  if (r.passages.length) {
    out.push('', 'Passages retrieved (the only ones it may cite):');
    for (const p of r.passages) out.push(`  ${p.localId} ${p.id} · ${p.documentTitle}${p.heading ? ` > ${p.heading.split(' > ').slice(1).join(' > ') || p.heading}` : ''}: "${oneLine(p.text).slice(0, 160)}"`);
  }
  if (r.flags.length) {
    out.push('', 'Risk flags:');
    for (const f of r.flags) out.push(`  ${f.severity === 'block' ? 'BLOCK' : 'warn '} ${f.rule}: ${f.detail}${f.excerpt ? ` (in "${oneLine(f.excerpt).slice(0, 120)}")` : ''}`);
  }
  if (r.status === 'draft') {
    out.push('', `Next: prospector drafts approve ${short(r.id)}${r.grounding === 'flagged' ? ' --reason "…"' : ''} · prospector drafts edit ${short(r.id)} · prospector drafts reject ${short(r.id)} --reason "…"`);
    if (r.grounding === 'blocked') out.push('Blocked: edit it first; a blocked draft is never approved as it is.');
  }
  return out.join('\n');
}

function formatEdit(r: EditResult, where: string): string {
  const out = [`${r.changed ? 'Saved' : 'Unchanged; checked again'}: ${where} is now ${r.grounding}${r.before !== r.grounding ? ` (was ${r.before})` : ''} · ${r.citedSentences} cited sentence(s)`];
  for (const f of r.findings) out.push(`  ${f.severity === 'block' ? 'BLOCK' : 'warn '} ${f.rule}: ${f.detail}`);
  if (r.grounding === 'blocked') out.push(`It cannot be approved until edited again: prospector drafts edit ${short(r.messageId)}`);
  else if (r.grounding === 'flagged') out.push(`Approve over the flags with a reason: prospector drafts approve ${short(r.sequenceId)} --reason "…"`);
  else out.push(`Approve it: prospector drafts approve ${short(r.sequenceId)}`);
  return out.join('\n');
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

/** `drafts stats` as text. */
export function formatStats(s: EditStats): string {
  const rows = (xs: (EditStats['overall'] & { label: string })[], key: string) =>
    table(xs.map((x) => ({ [key]: x.label, messages: x.messages, edited: x.edited, 'characters edited': pct(x.editedShare) })));
  const out = [
    `How much reps change drafts (workspace ${s.workspace}): ${pct(s.overall.editedShare)} of characters edited over ${s.overall.messages} approved message(s), ${s.overall.edited} of them edited.`,
  ];
  if (s.overall.messages === 0) out.push('No draft approved by a person yet: approve some with `prospector drafts approve`.');
  else {
    out.push('', 'Per ISO week of approval:', rows(s.byWeek.map((w) => ({ ...w, label: w.week })), 'week'), '', 'Per variant (none: steps after the first touch):', rows(s.byVariant.map((v) => ({ ...v, label: v.variant })), 'variant'));
  }
  out.push('', `Phrases reps deleted from ${s.minEdits}+ different messages (${s.editedMessagesRead} edited message(s) read):`);
  if (s.proposedBannedPhrases.length === 0) out.push('  none yet');
  for (const p of s.proposedBannedPhrases) out.push(`  "${p.phrase}" deleted in ${p.edits} messages`);
  if (s.proposedBannedPhrases.length) out.push('Add the ones you agree with to tone.bannedPhrases in the onboarding file and run `prospector onboard FILE` again.');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Editing

const SUBJECT_LINE = /^Subject:[ \t]*(.*)\r?\n(?:\r?\n)?/;

/** Splits an edited file into subject (a first `Subject:` line) and body. */
export function parseEdited(text: string): { subject: string | undefined; body: string } {
  const m = SUBJECT_LINE.exec(text);
  if (!m) return { subject: undefined, body: text.replace(/\s+$/, '') };
  return { subject: m[1].trim(), body: text.slice(m[0].length).replace(/\s+$/, '') };
}

/** What the editor opens: the subject line (emails), a blank line, the body with `[f1]` markers. */
export function editableText(m: MessageView, withMarkers: (m: MessageView) => string): string {
  return `${m.subject !== null ? `Subject: ${m.subject}\n\n` : ''}${withMarkers(m)}\n`;
}

/** Runs $VISUAL or $EDITOR on a file (through the shell, so `code --wait` works). */
function runEditor(file: string): void {
  const editor = process.env.VISUAL?.trim() || process.env.EDITOR?.trim();
  if (!editor) throw new ProspectorError('no --body-file given and neither $VISUAL nor $EDITOR is set: set EDITOR (e.g. EDITOR=nano) or pass --body-file FILE');
  const r = spawnSync(`${editor} "$PROSPECTOR_EDIT_FILE"`, { shell: true, stdio: 'inherit', env: { ...process.env, PROSPECTOR_EDIT_FILE: file } });
  if (r.error) throw new ProspectorError(`could not start the editor "${editor}": ${r.error.message}`);
  if (r.status !== 0) throw new ProspectorError(`the editor "${editor}" exited with ${r.status ?? r.signal}: nothing was saved`);
}

/** The message an edit is about: a message id, or a sequence id with --step and --variant. */
function pickMessage(view: SequenceView, messageId: string | null, opts: { step?: string; variant?: string }): { step: StepView; message: MessageView } {
  if (messageId) {
    for (const step of view.steps) for (const message of step.messages) if (message.id === messageId) return { step, message };
  }
  const position = opts.step === undefined ? 1 : Number(opts.step);
  const step = view.steps.find((s) => s.position === position);
  if (!step) throw new ProspectorError(`--step ${opts.step}: sequence ${short(view.id)} has steps ${view.steps.map((s) => s.position).join(', ')}`);
  if (opts.variant !== undefined && opts.variant !== 'a' && opts.variant !== 'b') throw new ProspectorError(`--variant ${opts.variant}: use a or b`);
  const wanted = opts.variant ?? (step.messages.length > 1 ? (view.assignedVariant ?? undefined) : undefined);
  const candidates = wanted ? step.messages.filter((m) => m.variant === wanted) : step.messages;
  if (candidates.length === 1) return { step, message: candidates[0] };
  if (candidates.length === 0) throw new ProspectorError(`step ${position} of sequence ${short(view.id)} has no variant ${wanted}`);
  throw new ProspectorError(
    `step ${position} of sequence ${short(view.id)} has variants ${candidates.map((m) => `${m.variant} (message ${short(m.id)})`).join(' and ')}: choose one with --variant a|b, or give the message id`,
  );
}

/** Text from the editor (or `fileText`), the same way a message is edited. */
async function editedText(offered: string, name: string, fileText: string | undefined): Promise<string> {
  if (fileText !== undefined) return fileText;
  const dir = await mkdtemp(join(tmpdir(), 'prospector-edit-'));
  const file = join(dir, `${name}.txt`);
  try {
    await writeFile(file, offered);
    runEditor(file);
    return await readFile(file, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `drafts edit` of a response to a reply: the words go back through the checker against its passages. */
async function editResponseDraft(ctx: CliContext, id: string, opts: { subject?: string; by?: string; json?: boolean; fileText?: string }): Promise<void> {
  const current = await ctx.withRuntime(async (rt) => {
    const { getResponse, responseWithMarkers } = await responses();
    const r = await getResponse(rt.deps.sql, id);
    if (r.status !== 'draft') throw new ProspectorError(`response ${short(id)} is ${r.status}: its words are frozen once decided on`);
    return { r, offered: `Subject: ${r.subject ?? ''}\n\n${responseWithMarkers(r)}\n` };
  }, { sampleWeb: false });
  const text = await editedText(current.offered, `response-${short(id)}`, opts.fileText);
  if (opts.fileText === undefined && text.trim() === current.offered.trim() && opts.subject === undefined) {
    ctx.print(opts.json ? JSON.stringify({ responseId: id, changed: false, grounding: current.r.grounding }) : `No change: response ${short(id)} stays ${current.r.grounding}.`);
    return;
  }
  const parsed = parseEdited(text);
  await ctx.withRuntime(async (rt) => {
    const { editResponse } = await responses();
    const now = await rt.deps.sql.query<{ body: string; subject: string | null }>(`SELECT body, subject FROM reply_response WHERE id = :id::uuid`, { id });
    if (now.rows[0] && (now.rows[0].body !== current.r.body || now.rows[0].subject !== current.r.subject)) {
      throw new ProspectorError(`response ${short(id)} was changed by someone else while you edited: nothing was saved; run the edit again`);
    }
    const result = await editResponse(rt.deps.sql, id, { body: parsed.body, subject: opts.subject ?? parsed.subject, by: opts.by });
    if (opts.json) {
      ctx.print(JSON.stringify(result));
      return;
    }
    const out = [`${result.changed ? 'Saved' : 'Unchanged; checked again'}: response ${short(id)} is now ${result.grounding}${result.before !== result.grounding ? ` (was ${result.before})` : ''} · ${result.citedSentences} cited sentence(s)`];
    for (const f of result.findings) out.push(`  ${f.severity === 'block' ? 'BLOCK' : 'warn '} ${f.rule}: ${f.detail}`);
    out.push(result.grounding === 'blocked' ? `It cannot be approved until edited again: prospector drafts edit ${short(id)}` : `Approve it: prospector drafts approve ${short(id)}${result.grounding === 'flagged' ? ' --reason "…"' : ''}`);
    ctx.print(out.join('\n'));
  }, { sampleWeb: false, write: true });
}

// ---------------------------------------------------------------------------------------------
// Commands

/** Registers `prospector drafts …`. */
export function register(program: Command, ctx: CliContext): void {
  const drafts = program
    .command('drafts')
    .description('the approval queue: list, show, approve, edit or reject drafted sequences; stats on how much reps edit')
    .addHelpText(
      'after',
      `
Nothing is sendable until a rep approves it. A draft the grounding checker blocked (an invented
specific, a pretended earlier conversation, a placeholder) is never approved as it is: edit it,
and the checker reads it again. A draft with risk flags is approved only with --reason, which is
recorded. Ids can be shortened to their first 6+ characters.

Examples:
  $ prospector drafts list --status draft
  $ prospector drafts show 1f0c2a9b
  $ prospector drafts edit 7be41c02 --body-file better.txt
  $ prospector drafts approve 1f0c2a9b --reason "the spam word is the product's name"
  $ prospector drafts approve --all-unflagged
  $ prospector drafts stats`,
    );

  const filterOptions = (c: Command) =>
    c
      .option('--run <id>', 'only sequences drafted in this run (its id or first 6+ characters)')
      .option('--icp <slug>', 'only sequences of this ICP')
      .option('--rep <email>', 'only sequences this rep sends');

  filterOptions(drafts.command('list'))
    .description('sequences with their lead, verdict and risk flags, newest first (every workspace unless --workspace)')
    .option('--status <status>', 'draft, approved, rejected, active, paused, completed or stopped')
    .option('--flag <rule>', 'only sequences with this risk flag (a checker rule such as banned_phrase), any flag, or none')
    .option('--json', 'print the sequences whole (steps, both variants, citations, flags) as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ prospector drafts list
  $ prospector drafts list --status draft --flag none        # what --all-unflagged would approve
  $ prospector drafts list --flag invented_specific
  $ prospector drafts list --status draft --rep lukas.brenner@tallyhand.com
  $ prospector drafts list --run 3f2c9a1e --icp midmarket-logistics --json`,
    )
    .action(async (opts: FilterOptions & { json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await chosenWorkspace(sql, ctx.workspace());
        const { listSequences } = await repository();
        const filter = await toFilter(sql, opts, ctx.workspace(), workspace?.id ?? null);
        const views = await listSequences(sql, filter);
        const { draftHolds } = await import('#core/outreach/holds.ts');
        const held = await draftHolds(sql, views, new Date());
        // Responses to replies belong to no run or ICP: listed unless one of those is asked for.
        const answers = filter.runId || filter.icpSlug ? [] : (await (await responses()).listResponses(sql, filter)).filter((a) => !filter.repEmail || a.repEmail === filter.repEmail);
        if (opts.json) ctx.print(JSON.stringify([...views.map((v) => (v.status === 'draft' ? { ...v, held: held.get(v.id) ?? null } : v)), ...answers]));
        else ctx.print([formatList(views, held), formatResponseList(answers)].filter(Boolean).join('\n\n'));
      }, { sampleWeb: false });
    });

  drafts
    .command('show')
    .description('a sequence with its steps, both variants of the first touch, each cited sentence with its fact\'s quote and source, and the risk flags')
    .argument('<id>', 'a sequence id or one of its message ids (first 6+ characters are enough)')
    .option('--json', 'print the sequence as JSON')
    .addHelpText('after', '\nCitations show as [f1] after the sentence they support, with the fact\'s exact quote and page below.\n\nExamples:\n  $ prospector drafts show 1f0c2a9b\n  $ prospector drafts show 1f0c2a9b --json')
    .action(async (id: string, opts: { json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await chosenWorkspace(sql, ctx.workspace());
        const answer = await responseNamed(sql, id, workspace?.id ?? null);
        if (answer) {
          const { getResponse, responseWithMarkers } = await responses();
          const r = await getResponse(sql, answer);
          ctx.print(opts.json ? JSON.stringify(r) : formatResponse(r, responseWithMarkers));
          return;
        }
        const { getSequence, resolveSequenceId, withCitationMarkers } = await repository();
        const view = await getSequence(sql, await resolveSequenceId(sql, id, workspace?.id ?? null));
        const { draftHolds } = await import('#core/outreach/holds.ts');
        const held = (await draftHolds(sql, [view], new Date())).get(view.id);
        ctx.print(opts.json ? JSON.stringify(view.status === 'draft' ? { ...view, held: held ?? null } : view) : formatShow(view, (m) => withCitationMarkers(m.body, m.citations), held));
      }, { sampleWeb: false });
    });

  filterOptions(
    drafts
      .command('approve')
      .description('approve draft sequences: nothing is sendable before this')
      .argument('[ids...]', 'sequence ids (or first 6+ characters)'),
  )
    .option('--all-unflagged', 'approve every draft whose messages carry no flag (with --run/--icp/--rep: only those)')
    .option('--reason <text>', 'why the draft may go out over its risk flags (required when it has any; recorded)')
    .option('--by <email>', 'the rep deciding (default: the rep who owns the sequence)')
    .option('--json', 'print what was approved (with several ids, also what was refused and why) as JSON')
    .addHelpText(
      'after',
      `
A blocked message (an invented specific, a pretended earlier conversation, a placeholder) is
never approved, with or without a reason: edit it first. For the first touch only the variant
the lead was assigned is judged and sent.

With several ids, every id is looked up first: if one names no draft, nothing is approved. Then
each is approved on its own and gets a line, "Approved …" or "Refused …" with the reason; a
refused one stays in the queue and the others go on. The last line counts both, and the exit
code is 2 if any was refused.

Examples:
  $ prospector drafts approve 1f0c2a9b
  $ prospector drafts approve 1f0c2a9b 7be41c02 3f2c9a1e
  $ prospector drafts approve 1f0c2a9b --reason "'guarantee' is in the customer's own quote"
  $ prospector drafts approve --all-unflagged
  $ prospector drafts approve --all-unflagged --run 3f2c9a1e --json`,
    )
    .action(async (ids: string[], opts: FilterOptions & { allUnflagged?: boolean; reason?: string; by?: string; json?: boolean }) => {
      if (opts.allUnflagged && ids.length) throw new ProspectorError('give sequence ids or --all-unflagged, not both');
      if (!opts.allUnflagged && !ids.length) throw new ProspectorError('give the sequence id(s) to approve, or --all-unflagged (list drafts with `prospector drafts list --status draft`)');
      if (!opts.allUnflagged && (opts.run || opts.icp || opts.rep)) throw new ProspectorError('--run, --icp and --rep select drafts for --all-unflagged only');
      if (opts.reason !== undefined && !opts.reason.trim()) throw new ProspectorError('--reason is empty: say why the flags are acceptable');
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const { approveAllUnflagged, approveSequence, resolveSequenceId } = await repository();
        if (opts.allUnflagged) {
          if (opts.reason) throw new ProspectorError('--reason overrides flags on one reviewed sequence; --all-unflagged approves only drafts with no flag, so it takes no reason');
          const workspace = await resolveWorkspace(sql, ctx.workspace());
          const filter = await toFilter(sql, { run: opts.run, icp: opts.icp, rep: opts.rep }, ctx.workspace(), workspace.id);
          const result = await approveAllUnflagged(sql, filter, { by: opts.by });
          // Responses to replies with no flag at all go with them (they belong to no run or ICP).
          const answers = filter.runId || filter.icpSlug ? [] : (await (await responses()).listResponses(sql, { workspaceId: workspace.id, status: 'draft', flag: 'none' })).filter((a) => !filter.repEmail || a.repEmail === filter.repEmail);
          const responsesApproved = [];
          for (const r of answers.filter((a) => a.grounding === 'grounded')) responsesApproved.push(await (await responses()).approveResponse(sql, r.id, { by: opts.by }));
          if (opts.json) {
            ctx.print(JSON.stringify({ ...result, responsesApproved }));
            return;
          }
          if (responsesApproved.length) ctx.print(`Approved ${responsesApproved.length} response(s) to replies with no flag.`);
          const held = result.left.filter((l) => l.held);
          const toRead = result.left.filter((l) => !l.held);
          const blocked = toRead.filter((l) => l.grounding === 'blocked').length;
          ctx.print(
            `Approved ${result.approved.length} draft(s) with no flag in workspace ${workspace.slug}.` +
              (toRead.length
                ? ` ${toRead.length} left for a person to read (${toRead.length - blocked} flagged, ${blocked} blocked): prospector drafts list --status draft --flag any`
                : '') +
              (held.length ? ` ${held.length} not approved (below, each with the reason).` : ''),
          );
          for (const a of result.approved) ctx.print(`  approved ${short(a.sequenceId)} as ${a.decidedBy}${a.firstTouchAt ? `; first email queued for ${a.firstTouchAt}` : ''}`);
          for (const h of held) ctx.print(`  not approved: ${h.held}`);
          return;
        }
        const workspace = await chosenWorkspace(sql, ctx.workspace());
        // Every id is resolved first: one that names no draft stops the command before anything is approved.
        const targets: { kind: 'response' | 'sequence'; id: string }[] = [];
        const unresolved: string[] = [];
        for (const id of ids) {
          try {
            const answer = await responseNamed(sql, id, workspace?.id ?? null);
            const target = answer ? { kind: 'response' as const, id: answer } : { kind: 'sequence' as const, id: await resolveSequenceId(sql, id, workspace?.id ?? null) };
            if (!targets.some((t) => t.id === target.id)) targets.push(target);
          } catch (error) {
            if (ids.length === 1 || !(error instanceof ProspectorError)) throw error;
            unresolved.push(`  ${id}: ${error.message}`);
          }
        }
        if (unresolved.length) {
          throw new ProspectorError(`nothing was approved: ${unresolved.length} of the ${ids.length} ids name no draft; correct or leave them out and run it again\n${unresolved.join('\n')}`);
        }
        // Then each is approved on its own: a refusal (a flag, a blocked message, a lead not to be
        // contacted now) is said with its reason and the others go on.
        const approved: unknown[] = [];
        const refused: { id: string; reason: string }[] = [];
        for (const target of targets) {
          try {
            if (target.kind === 'response') {
              const decided = await (await responses()).approveResponse(sql, target.id, { by: opts.by, reason: opts.reason });
              approved.push(decided);
              if (!opts.json) ctx.print(`Approved response ${short(target.id)} as ${decided.decidedBy}${decided.flagsOverridden ? ` over ${decided.flagsOverridden} risk flag(s): "${decided.reason}"` : ''}`);
              continue;
            }
            const result = await approveSequence(sql, target.id, { by: opts.by, reason: opts.reason });
            approved.push(result);
            if (!opts.json) {
              ctx.print(
                `Approved sequence ${short(result.sequenceId)} as ${result.decidedBy}` +
                  (result.flagsOverridden ? ` over ${result.flagsOverridden} risk flag(s): "${result.reason}"` : result.reason ? `: "${result.reason}"` : '') +
                  (result.firstTouchAt ? `; first email queued for ${result.firstTouchAt}` : ''),
              );
            }
          } catch (error) {
            if (targets.length === 1 || !(error instanceof ProspectorError)) throw error;
            refused.push({ id: target.id, reason: error.message });
            if (!opts.json) ctx.print(`Refused ${target.kind} ${short(target.id)}: ${error.message.replace(/\n/g, '\n  ')}`);
          }
        }
        if (opts.json) ctx.print(JSON.stringify(targets.length > 1 ? { approved, refused } : { approved }));
        if (targets.length > 1) {
          const counts = `${approved.length} approved, ${refused.length} refused`;
          if (refused.length) throw new ProspectorError(`${counts}: the refused draft(s) stay in the queue, each with the reason ${opts.json ? 'in `refused`' : 'above'}`);
          if (!opts.json) ctx.print(`${counts}.`);
        }
      }, { sampleWeb: false, write: true });
    });

  drafts
    .command('reject')
    .description('reject a draft sequence, with the reason (kept on the sequence and the decision)')
    .argument('[id]', 'a sequence id (or first 6+ characters)')
    .option('--reason <text>', 'why it should not be sent (required with an id)')
    .option('--all-held', 'reject every draft whose lead may not be written to now (an opt-out, a bounce, an exclusion since it was drafted), each with that reason')
    .option('--by <email>', 'the rep deciding (default: the rep who owns the sequence)')
    .option('--json', 'print the decision as JSON')
    .addHelpText('after', '\nExamples:\n  $ prospector drafts reject 1f0c2a9b --reason "wrong persona: she runs IT, not finance"\n  $ prospector drafts reject --all-held')
    .action(async (id: string | undefined, opts: { reason?: string; allHeld?: boolean; by?: string; json?: boolean }) => {
      if (opts.allHeld) {
        if (id || opts.reason) throw new ProspectorError('--all-held rejects each held draft with its own reason: give no id and no --reason');
        await ctx.withRuntime(async (rt) => {
          const sql = rt.deps.sql;
          const workspace = await resolveWorkspace(sql, ctx.workspace());
          const { rejectHeldDrafts } = await import('#core/outreach/holds.ts');
          const rejected = await rejectHeldDrafts(sql, workspace.id, { by: opts.by });
          if (opts.json) ctx.print(JSON.stringify(rejected));
          else {
            ctx.print(`Rejected ${rejected.length} held draft(s) in workspace ${workspace.slug}.`);
            for (const r of rejected) ctx.print(`  ${short(r.sequenceId)} as ${r.decidedBy}: "${r.reason}"`);
          }
        }, { sampleWeb: false, write: true });
        return;
      }
      if (!id) throw new ProspectorError('give the sequence id to reject, or --all-held (list drafts with `prospector drafts list --status draft`)');
      if (!opts.reason?.trim()) throw new ProspectorError(`rejecting ${id} needs --reason TEXT: say why it should not be sent (it is recorded)`);
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await chosenWorkspace(sql, ctx.workspace());
        const answer = await responseNamed(sql, id, workspace?.id ?? null);
        if (answer) {
          const decided = await (await responses()).rejectResponse(sql, answer, { by: opts.by, reason: opts.reason! });
          ctx.print(opts.json ? JSON.stringify(decided) : `Rejected response ${short(answer)} as ${decided.decidedBy}: "${decided.reason}"`);
          return;
        }
        const { rejectSequence, resolveSequenceId } = await repository();
        const result = await rejectSequence(sql, await resolveSequenceId(sql, id, workspace?.id ?? null), { by: opts.by, reason: opts.reason! });
        ctx.print(opts.json ? JSON.stringify(result) : `Rejected sequence ${short(result.sequenceId)} as ${result.decidedBy}: "${result.reason}"`);
      }, { sampleWeb: false, write: true });
    });

  drafts
    .command('edit')
    .description('change a draft message (subject and body) and have the grounding checker read it again')
    .argument('<id>', 'a message id, or a sequence id with --step/--variant (first 6+ characters are enough)')
    .option('--body-file <file>', 'take the new text from FILE instead of opening $EDITOR')
    .option('--subject <text>', 'the new subject (emails only)')
    .option('--step <n>', 'with a sequence id: the step (default 1)')
    .option('--variant <a|b>', 'with a sequence id: the variant of the first touch (default the lead\'s)')
    .option('--by <email>', 'the rep editing (default: the rep who owns the sequence)')
    .option('--json', 'print the checker\'s verdict and findings as JSON')
    .addHelpText(
      'after',
      `
The text is the message as a rep reads it: for an email a first line "Subject: …", a blank line,
then the body. Sentences cite facts with markers such as [f1] (the fact ids \`drafts show\`
lists); a sentence left word for word keeps the citations it had. The checker then decides again:
an invented specific blocks the message, other findings are flags. The before and after are kept.
$VISUAL or $EDITOR is opened when no --body-file is given; the database is not held meanwhile.

Examples:
  $ prospector drafts edit 7be41c02                           # opens $EDITOR
  $ prospector drafts edit 7be41c02 --body-file better.txt
  $ prospector drafts edit 1f0c2a9b --step 1 --variant b --subject "Invoices at Northwind"
  $ EDITOR="code --wait" prospector drafts edit 7be41c02`,
    )
    .action(async (id: string, opts: { bodyFile?: string; subject?: string; step?: string; variant?: string; by?: string; json?: boolean }) => {
      if (opts.step !== undefined && !/^[1-9]\d?$/.test(opts.step)) throw new ProspectorError(`--step ${opts.step}: give the step's position, e.g. --step 3`);
      let fileText: string | undefined;
      if (opts.bodyFile) {
        try {
          fileText = await readFile(opts.bodyFile, 'utf8');
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          throw new ProspectorError(`--body-file ${opts.bodyFile}: ${code === 'ENOENT' ? 'file not found' : `cannot be read (${code})`}`, { cause: error });
        }
      }
      const answer = await ctx.withRuntime(async (rt) => responseNamed(rt.deps.sql, id, (await chosenWorkspace(rt.deps.sql, ctx.workspace()))?.id ?? null), { sampleWeb: false });
      if (answer) {
        if (opts.step !== undefined || opts.variant !== undefined) throw new ProspectorError(`${id} is a response to a reply: --step and --variant choose a message of a sequence only`);
        await editResponseDraft(ctx, answer, { ...opts, fileText });
        return;
      }
      // Read what is edited, then let the database go while the rep types.
      const target = await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await chosenWorkspace(sql, ctx.workspace());
        const { getSequence, resolveId, withCitationMarkers } = await repository();
        const hit = await resolveId(sql, id, workspace?.id ?? null);
        const view = await getSequence(sql, hit.sequenceId);
        if (hit.kind === 'message' && (opts.step !== undefined || opts.variant !== undefined)) {
          throw new ProspectorError(`${id} is a message id: --step and --variant choose a message of a sequence id only`);
        }
        const picked = pickMessage(view, hit.kind === 'message' ? hit.id : null, opts);
        if (view.status !== 'draft') {
          throw new ProspectorError(`sequence ${short(view.id)} is ${view.status}: its words are frozen once decided on, so message ${short(picked.message.id)} cannot be edited`);
        }
        return { view, ...picked, offered: editableText(picked.message, (m) => withCitationMarkers(m.body, m.citations)) };
      }, { sampleWeb: false });
      const where = `message ${short(target.message.id)} (step ${target.step.position} ${kindName(target.step.kind)}${target.message.variant ? `, variant ${target.message.variant}` : ''})`;

      if (fileText === undefined) {
        fileText = await editedText(target.offered, `message-${short(target.message.id)}`, undefined);
        if (fileText.trim() === target.offered.trim() && opts.subject === undefined && target.message.grounding !== 'unchecked') {
          ctx.print(opts.json ? JSON.stringify({ messageId: target.message.id, changed: false, grounding: target.message.grounding }) : `No change: ${where} stays ${target.message.grounding}.`);
          return;
        }
      }
      const parsed = parseEdited(fileText);
      const subject = opts.subject ?? parsed.subject;
      await ctx.withRuntime(async (rt) => {
        const { editMessage } = await repository();
        const now = await rt.deps.sql.query<{ body: string; subject: string | null }>(`SELECT body, subject FROM message WHERE id = :id::uuid`, { id: target.message.id });
        if (now.rows[0] && (now.rows[0].body !== target.message.body || now.rows[0].subject !== target.message.subject)) {
          throw new ProspectorError(`${where} was changed by someone else while you edited: nothing was saved; run the edit again`);
        }
        const result = await editMessage(rt.deps.sql, target.message.id, { body: parsed.body, subject, by: opts.by });
        ctx.print(opts.json ? JSON.stringify(result) : formatEdit(result, where));
      }, { sampleWeb: false, write: true });
    });

  drafts
    .command('stats')
    .description('how much reps change drafts (share of characters edited, per ISO week and per variant) and phrases they keep deleting')
    .option('--min-edits <n>', 'propose a phrase once it was deleted from this many different messages', '3')
    .option('--json', 'print the figures as JSON')
    .addHelpText(
      'after',
      `
Each approved message is compared as drafted with the words approved, word by word: the share is
the characters of the words removed or added (whichever is more) over the longer text, summed over
messages. Unedited approved messages count as 0%. Autopilot approvals are left out (no one read
them). A falling share means drafting is getting better.

Examples:
  $ prospector drafts stats
  $ prospector drafts stats --min-edits 5 --json`,
    )
    .action(async (opts: { minEdits: string; json?: boolean }) => {
      if (!/^[1-9]\d{0,3}$/.test(opts.minEdits)) throw new ProspectorError(`--min-edits ${opts.minEdits}: give a whole number from 1 to 9999`);
      await ctx.withRuntime(async (rt) => {
        const workspace = await resolveWorkspace(rt.deps.sql, ctx.workspace());
        const { editStats } = await import('#core/outreach/edit-stats.ts');
        const stats = await editStats(rt.deps.sql, workspace, { minEdits: Number(opts.minEdits) });
        ctx.print(opts.json ? JSON.stringify(stats) : formatStats(stats));
      }, { sampleWeb: false });
    });
}
