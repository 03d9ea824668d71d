/**
 * `prospector show RUN_ID | LEAD_EMAIL`: what a run did (counts, tokens, cost, failures and
 * skips grouped by reason), or what is known about a lead (its latest research with every fact's
 * quote, source page and stored text, its outreach sequences, and the runs it was part of).
 */
import type { Command } from 'commander';
import { ProspectorError } from '#core/errors.ts';
import type { Sql } from '#core/ports.ts';
import { INTENT_RULES_TEXT, loadIntentView, loadOutreachTrigger, triggerLine, type SignalView, type TriggerView } from '#core/intent/view.ts';
import type { IntentReason } from '#core/intent/types.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import type { SequenceView } from '#core/outreach/repository.ts';
import type { ResearchView } from '../report.ts';
import { reusedAsCurrent, unchangedSinceLabel } from '../research-status.ts';
import { draftedByRepText, showRun, type RunShow } from '#core/views/runs.ts';
import { loadLastDraft, type LeadOutreach } from '#core/views/leads.ts';
import { exclusionFor } from '#core/pipeline/search-leads.ts';
import { chosenWorkspace, looksLikeRunId, resolveRunId, RUN_ID_PREFIX_MIN, tooShortForRunId, type WorkspaceChoice } from './resolve.ts';
export { showRun, skipGroup, type ReasonGroup, type RunShow } from '#core/views/runs.ts';

export interface LeadShow {
  kind: 'lead';
  lead: {
    email: string; name: string; company: string; domain: string; website: string; workspace: string; firstSeenAt: string;
    /** a hard bounce marked the address invalid: it never gets a new sequence */
    emailInvalid: { at: string; reason: string } | null;
    /** YYYY-MM-DD: the company said it is not interested; no new sequence there before this day */
    companyCoolingOffUntil: string | null;
    /** who referred this lead, from which reply */
    referredBy: { email: string; replyId: string | null } | null;
  };
  latest: ResearchView | null;
  /**
   * Intent, separate from fit: 0-100 from what changed at the company since earlier visits
   * (lambdas/core/intent/score.ts), null before any comparison; `signals` newest first, each with
   * its before and after quotes and the lake keys of both clean texts.
   */
  intentScore: number | null;
  intent: { computedAt: string | null; reasons: IntentReason[]; rules: string };
  signals: SignalView[];
  /**
   * The signal that started (or was to start) outreach for this lead, newest first of one:
   * `pending` until drafting settles it, `drafted` with the sequence, `skipped` with the reason.
   */
  trigger: TriggerView | null;
  /** the lead's outreach sequences, newest first: what was drafted, whether it may be sent, how to review it */
  sequences: LeadSequenceShow[];
  /**
   * What drafting last did for the lead (`not_drafted` and `failed` with the reason; a fit below
   * the threshold derived, as the run summary does) and what keeps the lead from being contacted
   * now, decided as drafting decides it; the same as the web app's lead page.
   */
  drafting: LeadOutreach['lastDraft'];
  excluded: string | null;
  /**
   * Newest first. A run that reused earlier research unchanged lists it as current: status
   * `researched`, `unchangedSince` true, the reason saying when it was researched.
   */
  runs: {
    runId: string; startedAt: string; runStatus: string; status: string; reason: string | null;
    researchId: string | null; researchRunId: string | null; fitScore: number | null; unchangedSince: boolean;
  }[];
}

