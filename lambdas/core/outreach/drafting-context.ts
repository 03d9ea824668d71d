/**
 * What drafting reads, loaded from the database: the lead, its committed research (verified and
 * unverified facts with their quotes, the synthesis' findings; never a page), the seller's
 * onboarding as it stands now, the lead's ICP with its drafting settings, and a few recent rep
 * edits of the workspace as before/after examples.
 *
 * The onboarding is rebuilt from its tables and parsed with the onboarding file's own schema, so
 * drafting sees exactly the shape (and defaults) a validated file has.
 */
import { ProspectorError } from '../errors.ts';
import { onboardingSchema, type Onboarding, type OnboardingIcp } from '../onboarding/schema.ts';
import type { Json, Sql } from '../ports.ts';
import type { DraftFact } from './templates.ts';

/** A researched lead of a run, with the research it was drafted from. */
export interface DraftingLead {
  leadId: string;
  workspaceId: string;
  email: string;
  name: string;
  title: string | null;
  companyName: string;
  domain: string;
  icpId: string | null;
  /** the lead's status in the run (`researched` to be drafted for) */
  status: string;
  researchId: string | null;
  /** who referred the lead (a `referral` reply), if anyone: its first sequence is never autopiloted */
  referredBy: string | null;
  /** the run asks Groq in batches (batch mode): the drafting answer comes from the lead's attempt cache */
  groqBatch: boolean;
}

/** The lead's committed research as drafting reads it. */
export interface DraftingResearch {
  researchId: string;
  status: string;
  fitScore: number | null;
  findings: Record<string, unknown>;
  /** every fact, `id` being its local id (`f1`); only verified ones may be cited */
  facts: (DraftFact & { factId: string })[];
}

/** A rep's edit, before and after: shown to the LLM drafter so later drafts learn from it. */
export interface EditExample {
  before: { subject: string | null; body: string };
  after: { subject: string | null; body: string };
}

/** The lead as drafting needs it, or undefined when the lead is not part of the run. */
export async function loadDraftingLead(sql: Sql, runId: string, leadId: string): Promise<DraftingLead | undefined> {
  const r = await sql.query<{
    lead_id: string; workspace_id: string; email: string; name: string; title: string | null; company_name: string;
    domain: string; icp_id: string | null; status: string; research_id: string | null; referred_by_email: string | null; groq_batch: boolean;
  }>(
    `SELECT l.id AS lead_id, l.workspace_id, l.email, l.name, l.title, c.name AS company_name, c.domain,
            COALESCE(l.icp_id, rl.icp_id) AS icp_id, rl.status, rl.research_id, l.referred_by_email, r.groq_batch
       FROM run_lead rl JOIN run r ON r.id = rl.run_id JOIN lead l ON l.id = rl.lead_id JOIN lead_company c ON c.id = l.company_id
      WHERE rl.run_id = :runId::uuid AND rl.lead_id = :leadId::uuid`,
    { runId, leadId },
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    leadId: row.lead_id, workspaceId: row.workspace_id, email: row.email, name: row.name, title: row.title,
    companyName: row.company_name, domain: row.domain, icpId: row.icp_id, status: row.status, researchId: row.research_id,
    referredBy: row.referred_by_email, groqBatch: row.groq_batch === true,
  };
}

/** The committed research with its facts. */
export async function loadDraftingResearch(sql: Sql, researchId: string): Promise<DraftingResearch> {
  const r = await sql.query<{ id: string; status: string; fit_score: number | null; findings: Json }>(
    `SELECT id, status, fit_score, findings FROM research WHERE id = :id::uuid`,
    { id: researchId },
  );
  const row = r.rows[0];
  if (!row) throw new ProspectorError(`research ${researchId} does not exist`);
  const facts = await sql.query<{ fact_id: string; id: string; category: string; claim: string; quote: string; verified: boolean }>(
    `SELECT id AS fact_id, local_id AS id, category, claim, quote, verified FROM fact WHERE research_id = :id::uuid ORDER BY local_id`,
    { id: researchId },
  );
  const findings = row.findings && typeof row.findings === 'object' && !Array.isArray(row.findings) ? (row.findings as Record<string, unknown>) : {};
  return {
    researchId: row.id,
    status: row.status,
    fitScore: row.fit_score === null ? null : Number(row.fit_score),
    findings,
    facts: facts.rows.map((f) => ({ factId: f.fact_id, id: f.id, category: f.category, claim: f.claim, quote: f.quote, verified: f.verified })),
  };
}

