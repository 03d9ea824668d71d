/**
 * `prospector eval --suite drafts`: how well drafting keeps to the evidence, on the sample web.
 *
 * The sample web's leads are researched offline in a temporary home (the user's data is never
 * touched), then each lead at or above its ICP's fit threshold is drafted twice over:
 * - by the templates (the offline provider's drafter);
 * - by the LLM drafter through the real groq-sdk against the loopback fake Groq, once with a
 *   clean answer and once per scripted misbehaviour (invented funding, a wrong customer name, a
 *   made-up number, a pretended prior call, a banned phrase, a placeholder left in).
 * The grounding checker judges every message; the figures say what it caught.
 *
 * Figures (per provider, and the two headline ones over both):
 * - `inventedSpecificsCaught`: of the messages given an invented specific (funding, customer,
 *   number, prior call), the share the checker blocked (goal 1.0; null when none was injected);
 * - `sendableWithInventedSpecific`: messages with an injected invented specific, or with an
 *   `invented_specific` finding, that are not blocked (goal 0);
 * - `citedSentenceRate`: of the prospect-specific sentences of clean drafts, the share citing a
 *   verified fact;
 * - `toneCompliance`: share of clean messages with no tone finding (length, banned phrase,
 *   opt-out, spam wording, shouting subject);
 * - `medianWords`: median words of the clean emails' bodies (signature and opt-out line excluded).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roleAddress } from '#core/leads/role-address.ts';
import { emailsOnly } from '#core/pipeline/draft-outreach.ts';
import { DirectoryLeadSearch } from '#adapters/directory-lead-search.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import type { ComposeInput } from '#core/outreach/compose.ts';
import { draftLead, DEFAULT_DRAFT_MODEL, type DraftDeps, type DraftLeadResult } from '#core/outreach/draft.ts';
import { isProspectSpecific, type GroundingRule } from '#core/outreach/grounding.ts';
import type { DraftFact, DraftMessage } from '#core/outreach/templates.ts';
import type { Lake, LeadCandidate, LeadSearch, Sql } from '#core/ports.ts';
import { MISBEHAVIOURS, misbehave, misbehaviourVariant, type Misbehaviour } from './fakes/draft-answer.ts';
import { startFakeGroq } from './fakes/fake-groq.ts';
import { openLocal, runOnce } from './runner.ts';
import { SPECIAL_HOSTS } from './sample-web/server.ts';

const SAMPLE_ONBOARDING = join(import.meta.dirname, 'data', 'sample-onboarding.yaml');
const LEAD_DIRECTORY = join(import.meta.dirname, 'data', 'lead-directory.json');

const TONE_RULES: ReadonlySet<GroundingRule> = new Set(['too_long', 'banned_phrase', 'missing_opt_out', 'spam_wording', 'all_caps_subject']);

export interface DraftsEvalCase {
  injected: number;
  caught: number;
  /** the rule the checker must raise */
  rule: GroundingRule;
}

export interface DraftsEvalProvider {
  /** `template` (the offline drafter) or `llm` (the LLM drafter against the loopback fake Groq) */
  provider: 'template' | 'llm';
  model: string | null;
  leadsDrafted: number;
  /** leads that got no sequence, with the reason */
  notDrafted: { email: string; reason: string }[];
  /** messages of clean drafts */
  messages: number;
  inventedSpecificsInjected: number;
  inventedSpecificsCaught: number | null;
  sendableWithInventedSpecific: number;
  citedSentenceRate: number;
  toneCompliance: number;
  medianWords: number;
  /** clean messages the checker blocked: false alarms, or a drafter that invents */
  cleanBlocked: number;
  /** the drafting prompt's largest size, by the research engine's estimator (llm only) */
  maxPromptTokens: number | null;
  cases: Partial<Record<Misbehaviour, DraftsEvalCase>>;
}