/** One of a lead's sequences as `show LEAD` lists it; the words themselves are in `drafts show`. */
export interface LeadSequenceShow {
  id: string;
  status: SequenceView['status'];
  statusReason: string | null;
  /** who wrote the words: the model (`model`) or the offline templates (`templateLabel`) */
  source: 'llm' | 'template';
  model: string | null;
  templateLabel: string | null;
  personalised: boolean;
  icp: string | null;
  persona: string;
  /** the rep who sends it */
  repEmail: string;
  /** the rep it was handed over from, or null */
  handedOverFrom: string | null;
  runId: string | null;
  createdAt: string;
  approvedAt: string | null;
  assignedVariant: 'a' | 'b' | null;
  /** the worst checker verdict of the messages that can be sent, and their risk flags by rule */
  grounding: SequenceView['grounding'];
  flagCounts: SequenceView['flagCounts'];
  decisions: { decision: 'approved' | 'rejected'; by: string | null; autopilot: boolean; reason: string | null; decidedAt: string }[];
  steps: {
    position: number;
    kind: string;
    dayOffset: number;
    messages: { id: string; variant: 'a' | 'b' | null; sendable: boolean; angle: string; subject: string | null; grounding: string; citations: number; flags: string[] }[];
  }[];
  /** the command that shows the drafts in full (and says how to approve, edit or reject them) */
  review: string;
}

/** A lead the search turned away before storing it (suppressed, a competitor, invalid…). */
export interface RejectedShow {
  kind: 'rejected';
  lead: string;
  runs: { runId: string; startedAt: string; workspace: string; outcome: 'skipped' | 'failed' | 'duplicate'; reason: string }[];
}

/** Everything `show LEAD_EMAIL` prints; throws with a hint when no lead has that email. */
export async function showLead(sql: Sql, email: string, choice?: WorkspaceChoice): Promise<LeadShow | RejectedShow> {
  const workspace = await chosenWorkspace(sql, choice);
  // the lead's ICP as the leads list reads it (its intent score is for that ICP); loaded when the command runs
  const { leadIcpId } = await import('#core/views/leads.ts');
  const found = await sql.query<{
    id: string; email: string; name: string; company: string; domain: string; website: string; workspace: string; first_seen_at: string;
    email_invalid_at: string | Date | null; email_invalid_reason: string | null; cooling_off_until: string | null; referred_by_email: string | null;
    referred_by_reply_id: string | null; company_id: string; icp_id: string | null; workspace_id: string;
  }>(
    `SELECT l.id, l.workspace_id, l.company_id, ${leadIcpId('l')} AS icp_id, l.email, l.name, c.name AS company, c.domain, c.website, w.slug AS workspace, l.first_seen_at,
            l.email_invalid_at, l.email_invalid_reason, CASE WHEN c.cooling_off_until > (now() AT TIME ZONE 'UTC')::date THEN to_char(c.cooling_off_until, 'YYYY-MM-DD') END AS cooling_off_until,
            l.referred_by_email, l.referred_by_reply_id
     FROM lead l JOIN lead_company c ON c.id = l.company_id JOIN workspace w ON w.id = l.workspace_id
     WHERE l.email = :email AND (:workspace::uuid IS NULL OR l.workspace_id = :workspace::uuid) ORDER BY w.slug`,
    { email: email.trim().toLowerCase(), workspace: workspace?.id ?? null },
  );
  if (found.rows.length > 1) {
    throw new ProspectorError(
      `${email.trim()} is a lead in several workspaces (${found.rows.map((r) => r.workspace).join(', ')}): choose one with --workspace SLUG (or PROSPECTOR_WORKSPACE=SLUG)`,
    );
  }
  const l = found.rows[0];
  if (!l) {
    const rejected = await rejectedLead(sql, email, workspace?.id ?? null);
    if (rejected) return rejected;
    throw new ProspectorError(
      `no lead has the email ${email.trim()}: leads are added by \`prospector run\`; list them with \`prospector export\` or \`prospector query "SELECT email FROM lead"\``,
    );
  }
  const { loadResearch } = await import('../report.ts');
  const latest = await sql.query<{ id: string }>(`SELECT id FROM research WHERE lead_id = :id::uuid ORDER BY created_at DESC LIMIT 1`, { id: l.id });
  const runs = await sql.query<{
    run_id: string; started_at: string; run_status: string; status: string; reason: string | null; research_id: string | null;
    research_run: string | null; fit_score: number | null; research_status: string | null; researched_at: string | null;
  }>(
    `SELECT rl.run_id, r.started_at, r.status AS run_status, rl.status, rl.reason, rl.research_id, res.run_id AS research_run, res.fit_score,
            res.status AS research_status, res.created_at AS researched_at
     FROM run_lead rl JOIN run r ON r.id = rl.run_id LEFT JOIN research res ON res.id = rl.research_id
     WHERE rl.lead_id = :id::uuid ORDER BY r.started_at DESC`,
    { id: l.id },
  );
  const sequenceIds = await sql.query<{ id: string }>(`SELECT id FROM sequence WHERE lead_id = :id::uuid ORDER BY created_at DESC, id`, { id: l.id });
  const { loadSequences } = await import('#core/outreach/repository.ts');
  const sequences = (await loadSequences(sql, sequenceIds.rows.map((r) => r.id))).map(sequenceShow);
  const intent = await loadIntentView(sql, l.company_id, l.icp_id);
  const research = latest.rows[0] ? await loadResearch(sql, latest.rows[0].id) : null;
  return {
    kind: 'lead',
    lead: {
      email: l.email, name: l.name, company: l.company, domain: l.domain, website: l.website, workspace: l.workspace, firstSeenAt: l.first_seen_at,
      emailInvalid: l.email_invalid_at ? { at: new Date(l.email_invalid_at).toISOString(), reason: l.email_invalid_reason ?? '' } : null,
      companyCoolingOffUntil: l.cooling_off_until,
      referredBy: l.referred_by_email ? { email: l.referred_by_email, replyId: l.referred_by_reply_id } : null,
    },
    latest: research,
    intentScore: intent.intentScore,
    intent: { computedAt: intent.intentComputedAt, reasons: intent.intentReasons, rules: INTENT_RULES_TEXT },
    signals: intent.signals,
    trigger: await loadOutreachTrigger(sql, l.id),
    sequences,
    // the lead page's outreach lines (its sequences are the fuller ones above)
    drafting: await loadLastDraft(sql, l.workspace_id, { id: l.id, fitScore: research?.fitScore ?? null }),
    excluded: (await exclusionFor(sql, l.workspace_id, new Date(), l)) ?? null,
      runs: runs.rows.map((r) => {
      const reused = reusedAsCurrent({ status: r.status, reason: r.reason, researchStatus: r.research_status });
      return {
        runId: r.run_id, startedAt: r.started_at, runStatus: r.run_status,
        status: reused ? 'researched' : r.status,
        reason: reused ? `${unchangedSinceLabel(r.researched_at!)} (research of run ${r.research_run!.slice(0, 8)})` : r.reason,
        researchId: r.research_id, researchRunId: r.research_run, fitScore: r.fit_score, unchangedSince: reused,
      };
    }),
  };
}

