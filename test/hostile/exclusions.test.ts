/**
 * Who must never be prospected (suppressed emails and domains, the seller itself, its customers
 * and competitors) is dropped at the search step, before a single web request or LLM token, and
 * shows up in the run summary's `skipped` with the reason. Driven through the real state machine
 * with a Web port that records every URL asked of it and an LLM that records every prompt.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { parseOnboarding } from '#core/onboarding/schema.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { summarizeRun, type RunSummary } from '#core/pipeline/finish-run.ts';
import { searchLeads, type RejectedLead } from '#core/pipeline/search-leads.ts';
import type { Lake, LeadCandidate, Llm, LlmRequest, Web } from '#core/ports.ts';
import { stageLeads } from '#local/runner.ts';
import { executeLocally } from '#local/state-machine.ts';
import { freshDb, onboardedDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { inProcessDeps, memoryLake, stubWeb } from './support.ts';

/** The offline researcher, recording each prompt. */
function recordingLlm(): Llm & { prompts: LlmRequest[] } {
  const inner = new HeuristicLlm();
  const prompts: LlmRequest[] = [];
  return { provider: inner.provider, prompts, complete: (request) => (prompts.push(request), inner.complete(request)) };
}

const depsOver = (sql: PgliteSql, web: Web, llm: Llm, lake: Lake = memoryLake()): Deps => inProcessDeps(sql, { web, llm, lake, config: { leadConcurrency: 4 } });

const lead = (email: string, website: string, company = 'Someone'): LeadCandidate => ({ company_name: company, company_website: website, lead_email: email, lead_name: 'Pat Lead' });

// The sample onboarding suppresses legal@brightpallet.example, ap@harborline-logistics.example,
// the domains keelhaul-freight.example and quarrystone-group.example; the seller is tallyhand.com,
// keelhaul-freight.example is also a customer, spendlyte.com and apflow.io are competitors.
const EXCLUDED: { lead: LeadCandidate; email: string; reason: string }[] = [
  { lead: lead('legal@brightpallet.example', 'https://brightpallet.example'), email: 'legal@brightpallet.example', reason: 'suppressed: Opted out by reply on 2024-03-12' },
  { lead: lead(' AP@Harborline-Logistics.EXAMPLE ', 'https://www.harborline-logistics.example/about?x=1'), email: 'ap@harborline-logistics.example', reason: 'suppressed: Asked not to be contacted again' },
  { lead: lead('cfo@quarrystone-group.example', 'quarrystone-group.example'), email: 'cfo@quarrystone-group.example', reason: 'suppressed: Active legal dispute; no outreach' },
  { lead: lead('ops@eu.quarrystone-group.example', 'https://shop.EU.Quarrystone-Group.example.:443/'), email: 'ops@eu.quarrystone-group.example', reason: 'suppressed: Active legal dispute; no outreach' },
  // The website is elsewhere, but the mailbox is at the suppressed domain.
  { lead: lead('x@quarrystone-group.example', 'https://quarrystone-holdings.example'), email: 'x@quarrystone-group.example', reason: 'suppressed: Active legal dispute; no outreach' },
  { lead: lead('jordan@tallyhand.com', 'https://www.tallyhand.com'), email: 'jordan@tallyhand.com', reason: "the seller's own domain" },
  { lead: lead('someone@gmail.example', 'HTTPS://TALLYHAND.COM/pricing'), email: 'someone@gmail.example', reason: "the seller's own domain" },
  { lead: lead('dana@keelhaul-freight.example', 'https://keelhaul-freight.example'), email: 'dana@keelhaul-freight.example', reason: 'existing customer' },
  { lead: lead('buyer@spendlyte.com', 'HTTPS://WWW.SPENDLYTE.COM:443/pricing'), email: 'buyer@spendlyte.com', reason: 'competitor (Spendlyte)' },
  { lead: lead('marco@apflow.io', 'apflow.io.'), email: 'marco@apflow.io', reason: 'competitor (APFlow)' },
];
const ALLOWED = lead('priya@brightpallet.example', 'https://brightpallet.example', 'BrightPallet');

describe('exclusions are dropped before any request or token', () => {
  let db: PgliteSql;
  let web: ReturnType<typeof stubWeb>;
  let llm: ReturnType<typeof recordingLlm>;
  let summary: RunSummary;

  beforeAll(async () => {
    ({ db } = await onboardedDb());
    web = stubWeb();
    llm = recordingLlm();
    const deps = depsOver(db, web, llm);
    const leadsKey = await stageLeads(deps.lake, [...EXCLUDED.map((e) => e.lead), ALLOWED]);
    const output = (await executeLocally(deps, { trigger: 'manual', leadsKey }, { retryIntervalOverrides: { FetchSite: 1, CleanPages: 1, ResearchLead: 1 } })) as { runId: string };
    summary = await summarizeRun(deps.sql, output.runId);
  }, 60_000);

  afterAll(async () => {
    await db?.close();
  });

  it('lists every excluded lead in the summary as skipped, with its reason, and counts them', () => {
    expect(summary.status).toBe('succeeded');
    for (const e of EXCLUDED) expect(summary.skipped, e.email).toContainEqual({ lead: e.email, reason: e.reason });
    expect(summary.leadsSkipped).toBe(EXCLUDED.length);
    expect(summary.leadsResearched).toBe(1);
    expect(summary.leadsFound).toBe(EXCLUDED.length + 1);
  });

  it('asks the web only for the allowed lead and spends tokens only on it', () => {
    expect(web.asked.length).toBeGreaterThan(0);
    for (const url of web.asked) expect(new URL(url).hostname).toBe('brightpallet.example');
    expect(llm.prompts.length).toBeGreaterThan(0);
    for (const p of llm.prompts) {
      for (const e of EXCLUDED) {
        const domain = e.email.split('@')[1];
        if (domain !== 'brightpallet.example') expect(p.user, e.email).not.toContain(domain);
      }
      expect(p.user).not.toContain('legal@brightpallet.example');
    }
  });

  it('stores no lead and no company for an excluded lead', async () => {
    const leads = await db.query<{ email: string }>('SELECT email FROM lead');
    expect(leads.rows.map((r) => r.email)).toEqual(['priya@brightpallet.example']);
    const companies = await db.query<{ domain: string }>('SELECT domain FROM lead_company');
    expect(companies.rows.map((r) => r.domain)).toEqual(['brightpallet.example']);
  });
});