/** The ICP's drafting settings beside the onboarding's view of it. */
export interface DraftingIcp {
  icp: OnboardingIcp;
  icpId: string;
  genericDrafts: boolean;
}

/**
 * The onboarding's tables for drafting in one statement (one Data API call instead of eight): a
 * row per workspace, user, seller company, product, the ICP, persona and tone, each row one
 * entity as JSON, so no row is larger than the entity it carries (the Data API refuses a row
 * over 64 KB). `ord` keeps each list in the order drafting has always read it.
 */
const ONBOARDING_SQL = `
SELECT kind, doc FROM (
  SELECT 'workspace' AS kind, 0 AS ord, to_jsonb(x) AS doc FROM (SELECT slug, name FROM workspace WHERE id = :ws::uuid) x
  UNION ALL
  SELECT 'user', row_number() OVER (ORDER BY x.email)::int, to_jsonb(x)
    FROM (SELECT name, email, title, timezone, signature, calendar_link, role FROM app_user WHERE workspace_id = :ws::uuid) x
  UNION ALL
  SELECT 'company', 0, to_jsonb(x)
    FROM (SELECT name, website, description, value_propositions, differentiators, proof_points, competitors, customer_domains
            FROM seller_company WHERE workspace_id = :ws::uuid) x
  UNION ALL
  SELECT 'product', row_number() OVER (ORDER BY x.name)::int, to_jsonb(x)
    FROM (SELECT name, description, pricing_model, price_notes, features, pains_solved, use_cases FROM product WHERE workspace_id = :ws::uuid) x
  UNION ALL
  SELECT 'icp', 0, to_jsonb(x)
    FROM (SELECT id, slug, name, description, industries, employees_min, employees_max, revenue_min_usd::text, revenue_max_usd::text, geographies,
                 technologies, funding_stages, buying_triggers, negative_icp, search_keywords, schedule, daily_lead_quota, active, products,
                 fit_threshold, autopilot, generic_drafts, draft_role_addresses, reps, sequence_steps
            FROM icp WHERE workspace_id = :ws::uuid AND id = :icp::uuid) x
  UNION ALL
  SELECT 'persona', row_number() OVER (ORDER BY x.position NULLS LAST, x.name)::int, to_jsonb(x) - 'position'
    FROM (SELECT name, titles, seniority, departments, responsibilities, pains, goals, objections, position FROM persona WHERE icp_id = :icp::uuid) x
  UNION ALL
  SELECT 'tone', 0, to_jsonb(x)
    FROM (SELECT formality::float8 AS formality, warmth::float8 AS warmth, directness::float8 AS directness, language, max_words, call_to_action,
                 sample_email, banned_phrases
            FROM tone_of_voice WHERE workspace_id = :ws::uuid) x
) parts
ORDER BY kind, ord`;

/**
 * The workspace's onboarding with the one ICP `icpId` (active or not: a lead keeps the ICP that
 * found it), parsed with the onboarding schema.
 */