function sequenceShow(s: SequenceView): LeadSequenceShow {
  return {
    id: s.id,
    status: s.status,
    statusReason: s.statusReason,
    source: s.source,
    model: s.steps.flatMap((st) => st.messages).find((m) => m.model)?.model ?? null,
    templateLabel: s.templateLabel,
    personalised: s.personalised,
    icp: s.icp,
    persona: s.persona,
    repEmail: s.repEmail,
    handedOverFrom: s.handedOver?.from ?? null,
    runId: s.runId,
    createdAt: s.createdAt,
    approvedAt: s.approvedAt,
    assignedVariant: s.assignedVariant,
    grounding: s.grounding,
    flagCounts: s.flagCounts,
    decisions: s.decisions.map((d) => ({ decision: d.decision, by: d.by, autopilot: d.autopilot, reason: d.reason, decidedAt: d.decidedAt })),
    steps: s.steps.map((st) => ({
      position: st.position,
      kind: st.kind,
      dayOffset: st.dayOffset,
      messages: st.messages.map((m) => ({
        id: m.id, variant: m.variant, sendable: m.sendable, angle: m.angle, subject: m.subject, grounding: m.grounding,
        citations: m.citations.length, flags: m.flags.map((f) => f.rule),
      })),
    })),
    review: `prospector drafts show ${s.id.slice(0, 8)}`,
  };
}