describe('exclusion matching (property)', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let deps: Deps;

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    deps = depsOver(db, stubWeb(), recordingLlm());
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Runs the search step over `leads` in a run of its own and returns what it rejected. */
  async function search(leads: LeadCandidate[]): Promise<RejectedLead[]> {
    const runId = crypto.randomUUID();
    await db.query(`INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:id::uuid, :ws::uuid, 'manual', 'none', 'test')`, { id: runId, ws: workspaceId });
    const leadsKey = await stageLeads(deps.lake, leads);
    await searchLeads(deps, { runId, icp: { icpId: null, slug: 'leads-file', keywords: [], quota: 100, leadsKey } });
    const row = await db.query<{ rejected: RejectedLead[] }>(`SELECT rejected FROM search_query WHERE run_id = :id::uuid`, { id: runId });
    return row.rows[0].rejected;
  }

  // Any way a provider might spell a host: case, www., a subdomain, a trailing dot, a default
  // port, a path and query, with or without a scheme.
  const spelling = (domain: string) =>
    fc
      .record({
        sub: fc.constantFrom('', 'www.', 'eu.', 'mail.corp.'),
        upper: fc.boolean(),
        dot: fc.boolean(),
        scheme: fc.constantFrom('', 'https://', 'http://', 'HTTPS://'),
        port: fc.constantFrom('', ':443', ':80'),
        path: fc.constantFrom('', '/', '/about', '/en/home?utm_source=x#team'),
      })
      .map(({ sub, upper, dot, scheme, port, path }) => {
        const host = `${sub}${domain}${dot ? '.' : ''}`;
        return `${scheme}${upper ? host.toUpperCase() : host}${port}${path}`;
      });

  it('excludes every spelling of a suppressed, own, customer or competitor domain', async () => {
    const domains = ['quarrystone-group.example', 'tallyhand.com', 'keelhaul-freight.example', 'spendlyte.com', 'apflow.io'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...domains).chain(spelling), fc.nat({ max: 1_000_000 }), async (website, n) => {
        const rejected = await search([lead(`lead${n}@unrelated-mail.example`, website)]);
        expect(rejected, website).toHaveLength(1);
        expect(rejected[0].kind, website).toBe('excluded');
      }),
      { numRuns: 30 },
    );
  });

  it('excludes a suppressed mailbox however its address is written, whatever the website', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('legal@brightpallet.example', 'ap@harborline-logistics.example'), fc.boolean(), fc.constantFrom(' ', '', '\t'), async (email, upper, pad) => {
        const rejected = await search([lead(`${pad}${upper ? email.toUpperCase() : email}${pad}`, 'https://some-other-site.example')]);
        expect(rejected).toEqual([{ lead: email, kind: 'excluded', reason: expect.stringMatching(/^suppressed: /) }]);
      }),
      { numRuns: 12 },
    );
  });

  it('never excludes a domain that merely ends with an excluded name', async () => {
    const rejected = await search([
      lead('a@notspendlyte.com', 'https://notspendlyte.com'),
      lead('b@spendlyte.com.evil.example', 'https://spendlyte.com.evil.example'),
      lead('c@quarrystone-group.example.org', 'https://quarrystone-group.example.org'),
    ]);
    expect(rejected).toEqual([]);
  });

  // Known gap: the onboarding accepts an exclusion written with "www." (it is a bare domain),
  // but leads are normalised without "www.", and matching walks the lead's parents only, so
  // "www.rival.example" excludes nothing. Fix by normalising exclusion domains the way lead
  // domains are normalised (normalizeDomain) when they are loaded or imported.
  it('an exclusion written as www.rival.example also excludes rival.example', async () => {
    const own = await freshDb();
    try {
      const sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
      const edited = parseOnboarding({ ...sample, company: { ...sample.company, competitors: [{ name: 'Rival', domain: 'www.rival.example' }] } });
      const { workspaceId: ws } = await importOnboarding(own, edited);
      const runId = crypto.randomUUID();
      await own.query(`INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:id::uuid, :ws::uuid, 'manual', 'none', 'test')`, { id: runId, ws });
      const d = depsOver(own, stubWeb(), recordingLlm());
      const leadsKey = await stageLeads(d.lake, [lead('buyer@rival.example', 'https://www.rival.example')]);
      const out = await searchLeads(d, { runId, icp: { icpId: null, slug: 'leads-file', keywords: [], quota: 100, leadsKey } });
      expect(out.accepted).toBe(0);
    } finally {
      await own.close();
    }
  });
});