export async function loadOnboarding(sql: Sql, workspaceId: string, icpId: string): Promise<{ onboarding: Onboarding; icp: DraftingIcp }> {
  const rows = await sql.query<{ kind: string; doc: Json }>(ONBOARDING_SQL, { ws: workspaceId, icp: icpId });
  const of = <T>(kind: string): T[] => rows.rows.filter((r) => r.kind === kind).map((r) => r.doc as T);
  const workspace = of<{ slug: string; name: string }>('workspace')[0];
  if (!workspace) throw new ProspectorError(`workspace ${workspaceId} does not exist`);
  const users = of<{ name: string; email: string; title: string | null; timezone: string; signature: string | null; calendar_link: string | null; role: 'admin' | 'rep' }>('user');
  const c = of<{
    name: string; website: string; description: string; value_propositions: string[]; differentiators: string[];
    proof_points: Json; competitors: Json; customer_domains: string[];
  }>('company')[0];
  if (!c) throw new ProspectorError(`workspace ${workspaceId} has no seller company: import an onboarding file first`);
  const products = of<{ name: string; description: string; pricing_model: string; price_notes: string | null; features: string[]; pains_solved: string[]; use_cases: string[] }>('product');
  const icp = of<{
    id: string; slug: string; name: string; description: string; industries: string[]; employees_min: number | null; employees_max: number | null;
    revenue_min_usd: string | null; revenue_max_usd: string | null; geographies: string[]; technologies: string[]; funding_stages: string[];
    buying_triggers: string[]; negative_icp: string[]; search_keywords: string[]; schedule: string; daily_lead_quota: number; active: boolean;
    products: string[]; fit_threshold: number; autopilot: boolean; generic_drafts: boolean; draft_role_addresses: boolean; reps: string[]; sequence_steps: Json;
  }>('icp')[0];
  if (!icp) throw new ProspectorError(`ICP ${icpId} is not an ICP of workspace ${workspaceId}`);
  const personas = of<{ name: string; titles: string[]; seniority: string; departments: string[]; responsibilities: string[]; pains: string[]; goals: string[]; objections: string[] }>('persona');
  const t = of<{ formality: number; warmth: number; directness: number; language: string; max_words: number; call_to_action: string; sample_email: string | null; banned_phrases: string[] }>('tone')[0];
  if (!t) throw new ProspectorError(`workspace ${workspaceId} has no tone of voice: import an onboarding file first`);

  const range = (min: number | string | null, max: number | string | null) =>
    min === null && max === null ? null : { min: min === null ? null : Number(min), max: max === null ? null : Number(max) };
  const raw = {
    workspace,
    users: users.map((u) => ({ name: u.name, email: u.email, title: u.title, timezone: u.timezone, signature: u.signature, calendarLink: u.calendar_link, role: u.role })),
    company: {
      name: c.name, website: c.website, description: c.description, valuePropositions: c.value_propositions, differentiators: c.differentiators,
      proofPoints: c.proof_points, competitors: c.competitors, customerDomains: c.customer_domains,
    },
    products: products.map((p) => ({
      name: p.name, description: p.description, pricingModel: p.pricing_model, priceNotes: p.price_notes,
      features: p.features, painsSolved: p.pains_solved, useCases: p.use_cases,
    })),
    icps: [
      {
        slug: icp.slug, name: icp.name, description: icp.description || null, industries: icp.industries,
        employees: range(icp.employees_min, icp.employees_max), revenueUsd: range(icp.revenue_min_usd, icp.revenue_max_usd),
        geographies: icp.geographies, technologies: icp.technologies, fundingStages: icp.funding_stages, buyingTriggers: icp.buying_triggers,
        negativeIcp: icp.negative_icp, searchKeywords: icp.search_keywords, schedule: icp.schedule, dailyLeadQuota: icp.daily_lead_quota,
        active: icp.active, products: icp.products, fitThreshold: icp.fit_threshold, autopilot: icp.autopilot, genericDrafts: icp.generic_drafts,
        draftRoleAddresses: icp.draft_role_addresses,
        reps: icp.reps,
        sequence: { steps: icp.sequence_steps },
        personas,
      },
    ],
    tone: {
      formality: t.formality, warmth: t.warmth, directness: t.directness, language: t.language, maxWords: t.max_words,
      callToAction: t.call_to_action, sampleEmail: t.sample_email, bannedPhrases: t.banned_phrases,
    },
    suppressions: [],
  };
  const parsed = onboardingSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ProspectorError(`the onboarding of workspace ${workspaceId} as stored does not validate (${issues}): re-import the onboarding file`);
  }
  return { onboarding: parsed.data, icp: { icp: parsed.data.icps[0], icpId: icp.id, genericDrafts: icp.generic_drafts } };
}

/** Up to `limit` of the workspace's most recent rep edits of drafts that were then approved. */
export async function loadEditExamples(sql: Sql, workspaceId: string, limit = 3): Promise<EditExample[]> {
  const r = await sql.query<{ before_subject: string | null; before_body: string; after_subject: string | null; after_body: string }>(
    `SELECT e.before_subject, e.before_body, e.after_subject, e.after_body
       FROM message_edit e JOIN message m ON m.id = e.message_id JOIN sequence s ON s.id = m.sequence_id
      WHERE s.workspace_id = :ws::uuid AND s.approved_at IS NOT NULL AND e.kind = 'edit'
      ORDER BY e.edited_at DESC, e.id LIMIT :limit`,
    { ws: workspaceId, limit },
  );
  return r.rows.map((e) => ({ before: { subject: e.before_subject, body: e.before_body }, after: { subject: e.after_subject, body: e.after_body } }));
}
