/**
 * The replay harness: re-cleans and re-researches a run's leads from the HTML stored in the
 * lake (raw/html via the run's page_snapshot rows) with the current cleaner, prompts and
 * configured LLM, and reports what changed against the stored research. It never fetches (the
 * `Web` port is not touched) and writes nothing: not to the database, not to the lake. With the
 * offline heuristic it is deterministic, so an untouched run replays with zero differences and
 * any difference comes from a change in code, prompts, onboarding or options.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { cleanPage, type CleanOptions } from '#core/clean/clean.ts';
import { extractSignals } from '#core/clean/signals.ts';
import { describeError, RateLimitedError } from '#core/errors.ts';
import { loadSellerContext } from '#core/onboarding/import.ts';
import { loadRunLead } from '#core/pipeline/lead-context.ts';
import { leadBudgetPlan } from '#core/pipeline/research-lead.ts';
import type { Lake, Llm, Sql } from '#core/ports.ts';
import type { ResearchPage, ResearchResult } from '#core/research/contract.ts';
import { researchLead, type ResearchOptions } from '#core/research/engine.ts';
import { PROMPT_VERSION } from '#core/research/prompts.ts';
import { normaliseForMatch } from '#core/research/text.ts';
import { ProspectorError } from '#core/errors.ts';
import { readPageMeta } from '#core/pipeline/page-sidecars.ts';
import type { LocalRuntime } from './runner.ts';

export interface ReplayOptions {
  /** The researcher; default the runtime's (offline heuristic, or Groq with GROQ_API_KEY). */
  llm?: Llm;
  /** Engine options over the runtime's config (budget and models), e.g. a smaller token budget. */
  research?: Partial<ResearchOptions>;
  /** Cleaner options for every page (e.g. `maxChars`). */
  clean?: Omit<CleanOptions, 'kind'>;
  /** Only these leads (emails); default every lead of the run. */
  leads?: string[];
  /** Called after each lead, for progress. */
  onLead?: (lead: LeadReplay, done: number, total: number) => void;
  /** Waits allowed per lead when the LLM rate-limits, as the state machine allows (default 8). */
  maxRateLimitWaits?: number;
  /** How a rate-limit wait sleeps (tests pass a fake). */
  sleep?: (ms: number) => Promise<void>;
}

/** A fact as the comparison sees it. */
export interface ReplayFact {
  category: string;
  claim: string;
  quote: string;
  sourceUrl: string;
}

/** A lead's outcome as a commit would record it: researched, skipped (not enough evidence) or failed. */
export interface ReplayOutcome {
  status: string;
  researchStatus: string | null;
  fitScore: number | null;
  facts: number;
  promptTokens: number;
  /** why it failed, when it did */
  error?: string;
}

export interface LeadReplay {
  lead: string;
  company: string;
  domain: string;
  /** fetched pages stored for the lead's site in this run */
  pages: number;
  /** false when nothing can be replayed (no stored page): see `note` */
  replayed: boolean;
  note?: string;
  /** research the run holds for the lead (its own, or earlier research it reused) */
  before: ReplayOutcome & { researchId: string | null; researchRunId: string | null };
  after: ReplayOutcome | null;
  factsAdded: ReplayFact[];
  factsDropped: ReplayFact[];
  fitScoreChanged: boolean;
  statusChanged: boolean;
  changed: boolean;
}

export interface ReplayReport {
  runId: string;
  provider: string;
  promptVersion: string;
  promptTokenBudget: number;
  leads: LeadReplay[];
  totals: {
    leads: number;
    replayed: number;
    notReplayable: number;
    changed: number;
    unchanged: number;
    factsAdded: number;
    factsDropped: number;
    fitScoreMoved: number;
    statusChanged: number;
    failed: number;
    promptTokensBefore: number;
    promptTokensAfter: number;
  };
}

interface SnapshotRow {
  id: string;
  url: string;
  final_url: string | null;
  kind: string;
  raw_key: string;
  meta_key: string | null;
  content_sha256: string | null;
}