/** The runs whose search turned `email` away, newest first; null when none did. */
async function rejectedLead(sql: Sql, email: string, workspaceId: string | null): Promise<RejectedShow | null> {
  const wanted = email.trim().toLowerCase();
  const hits = await sql.query<{ run_id: string; started_at: string; workspace: string; kind: string; reason: string }>(
    `SELECT r.id AS run_id, r.started_at, w.slug AS workspace, rej->>'kind' AS kind, rej->>'reason' AS reason
     FROM search_query sq JOIN run r ON r.id = sq.run_id JOIN workspace w ON w.id = r.workspace_id,
          jsonb_array_elements(sq.rejected) AS rej
     WHERE lower(rej->>'lead') = :email AND (:workspace::uuid IS NULL OR r.workspace_id = :workspace::uuid)
     ORDER BY r.started_at DESC LIMIT 20`,
    { email: wanted, workspace: workspaceId },
  );
  if (hits.rows.length === 0) return null;
  const outcome = (kind: string): RejectedShow['runs'][number]['outcome'] =>
    kind === 'invalid' || kind === 'error' ? 'failed' : kind === 'duplicate' ? 'duplicate' : 'skipped';
  return {
    kind: 'rejected',
    lead: wanted,
    runs: hits.rows.map((h) => ({ runId: h.run_id, startedAt: h.started_at, workspace: h.workspace, outcome: outcome(h.kind), reason: h.reason })),
  };
}

/** `show LEAD_EMAIL` for a lead the search turned away, as text. */
export function formatRejectedShow(s: RejectedShow): string {
  const latest = s.runs[0];
  return [
    `${s.lead} was ${latest.outcome === 'failed' ? 'refused' : latest.outcome === 'duplicate' ? 'a duplicate' : 'skipped'} by the search before it was stored as a lead, so it has no research: ${latest.reason}`,
    `Runs (${s.runs.length}):`,
    ...s.runs.map((r) => `  ${r.runId.slice(0, 8)}  ${when(r.startedAt)}  ${r.workspace}  ${r.outcome}: ${r.reason}`),
  ].join('\n');
}

const n = (x: number) => x.toLocaleString('en-US');
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const researcher = (provider: string) =>
  provider === 'offline-heuristic' ? 'offline heuristic researcher (no LLM; set GROQ_API_KEY to research with Groq)' : provider;