export interface DraftsEvalResult {
  suite: 'drafts';
  leadsResearched: number;
  leadsEligible: number;
  /** leads at or above their threshold left out because their address is a team's mailbox and their ICP does not draft for those (draftRoleAddresses) */
  roleAddressesLeftOut: string[];
  inventedSpecificsCaught: number | null;
  sendableWithInventedSpecific: number;
  providers: DraftsEvalProvider[];
  /** what the checker let through or blocked wrongly: the messages behind a figure below its goal */
  problems: { provider: string; email: string; case: string; detail: string }[];
}

interface EligibleLead {
  email: string;
  input: ComposeInput;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const median = (xs: number[]) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Researched leads of a run at or above their ICP's threshold, as drafting reads them (a team's mailbox only where its ICP drafts for them). */
async function eligibleLeads(sql: Sql, runId: string, onboarding: Onboarding): Promise<{ researched: number; eligible: EligibleLead[]; roleAddresses: string[] }> {
  const rows = await sql.query<{ research_id: string; email: string; name: string; title: string | null; company: string; domain: string; icp_slug: string; fit_score: number | null; findings: Record<string, unknown> }>(
    `SELECT r.id AS research_id, l.email, l.name, l.title, c.name AS company, c.domain, i.slug AS icp_slug, r.fit_score, r.findings
       FROM run_lead rl JOIN research r ON r.id = rl.research_id JOIN lead l ON l.id = rl.lead_id
       JOIN lead_company c ON c.id = l.company_id JOIN icp i ON i.id = coalesce(rl.icp_id, l.icp_id)
      WHERE rl.run_id = :runId::uuid AND rl.status = 'researched' ORDER BY l.email`,
    { runId },
  );
  // The lead table has no title until the search step stores one: the directory has it.
  const directory = JSON.parse(await readFile(LEAD_DIRECTORY, 'utf8')) as { lead_email: string; title?: string }[];
  const titles = new Map(directory.filter((d) => d.title).map((d) => [d.lead_email.toLowerCase(), d.title!]));
  const eligible: EligibleLead[] = [];
  const roleAddresses: string[] = [];
  for (const r of rows.rows) {
    const icp = onboarding.icps.find((i) => i.slug === r.icp_slug);
    if (!icp || r.fit_score === null || r.fit_score < icp.fitThreshold) continue;
    // as drafting decides (draft-outreach.ts): a team mailbox only where the ICP drafts for them, emails only
    const role = roleAddress(r.email);
    if (role && !icp.draftRoleAddresses) {
      roleAddresses.push(r.email);
      continue;
    }
    const facts = await sql.query<DraftFact>(
      `SELECT local_id AS id, category, claim, quote, verified FROM fact WHERE research_id = :id::uuid ORDER BY local_id`,
      { id: r.research_id },
    );
    eligible.push({
      email: r.email,
      input: {
        lead: { name: r.name, email: r.email, companyName: r.company, domain: r.domain, title: r.title ?? titles.get(r.email.toLowerCase()) ?? null, ...(role ? { teamMailbox: role } : {}) },
        research: { researchId: r.research_id, fitScore: r.fit_score, facts: facts.rows, findings: r.findings },
        onboarding,
        icp: role ? emailsOnly(icp) : icp,
      },
    });
  }
  return { researched: rows.rows.length, eligible, roleAddresses };
}

function archiveTo(lake: Lake): DraftDeps['archive'] {
  return async (record, callId, at) => {
    const key = lakeKeys.llmCall(at, callId);
    await lake.put(key, JSON.stringify({ ...record, eval: 'drafts' }), { contentType: 'application/json' });
    return key;
  };
}

/** Tallies for one provider. */
class Tally {
  readonly out: DraftsEvalProvider;
  private specific = 0;
  private cited = 0;
  private toneOk = 0;
  private readonly words: number[] = [];
  private readonly promptTokens: number[] = [];