/** Decodes stored bytes with the charset the fetcher recorded (raw/meta), as CleanPages does. */
async function storedHtml(lake: Lake, snap: SnapshotRow): Promise<string> {
  const raw = await lake.get(snap.raw_key);
  if (!raw) throw new ProspectorError(`lake object ${snap.raw_key} is missing: the run's pages cannot be replayed`);
  const body = gunzipSync(raw);
  const charset = (await readPageMeta(lake, snap.meta_key, snap.content_sha256))?.charset || 'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

/** The commit rule: research with no verified fact or marked insufficient leaves the lead skipped. */
function outcomeOf(result: { status: string; fitScore: number | null; facts: { verified: boolean }[]; promptTokens: number }): ReplayOutcome {
  const insufficient = result.status === 'insufficient_evidence' || result.facts.filter((f) => f.verified).length === 0;
  return {
    status: insufficient ? 'skipped' : 'researched',
    researchStatus: result.status,
    fitScore: result.fitScore === null ? null : Math.round(result.fitScore),
    facts: result.facts.length,
    promptTokens: result.promptTokens,
  };
}

// the same quote on the same page is the same fact, however the claim is worded
const factKey = (f: ReplayFact) => `${f.sourceUrl}\n${normaliseForMatch(f.quote)}`;

/** Replays a run's leads from the lake and compares with the stored research; writes nothing. */
export async function replayRun(rt: LocalRuntime, runId: string, options: ReplayOptions = {}): Promise<ReplayReport> {
  const { sql, lake, config } = rt.deps;
  const llm = options.llm ?? rt.deps.llm;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxWaits = options.maxRateLimitWaits ?? 8;
  const models = llm.provider === 'groq' ? { facts: config.factsModel, synthesis: config.synthesisModel } : { facts: 'heuristic-v1', synthesis: 'heuristic-v1' };
  const engineOptions: Partial<ResearchOptions> = {
    factsModel: models.facts,
    synthesisModel: models.synthesis,
    // the budget as ResearchLead plans it (token and dollar limits per lead), so a replay with
    // unchanged settings researches exactly what the run researched
    promptTokenBudget: leadBudgetPlan(config, llm.provider, [models.facts, models.synthesis]).promptTokens,
    ...options.research,
  };

  const run = await sql.query<{ id: string }>(`SELECT id FROM run WHERE id = :runId::uuid`, { runId });
  if (!run.rows[0]) throw new ProspectorError(`run ${runId} does not exist: list recent runs with \`prospector runs\``);

  const wanted = options.leads?.map((e) => e.trim().toLowerCase());
  const leadRows = await sql.query<{ lead_id: string; email: string; status: string; reason: string | null; research_id: string | null }>(
    `SELECT rl.lead_id, l.email, rl.status, rl.reason, rl.research_id
     FROM run_lead rl JOIN lead l ON l.id = rl.lead_id WHERE rl.run_id = :runId::uuid ORDER BY l.email`,
    { runId },
  );
  // A lead the run does not have would replay nothing and pass a check that tested nothing.
  const unknown = (wanted ?? []).filter((e) => !leadRows.rows.some((l) => l.email === e));
  if (unknown.length > 0) {
    throw new ProspectorError(
      `${unknown.map((e) => `--lead ${e}`).join(', ')}: not ${unknown.length === 1 ? 'a lead' : 'leads'} of run ${runId} ` +
        `(it has ${leadRows.rows.length} lead${leadRows.rows.length === 1 ? '' : 's'}): check the spelling; \`prospector export --run ${runId.slice(0, 8)}\` lists them`,
    );
  }
  const leads = leadRows.rows.filter((l) => !wanted || wanted.includes(l.email));
  const sellers = new Map<string, Awaited<ReturnType<typeof loadSellerContext>>>();
  const out: LeadReplay[] = [];

  for (const row of leads) {
    const lead = await loadRunLead(sql, runId, row.lead_id);
    const before = await storedOutcome(sql, row);
    const snaps = await sql.query<SnapshotRow>(
      `SELECT id, url, final_url, kind, raw_key, meta_key, content_sha256 FROM page_snapshot
       WHERE run_id = :runId::uuid AND company_id = :companyId::uuid AND outcome = 'fetched' ORDER BY fetched_at, url`,
      { runId, companyId: lead.companyId },
    );
    const base = { lead: lead.email, company: lead.companyName, domain: lead.domain, pages: snaps.rows.length, before: before.outcome };
    if (snaps.rows.length === 0) {
      out.push({
        ...base, replayed: false, note: `no stored page to replay (${row.status}${row.reason ? `: ${row.reason}` : ''})`,
        after: null, factsAdded: [], factsDropped: [], fitScoreChanged: false, statusChanged: false, changed: false,
      });
      options.onLead?.(out.at(-1)!, out.length, leads.length);
      continue;
    }

    let after: ReplayOutcome;
    let afterFacts: ReplayFact[] = [];
    try {
      // the same page set, in the same order, as ResearchLead reads it
      const pages: ResearchPage[] = [];
      for (const snap of snaps.rows) {
        const html = await storedHtml(lake, snap);
        const url = snap.final_url ?? snap.url;
        const cleaned = await cleanPage(html, url, { ...options.clean, kind: snap.kind as never });
        const signals = extractSignals(html, url, cleaned);
        pages.push({ snapshotId: snap.id, url, kind: snap.kind, title: cleaned.title ?? '', text: cleaned.text, signals: signals as unknown as Record<string, unknown> });
        // DOM documents are freed only when the event loop turns
        await new Promise((resolve) => setImmediate(resolve));
      }
      let seller = sellers.get(lead.workspaceId);
      if (!seller) sellers.set(lead.workspaceId, (seller = await loadSellerContext(sql, lead.workspaceId)));
      const input = { lead: { email: lead.email, name: lead.name, companyName: lead.companyName, domain: lead.domain }, seller, icpId: lead.icpId, pages };
      const deps = {
        llm,
        // a harness keeps nothing: the exchange is not archived
        archive: async (_record: Record<string, unknown>, callId: string) => `replay:${callId}`,
        now: () => new Date(),
        newId: randomUUID,
      };
      let result: ResearchResult | undefined;
      for (let waits = 0; !result; waits++) {
        try {
          result = await researchLead(input, deps, engineOptions);
        } catch (error) {
          if (!(error instanceof RateLimitedError) || waits >= maxWaits) throw error;
          await sleep(error.retryAfterSeconds * 1000);
        }
      }
      after = outcomeOf(result);
      afterFacts = result.facts.map((f) => ({ category: f.category, claim: f.claim, quote: f.quote, sourceUrl: f.sourceUrl }));
    } catch (error) {
      const { name, message } = describeError(error);
      after = { status: 'failed', researchStatus: null, fitScore: null, facts: 0, promptTokens: 0, error: `${name}: ${message}` };
    }

    const beforeKeys = new Set(before.facts.map(factKey));
    const afterKeys = new Set(afterFacts.map(factKey));
    const factsAdded = afterFacts.filter((f) => !beforeKeys.has(factKey(f)));
    const factsDropped = before.facts.filter((f) => !afterKeys.has(factKey(f)));
    const fitScoreChanged = before.outcome.fitScore !== after.fitScore;
    const statusChanged = before.outcome.status !== after.status;
    out.push({
      ...base, replayed: true, after, factsAdded, factsDropped, fitScoreChanged, statusChanged,
      changed: fitScoreChanged || statusChanged || factsAdded.length > 0 || factsDropped.length > 0,
    });
    options.onLead?.(out.at(-1)!, out.length, leads.length);
  }

  const replayed = out.filter((l) => l.replayed);
  return {
    runId,
    provider: llm.provider,
    promptVersion: PROMPT_VERSION,
    promptTokenBudget: engineOptions.promptTokenBudget ?? config.promptTokenBudget,
    leads: out,
    totals: {
      leads: out.length,
      replayed: replayed.length,
      notReplayable: out.length - replayed.length,
      changed: replayed.filter((l) => l.changed).length,
      unchanged: replayed.filter((l) => !l.changed).length,
      factsAdded: replayed.reduce((s, l) => s + l.factsAdded.length, 0),
      factsDropped: replayed.reduce((s, l) => s + l.factsDropped.length, 0),
      fitScoreMoved: replayed.filter((l) => l.fitScoreChanged).length,
      statusChanged: replayed.filter((l) => l.statusChanged).length,
      failed: replayed.filter((l) => l.after?.status === 'failed').length,
      promptTokensBefore: replayed.reduce((s, l) => s + l.before.promptTokens, 0),
      promptTokensAfter: replayed.reduce((s, l) => s + (l.after?.promptTokens ?? 0), 0),
    },
  };
}

/** What the run holds for the lead: its research (and facts), or its status when it has none. */
async function storedOutcome(
  sql: Sql,
  row: { status: string; reason: string | null; research_id: string | null },
): Promise<{ outcome: LeadReplay['before']; facts: ReplayFact[] }> {
  if (!row.research_id) {
    return {
      outcome: { status: row.status, researchStatus: null, fitScore: null, facts: 0, promptTokens: 0, researchId: null, researchRunId: null, ...(row.status === 'failed' && row.reason ? { error: row.reason } : {}) },
      facts: [],
    };
  }
  const r = await sql.query<{ status: string; fit_score: number | null; prompt_tokens: number; run_id: string }>(
    `SELECT status, fit_score, prompt_tokens, run_id FROM research WHERE id = :id::uuid`,
    { id: row.research_id },
  );
  const facts = await sql.query<{ category: string; claim: string; quote: string; source_url: string; verified: boolean }>(
    `SELECT category, claim, quote, source_url, verified FROM fact WHERE research_id = :id::uuid ORDER BY local_id`,
    { id: row.research_id },
  );
  const res = r.rows[0];
  const outcome = outcomeOf({ status: res.status, fitScore: res.fit_score, facts: facts.rows, promptTokens: res.prompt_tokens });
  return {
    outcome: { ...outcome, researchId: row.research_id, researchRunId: res.run_id },
    facts: facts.rows.map((f) => ({ category: f.category, claim: f.claim, quote: f.quote, sourceUrl: f.source_url })),
  };
}

// ---------------------------------------------------------------------------------------------
// Text

const n = (x: number) => x.toLocaleString('en-US');
const score = (s: number | null) => (s === null ? '–' : String(s));
const clip = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** The replay as text: one line per changed lead with its differences, then totals. */
export function formatReplay(r: ReplayReport, options: { verbose?: boolean } = {}): string {
  const t = r.totals;
  const researcher = r.provider === 'offline-heuristic' ? 'offline heuristic researcher (no LLM)' : r.provider;
  const out = [
    `Replay of run ${r.runId}: ${n(t.replayed)} of ${n(t.leads)} leads re-cleaned and re-researched from the lake`,
    `  researcher ${researcher} · prompts ${r.promptVersion} · token budget ${n(r.promptTokenBudget)} per lead`,
    '  nothing was fetched and nothing was written',
  ];
  const changed = r.leads.filter((l) => l.changed);
  if (changed.length) out.push('', 'Changed:');
  for (const l of changed) {
    const bits: string[] = [];
    if (l.statusChanged) bits.push(`status ${l.before.status} → ${l.after!.status}`);
    if (l.fitScoreChanged) bits.push(`fit ${score(l.before.fitScore)} → ${score(l.after!.fitScore)}`);
    bits.push(`facts ${l.before.facts} → ${l.after!.facts} (+${l.factsAdded.length} −${l.factsDropped.length})`);
    out.push(`  ${l.lead} (${l.company}): ${bits.join(' · ')}`);
    if (l.after?.error) out.push(`    error: ${clip(l.after.error, 200)}`);
    const limit = options.verbose ? Infinity : 5;
    for (const f of l.factsAdded.slice(0, limit)) out.push(`    + [${f.category}] "${clip(f.quote, 110)}" (${f.sourceUrl})`);
    if (l.factsAdded.length > limit) out.push(`    + … ${l.factsAdded.length - limit} more added (--verbose or --json lists all)`);
    for (const f of l.factsDropped.slice(0, limit)) out.push(`    - [${f.category}] "${clip(f.quote, 110)}" (${f.sourceUrl})`);
    if (l.factsDropped.length > limit) out.push(`    - … ${l.factsDropped.length - limit} more dropped (--verbose or --json lists all)`);
  }
  const skipped = r.leads.filter((l) => !l.replayed);
  if (skipped.length && options.verbose) {
    out.push('', 'Not replayable:');
    for (const l of skipped) out.push(`  ${l.lead}: ${l.note}`);
  }
  out.push(
    '',
    changed.length
      ? `Totals: ${n(t.changed)} changed, ${n(t.unchanged)} unchanged, ${n(t.notReplayable)} not replayable (no stored page) · facts +${n(t.factsAdded)} −${n(t.factsDropped)} · fit moved ${n(t.fitScoreMoved)} · status changed ${n(t.statusChanged)}${t.failed ? ` · failed ${n(t.failed)}` : ''} · prompt tokens ${n(t.promptTokensBefore)} → ${n(t.promptTokensAfter)}`
      : `No differences: the current cleaner, prompts and researcher reproduce the stored research of all ${n(t.replayed)} replayed leads (${n(t.notReplayable)} had no stored page) · prompt tokens ${n(t.promptTokensBefore)} → ${n(t.promptTokensAfter)}`,
  );
  return out.join('\n');
}
