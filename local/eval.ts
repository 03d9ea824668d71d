/**
 * `prospector eval`: runs the research over the sample web, one lead per company in the gold
 * set, and measures what the LLM was given and what came back against that labelled set.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { LlmExchangeRecord } from '#core/llm/records.ts';
import type { LeadCandidate, Llm } from '#core/ports.ts';
import { parseFindings } from '#core/research/records.ts';
import { openLocal, runOnce, type RunOptions } from './runner.ts';

export const GOLD_FILE = join(import.meta.dirname, 'data', 'gold-facts.json');
export const SAMPLE_SITES = join(import.meta.dirname, 'sample-web', 'sites');
const SAMPLE_ONBOARDING = join(import.meta.dirname, 'data', 'sample-onboarding.yaml');

interface GoldCompany {
  domain: string;
  facts: { category: string; label: string; evidence: string; page: string }[];
}

export interface EvalResult {
  provider: string;
  companies: number;
  leadsResearched: number;
  /** Share of gold facts whose evidence is in the text given to the LLM. */
  evidenceRecall: number;
  medianPromptTokensPerLead: number;
  /** Verified facts over all facts stored. */
  verifiedFactRate: number;
  /** Hooks whose every cited fact is stored and verified, over all hooks. */
  hooksWithEvidenceRate: number;
  /** Cookie-banner and newsletter snippets found in the text given to the LLM. */
  noiseLeaked: number;
  missed: { domain: string; label: string; evidence: string }[];
  leaks: { domain: string; snippet: string }[];
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/ ([,.;:!?])/g, '$1')
    .trim();

const median = (xs: number[]) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Sentences of cookie banners and newsletter boxes on the sample web: what must never leak. */
export async function noiseSnippets(sitesDir = SAMPLE_SITES): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const domain of await readdir(sitesDir)) {
    const snippets = new Set<string>();
    for (const file of (await readdir(join(sitesDir, domain))).filter((f) => f.endsWith('.html'))) {
      const { document } = parseHTML(await readFile(join(sitesDir, domain, file), 'utf8'));
      const nodes = document.querySelectorAll('[id*="cookie" i], [class*="cookie" i], [class*="consent" i], [class*="newsletter" i], [aria-label="Newsletter"]');
      for (const node of nodes) {
        for (const sentence of (node.textContent ?? '').split(/(?<=[.!?])\s+|\n+/)) {
          const s = norm(sentence);
          if (s.length >= 24) snippets.add(s);
        }
      }
    }
    out.set(domain, [...snippets]);
  }
  return out;
}

/** Runs the evaluation in a temporary PROSPECTOR_HOME (the user's data is never touched). */
export async function runEval(
  options: {
    env?: NodeJS.ProcessEnv;
    llm?: Llm;
    keepHome?: boolean;
    /** told how many companies are researched, before the run starts */
    onStart?: (companies: number) => void;
    /** the run's execution events, for a progress line */
    onEvent?: RunOptions['onEvent'];
  } = {},
): Promise<EvalResult> {
  const gold = JSON.parse(await readFile(GOLD_FILE, 'utf8')) as GoldCompany[];
  const home = await mkdtemp(join(tmpdir(), 'prospector-eval-'));
  const rt = await openLocal({ env: { ...process.env, ...options.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, llm: options.llm });
  try {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    // The eval measures research, not exclusions: no lead of the gold set is suppressed.
    await importOnboarding(rt.deps.sql, { ...onboarding, company: { ...onboarding.company, customerDomains: [] }, suppressions: [] } as typeof onboarding);
    const leads: LeadCandidate[] = gold.map((g) => ({
      company_name: g.domain.split('.')[0],
      company_website: `https://${g.domain}/`,
      lead_email: `eval@${g.domain}`,
      lead_name: 'Eval Lead',
    }));
    options.onStart?.(leads.length);
    const summary = await runOnce(rt, { leads, onEvent: options.onEvent });

    // What the LLM was given: the user prompts archived in the lake for this run, per domain.
    const given = new Map<string, string>();
    for (const key of await rt.deps.lake.list('llm/')) {
      const rec = LlmExchangeRecord.parse(JSON.parse((await rt.deps.lake.get(key))!.toString('utf8')));
      if (rec.runId !== summary.runId || !rec.lead.domain) continue;
      given.set(rec.lead.domain, `${given.get(rec.lead.domain) ?? ''}\n${norm(rec.request.user)}`);
    }

    const missed: EvalResult['missed'] = [];
    let goldTotal = 0;
    for (const g of gold) {
      const text = given.get(g.domain) ?? '';
      for (const f of g.facts) {
        goldTotal++;
        if (!text.includes(norm(f.evidence))) missed.push({ domain: g.domain, label: f.label, evidence: f.evidence });
      }
    }
    const noise = await noiseSnippets();
    const leaks: EvalResult['leaks'] = [];
    for (const [domain, text] of given) {
      for (const snippet of noise.get(domain) ?? []) if (text.includes(snippet)) leaks.push({ domain, snippet });
    }

    const sql = rt.deps.sql;
    const research = await sql.query<{ id: string; prompt_tokens: number; findings: unknown }>(
      `SELECT id, prompt_tokens, findings FROM research WHERE run_id = :runId::uuid`,
      { runId: summary.runId },
    );
    const facts = await sql.query<{ research_id: string; local_id: string; verified: boolean }>(
      `SELECT research_id, local_id, verified FROM fact WHERE research_id IN (SELECT id FROM research WHERE run_id = :runId::uuid)`,
      { runId: summary.runId },
    );
    const verifiedIds = new Set(facts.rows.filter((f) => f.verified).map((f) => `${f.research_id}/${f.local_id}`));
    let hooks = 0;
    let hooksBacked = 0;
    for (const r of research.rows) {
      for (const h of parseFindings(r.findings, r.id).hooks) {
        hooks++;
        if (h.factIds.length > 0 && h.factIds.every((id) => verifiedIds.has(`${r.id}/${id}`))) hooksBacked++;
      }
    }
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return {
      provider: rt.deps.llm.provider,
      companies: gold.length,
      leadsResearched: summary.leadsResearched,
      evidenceRecall: round(goldTotal ? (goldTotal - missed.length) / goldTotal : 0),
      medianPromptTokensPerLead: median(research.rows.map((r) => r.prompt_tokens)),
      verifiedFactRate: round(facts.rows.length ? facts.rows.filter((f) => f.verified).length / facts.rows.length : 0),
      hooksWithEvidenceRate: round(hooks ? hooksBacked / hooks : 0),
      noiseLeaked: leaks.length,
      missed,
      leaks,
    };
  } finally {
    await rt.close();
    if (!options.keepHome) await rm(home, { recursive: true, force: true });
  }
}