  constructor(
    provider: DraftsEvalProvider['provider'],
    model: string | null,
    private readonly problems: DraftsEvalResult['problems'],
  ) {
    this.out = {
      provider, model, leadsDrafted: 0, notDrafted: [], messages: 0, inventedSpecificsInjected: 0, inventedSpecificsCaught: null,
      sendableWithInventedSpecific: 0, citedSentenceRate: 0, toneCompliance: 0, medianWords: 0, cleanBlocked: 0, maxPromptTokens: null, cases: {},
    };
  }

  private messages(result: DraftLeadResult): { m: DraftMessage; kind: string }[] {
    if (!result.drafted) return [];
    return result.sequence.steps.flatMap((s) => s.messages.map((m) => ({ m, kind: s.kind })));
  }

  /** A draft with nothing injected: quality figures, and any invented specific the drafter wrote itself. */
  clean(email: string, result: DraftLeadResult): void {
    if (result.prompt) this.promptTokens.push(result.prompt.tokens);
    if (!result.drafted) {
      this.out.notDrafted.push({ email, reason: result.reason });
      return;
    }
    this.out.leadsDrafted++;
    for (const { m, kind } of this.messages(result)) {
      this.out.messages++;
      const findings = m.check.findings;
      if (findings.some((f) => f.rule === 'invented_specific') && m.check.verdict !== 'blocked') this.out.sendableWithInventedSpecific++;
      if (m.check.verdict === 'blocked') {
        this.out.cleanBlocked++;
        this.problems.push({ provider: this.out.provider, email, case: 'clean', detail: `${m.angle}: ${findings.map((f) => `${f.rule} ${f.detail}`).join('; ')}` });
      }
      if (!findings.some((f) => TONE_RULES.has(f.rule))) this.toneOk++;
      for (const s of m.check.sentences) {
        if (!isProspectSpecific(s)) continue;
        this.specific++;
        if (s.validFactIds.length > 0) this.cited++;
      }
      if (kind !== 'linkedin_connection_note') this.words.push(m.check.words);
    }
  }

  /** A draft whose answer was made to misbehave in one way, in one first-touch variant. */
  injected(email: string, kind: Misbehaviour, result: DraftLeadResult): void {
    const { rule, invented } = MISBEHAVIOURS[kind];
    const c = (this.out.cases[kind] ??= { injected: 0, caught: 0, rule });
    c.injected++;
    const target = result.drafted ? result.sequence.steps[0].messages.find((m) => m.variant === misbehaviourVariant(kind)) : undefined;
    const raised = !!target && target.check.findings.some((f) => f.rule === rule);
    const caught = invented ? raised && target!.check.verdict === 'blocked' : raised;
    if (caught) c.caught++;
    else this.problems.push({ provider: this.out.provider, email, case: kind, detail: target ? `${target.check.verdict}: ${JSON.stringify(target.check.findings.map((f) => f.rule))}` : 'no message to check' });
    if (invented) {
      this.out.inventedSpecificsInjected++;
      if (target && target.check.verdict !== 'blocked') this.out.sendableWithInventedSpecific++;
    }
  }

  finish(): DraftsEvalProvider {
    const invented = Object.entries(this.out.cases).filter(([k]) => MISBEHAVIOURS[k as Misbehaviour].invented);
    const caught = invented.reduce((n, [, c]) => n + c!.caught, 0);
    this.out.inventedSpecificsCaught = this.out.inventedSpecificsInjected ? round(caught / this.out.inventedSpecificsInjected) : null;
    this.out.citedSentenceRate = round(this.specific ? this.cited / this.specific : 0);
    this.out.toneCompliance = round(this.out.messages ? this.toneOk / this.out.messages : 0);
    this.out.medianWords = median(this.words);
    this.out.maxPromptTokens = this.promptTokens.length ? Math.max(...this.promptTokens) : null;
    return this.out;
  }
}

/**
 * The bundled directory without the sample web's deliberately slow company: its site answers
 * nothing before the fetch timeout, so its lead can never be drafted, and a run that includes it
 * waits the whole timeout (8 s by default) for a failure this suite does not measure.
 */