const cites = (ids: string[]) => (ids.length ? ` [${ids.join(', ')}]` : '');
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** `show RUN_ID` as text. */
export function formatRunShow(s: RunShow): string {
  const r = s.run;
  const out = [
    `Run ${r.runId} ${r.status} · started ${when(r.startedAt)} UTC${s.durationSeconds !== null ? ` · ${s.durationSeconds.toFixed(1)} s` : ' · still running'} · leads from ${r.leadSource}`,
    `  researcher: ${researcher(r.llmProvider)}`,
    `  leads: found ${n(r.leadsFound)} · new ${n(r.leadsNew)} · researched ${n(r.leadsResearched)} · skipped ${n(r.leadsSkipped)} · failed ${n(r.leadsFailed)} · duplicates ${n(r.duplicates)}`,
    `  LLM: ${n(r.llmCalls)} calls · ${n(r.promptTokens)} prompt + ${n(r.completionTokens)} completion tokens · $${r.costUsd.toFixed(4)}`,
  ];
  for (const p of s.llmByPass) {
    out.push(`    ${p.pass.padEnd(18)} ${p.model.padEnd(26)} ${String(p.calls).padStart(5)} calls  ${n(p.promptTokens).padStart(10)} prompt  ${n(p.completionTokens).padStart(9)} completion  $${p.costUsd.toFixed(4)}  ~${p.meanLatencyMs} ms`);
  }
  if (r.error) out.push(`  error: ${r.error}`);
  if (s.failuresByReason.length) {
    out.push(`Failed (${n(r.leadsFailed)}) by reason:`);
    for (const g of s.failuresByReason) {
      out.push(`  ${g.reason} (${g.count})`);
      for (const l of g.leads.slice(0, 10)) out.push(`    - ${l.lead}: ${oneLine(l.message).slice(0, 180)}`);
      if (g.leads.length > 10) out.push(`    … and ${g.leads.length - 10} more (--json lists all)`);
    }
    out.push('  (re-process them with `prospector redrive RUN_ID`)');
  }
  if (s.skippedByReason.length) {
    out.push(`Skipped (${n(r.leadsSkipped)}) by reason:`);
    for (const g of s.skippedByReason) {
      const leads = g.leads.map((l) => l.lead);
      out.push(`  ${g.reason} (${g.count}): ${leads.length > 5 ? `${leads.slice(0, 5).join(', ')} and ${leads.length - 5} more` : leads.join(', ')}`);
    }
  }
  if (!s.failuresByReason.length && !s.skippedByReason.length) out.push('No lead failed or was skipped.');
  out.push(`Drafted: ${n(r.leadsDrafted)} of ${n(r.leadsResearched)} researched${r.leadsDrafted ? ' (prospector drafts list --run ' + r.runId.slice(0, 8) + ')' : ''}.`);
  if (r.draftedByRep.length) out.push(`  by rep: ${draftedByRepText(r.draftedByRep)}`);
  if (s.notDraftedByReason.length) {
    out.push(`Not drafted (${n(r.leadsNotDrafted)}) by reason:`);
    for (const g of s.notDraftedByReason) {
      const leads = g.leads.map((l) => l.lead);
      out.push(`  ${g.reason} (${g.count}): ${leads.length > 5 ? `${leads.slice(0, 5).join(', ')} and ${leads.length - 5} more` : leads.join(', ')}`);
    }
  }
  return out.join('\n');
}

/** The lead's sequences as text: one block each, steps with their verdicts, and the command to review it. */
export function formatLeadSequences(sequences: LeadSequenceShow[], drafting: LeadShow['drafting'] = null, excluded: string | null = null): string[] {
  const notContacted = excluded ? [`Not contacted: ${oneLine(excluded)}.`] : [];
  // what the latest drafting did, when it drafted nothing (with its run, unless derived from the fit)
  const lastDraft =
    drafting && drafting.outcome !== 'drafted'
      ? `${drafting.outcome === 'failed' ? 'drafting failed' : 'not drafted'}${drafting.runId ? ` in run ${drafting.runId.slice(0, 8)}` : ''}: ${oneLine(drafting.reason ?? '–')}`
      : null;
  if (sequences.length === 0) return [`Outreach: no sequence drafted${lastDraft ? ` (${lastDraft})` : ''}.`, ...notContacted];
  const out = [`Outreach (${sequences.length} sequence${sequences.length === 1 ? '' : 's'}):`, ...notContacted.map((x) => `  ${x}`)];
  if (lastDraft) out.push(`  latest run: ${lastDraft}`);
  for (const q of sequences) {
    const by = q.source === 'llm' ? `llm: ${q.model ?? 'a language model'}` : 'template (no language model)';
    const flags = Object.entries(q.flagCounts).map(([rule, count]) => `${rule} ×${count}`).join(', ');
    out.push(
      `  ${q.id.slice(0, 8)} · ${q.status}${q.statusReason ? ` (${q.statusReason})` : ''} · ${by}${q.personalised ? '' : ' · generic'} · ICP ${q.icp ?? '–'} · persona ${q.persona} · rep ${q.repEmail}${q.handedOverFrom ? ` (handed over from ${q.handedOverFrom})` : ''} · drafted ${when(q.createdAt)} UTC${q.runId ? ` in run ${q.runId.slice(0, 8)}` : ''}`,
      `    verdict: ${q.grounding ?? '–'}${flags ? ` · flags: ${flags}` : ''}${q.assignedVariant ? ` · variant ${q.assignedVariant} goes out` : ''}`,
    );
    for (const d of q.decisions) out.push(`    ${d.decision} by ${d.autopilot ? 'autopilot' : (d.by ?? '?')} on ${when(d.decidedAt)} UTC${d.reason ? `: ${oneLine(d.reason)}` : ''}`);
    for (const st of q.steps) {
      const messages = st.messages
        .map((m) => `${m.variant ? `${m.variant}${m.sendable ? '' : ' (not sent)'}: ` : ''}${m.grounding}${m.flags.length ? ` [${[...new Set(m.flags)].join(', ')}]` : ''}`)
        .join(' · ');
      out.push(`    ${String(st.position).padStart(2)}. day ${String(st.dayOffset).padStart(2)}  ${st.kind.replace(/_/g, ' ').padEnd(24)} ${messages}`);
    }
    out.push(`    review: ${q.review}`);
  }
  return out;
}