export class DraftableDirectory implements LeadSearch {
  readonly #inner = new DirectoryLeadSearch();
  readonly name = this.#inner.name;
  async searchLeads(keywords: string[]): Promise<LeadCandidate[]> {
    const slow = `@${SPECIAL_HOSTS.slow}`;
    return (await this.#inner.searchLeads(keywords)).filter((lead) => !(typeof lead.lead_email === 'string' && lead.lead_email.toLowerCase().endsWith(slow)));
  }
}

/** Runs the drafting evaluation in a temporary PROSPECTOR_HOME with a loopback fake Groq. */
export async function runDraftsEval(options: { keepHome?: boolean; onProgress?: (line: string) => void } = {}): Promise<DraftsEvalResult> {
  const progress = options.onProgress ?? (() => undefined);
  const home = await mkdtemp(join(tmpdir(), 'prospector-eval-drafts-'));
  // Research is offline whatever the environment says: the suite measures drafting, and must
  // never spend real tokens or reach the network.
  const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, leadSearch: new DraftableDirectory() });
  const fake = await startFakeGroq();
  try {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    // The sample onboarding as it is: a seller's own customers and suppressed leads are never
    // drafted for (writing to Keelhaul Freight about Keelhaul Freight's own case study is what the
    // checker rightly blocks).
    await importOnboarding(rt.deps.sql, onboarding);
    progress('researching the sample web offline');
    const run = await runOnce(rt);
    const { researched, eligible, roleAddresses } = await eligibleLeads(rt.deps.sql, run.runId, onboarding);
    const problems: DraftsEvalResult['problems'] = [];
    const archive = archiveTo(rt.deps.lake);

    progress(`drafting ${eligible.length} leads from templates`);
    const templates = new Tally('template', null, problems);
    for (const lead of eligible) templates.clean(lead.email, await draftLead(lead.input, { llm: rt.deps.llm, archive }, 'template'));

    progress(`drafting ${eligible.length} leads with the LLM drafter against the loopback fake Groq`);
    const llm = new GroqLlm({ apiKey: 'eval-fake-key', baseURL: fake.baseURL, maxRetries: 0 });
    const model = DEFAULT_DRAFT_MODEL;
    const byModel = new Tally('llm', model, problems);
    const cases = (Object.keys(MISBEHAVIOURS) as Misbehaviour[]).filter((k) => k !== 'banned_phrase' || onboarding.tone.bannedPhrases.length > 0);
    for (const lead of eligible) {
      fake.setScript([]);
      byModel.clean(lead.email, await draftLead(lead.input, { llm, archive }, 'llm', { model }));
      for (const kind of cases) {
        fake.setScript([{ when: (call) => call.pass === 'draft', fault: { kind: 'rewrite', rewrite: (content, call) => misbehave(content, call.user, kind) } }]);
        byModel.injected(lead.email, kind, await draftLead(lead.input, { llm, archive }, 'llm', { model }));
      }
    }

    const providers = [templates.finish(), byModel.finish()];
    const injected = providers.reduce((n, p) => n + p.inventedSpecificsInjected, 0);
    const caught = providers.reduce((n, p) => n + Object.entries(p.cases).filter(([k]) => MISBEHAVIOURS[k as Misbehaviour].invented).reduce((m, [, c]) => m + c!.caught, 0), 0);
    return {
      suite: 'drafts',
      leadsResearched: researched,
      leadsEligible: eligible.length,
      roleAddressesLeftOut: roleAddresses,
      inventedSpecificsCaught: injected ? round(caught / injected) : null,
      sendableWithInventedSpecific: providers.reduce((n, p) => n + p.sendableWithInventedSpecific, 0),
      providers,
      problems,
    };
  } finally {
    await fake.close();
    await rt.close();
    if (!options.keepHome) await rm(home, { recursive: true, force: true });
  }
}