/** Intent beside fit: the score, and each signal with its quotes and stored texts. */
function formatIntent(s: LeadShow): string[] {
  const out = [`Intent: ${s.intentScore === null ? '– (no earlier visit to compare with)' : `${s.intentScore}/100`}${s.intent.computedAt ? ` (computed ${when(s.intent.computedAt)} UTC)` : ''} · fit ${s.latest?.fitScore ?? '–'}/100`];
  out.push(`Signals (${s.signals.length}):`);
  for (const x of s.signals) {
    out.push(`  ${when(x.observedAt)} ${x.kind} · ${oneLine(x.summary)}`);
    if (x.beforeQuote !== null) out.push(`     before: "${oneLine(x.beforeQuote)}" (stored text: ${x.beforeKey})`);
    if (x.afterQuote !== null) out.push(`     after:  "${oneLine(x.afterQuote)}" (stored text: ${x.afterKey})`);
    out.push(`     page: ${x.url}`);
  }
  if (s.trigger) out.push(`${triggerLine(s.trigger)}${s.trigger.sequenceId ? ` (sequence ${s.trigger.sequenceId})` : ''}`);
  return out;
}

/** `show LEAD_EMAIL` as text. */
export function formatLeadShow(s: LeadShow): string {
  const l = s.lead;
  const out = [`${l.name} <${l.email}> · ${l.company} (${l.domain}, ${l.website}) · workspace ${l.workspace}`];
  if (l.emailInvalid) out.push(`Email INVALID since ${when(l.emailInvalid.at)} UTC: ${l.emailInvalid.reason}; it never gets a new sequence.`);
  if (l.companyCoolingOffUntil) out.push(`Company cooling off until ${l.companyCoolingOffUntil} (not interested): no new sequence there before then.`);
  if (l.referredBy) out.push(`Referred by ${l.referredBy.email}${l.referredBy.replyId ? ` (reply ${l.referredBy.replyId.slice(0, 8)})` : ''}.`);
  const r = s.latest;
  if (!r) out.push('No research yet (see the runs below for why).');
  else {
    // the newest run that looked at this research found the lead's sites unchanged: still current
    const checked = s.runs.find((x) => x.researchId === r.researchId);
    const status = r.status !== 'researched' ? 'not enough evidence' : checked?.unchangedSince ? `${unchangedSinceLabel(r.createdAt)} (checked again in run ${checked.runId.slice(0, 8)} on ${when(checked.startedAt)} UTC)` : 'researched';
    out.push(
      `Latest research: run ${r.runId} on ${when(r.createdAt)} UTC · ${status} · fit ${r.fitScore === null ? '–' : `${r.fitScore}/100`}${r.icp ? ` · ICP ${r.icp}` : ''}`,
      `  researcher: ${researcher(r.provider)} · model ${r.model} · prompts ${r.promptVersion} · ${n(r.promptTokens)} prompt + ${n(r.completionTokens)} completion tokens · $${r.costUsd.toFixed(4)}`,
      '',
      'Summary:',
      `  ${oneLine(r.summary) || '(none)'}`,
    );
    if (r.missing.length) out.push(`  missing: ${r.missing.join('; ')}`);
    const criteria = r.criteria.filter((c) => c.assessment !== 'not_applicable');
    if (criteria.length) {
      out.push('', 'Fit by criterion:');
      for (const c of criteria) out.push(`  ${c.criterion.replace('_', ' ').padEnd(14)} ${c.assessment.replace(/_/g, ' ').padEnd(13)} (weight ${String(c.weight).padStart(2)})  ${oneLine(c.reason)}${cites(c.factIds)}`);
    }
    if (r.hooks.length) {
      out.push('', 'Hooks:');
      for (const h of r.hooks) out.push(`  - ${oneLine(h.hook)}${cites(h.factIds)}`);
    }
    out.push('', 'Email angle:', `  ${r.emailAngle ? `${oneLine(r.emailAngle.angle)}${cites(r.emailAngle.factIds)}` : '(none)'}`);
    out.push('', `Facts (${r.facts.length}):`);
    for (const f of r.facts) {
      out.push(`  ${f.id} [${f.category}]${f.verified ? '' : ' (unverified)'} ${oneLine(f.claim)}`);
      out.push(`     "${oneLine(f.quote)}"`);
      out.push(`     source: ${f.sourceUrl}`);
      out.push(`     stored text: ${f.cleanKey ?? '(not in the lake)'}`);
      for (const a of f.alsoFoundOn) out.push(`     also on: ${a.sourceUrl} (stored text: ${a.cleanKey ?? 'not in the lake'})`);
    }
  }
  out.push('', ...formatIntent(s));
  out.push('', ...formatLeadSequences(s.sequences, s.drafting, s.excluded));
  out.push('', `Runs (${s.runs.length}):`);
  out.push(
    table(
      s.runs.map((x) => ({
        run: x.runId,
        started: when(x.startedAt),
        status: x.status,
        fit: x.fitScore ?? '',
        note: x.unchangedSince ? (x.reason ?? '') : x.researchRunId && x.researchRunId !== x.runId ? `research from run ${x.researchRunId.slice(0, 8)}` : (x.reason ?? ''),
      })),
      70,
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  return out.join('\n');
}

/** Registers `prospector show`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('show')
    .description('what a run did (counts, tokens, cost, failures and skips by reason), or a lead\'s latest research with its evidence')
    .argument('<target>', 'a run id (or its first 6+ characters) or a lead email')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
A run shows its counts, tokens and cost per pass, failures grouped by stage and error, and
skipped leads grouped by reason. A lead shows its latest research: fit score with the reason per
criterion, summary, hooks, email angle, and each fact with its exact quote, the page it came from
and the lake key of the stored clean text; its outreach sequences (status, template or model,
each step with the checker's verdict, and the \`drafts show\` command to review it); then every
run the lead was part of.

Examples:
  $ prospector runs                      # find a run id
  $ prospector show 3f2c9a1e             # a run, by the first characters of its id
  $ prospector show 3f2c9a1e-8d7b-4c1e-9f00-5b2d7e6a1c44 --json
  $ prospector show dana.ruiz@keelhaul-freight.example`,
    )
    .action(async (target: string, opts: { json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        if (target.includes('@')) {
          const shown = await showLead(rt.deps.sql, target, ctx.workspace());
          ctx.print(opts.json ? JSON.stringify(shown) : shown.kind === 'rejected' ? formatRejectedShow(shown) : formatLeadShow(shown));
          return;
        }
        if (tooShortForRunId(target)) {
          throw new ProspectorError(`"${target}" is too short to name a run: give at least ${RUN_ID_PREFIX_MIN} characters of the id (list runs with \`prospector runs\`), or a lead's email`);
        }
        if (!looksLikeRunId(target)) {
          throw new ProspectorError(`"${target}" is neither a run id nor a lead email: list runs with \`prospector runs\`, or give a lead's email`);
        }
        const shown = await showRun(rt.deps.sql, await resolveRunId(rt.deps.sql, target, ctx.workspace()));
        ctx.print(opts.json ? JSON.stringify(shown) : formatRunShow(shown));
      }, { sampleWeb: false });
    });
}
