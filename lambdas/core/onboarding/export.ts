/**
 * The onboarding a workspace holds now, read back from the database into the shape of the
 * onboarding file (schema.ts), so a rep can download it, edit it and import it again. It goes
 * through `checkOnboarding` before it is returned: what is exported always imports.
 * Suppressions added by opt-outs, bounces, complaints or reps are not in the file (the file's
 * suppressions are the ones it brought); they stay in the database whatever is imported.
 * The order of users, products, ICPs and suppressions is the database's (by role and email,
 * name, slug, value), not the original file's: none of them is ordered by meaning.
 */
import { stringify } from 'yaml';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Sql } from '../ports.ts';
import { checkOnboarding, DEFAULT_COOLING_OFF_DAYS, type Onboarding } from './schema.ts';

type Row = Record<string, unknown>;

/** Drops null, undefined and empty-string properties: the file leaves them out. */
function given<T extends Row>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined && v !== '')) as Partial<T>;
}

const range = (min: unknown, max: unknown) => (min === null && max === null ? undefined : given({ min: num(min), max: num(max) }));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The workspace's onboarding as a validated onboarding document. */
export async function exportOnboarding(sql: Sql, workspaceId: string): Promise<Onboarding> {
  const q = async (text: string) => (await sql.query<Row>(text, { ws: workspaceId })).rows;
  const [workspace] = await q(`SELECT slug, name, cooling_off_days FROM workspace WHERE id = :ws::uuid`);
  if (!workspace) throw new NotFoundError(`no workspace ${workspaceId}`);
  const [company] = await q(`SELECT * FROM seller_company WHERE workspace_id = :ws::uuid`);
  const [tone] = await q(`SELECT * FROM tone_of_voice WHERE workspace_id = :ws::uuid`);
  const users = await q(`SELECT * FROM app_user WHERE workspace_id = :ws::uuid ORDER BY role, email`);
  const products = await q(`SELECT * FROM product WHERE workspace_id = :ws::uuid ORDER BY name`);
  const icps = await q(`SELECT * FROM icp WHERE workspace_id = :ws::uuid ORDER BY active DESC, slug`);
  const personas = await q(`SELECT p.* FROM persona p JOIN icp i ON i.id = p.icp_id WHERE i.workspace_id = :ws::uuid ORDER BY p.position NULLS LAST, p.name`);
  const suppressions = await q(`SELECT kind, value, reason FROM suppression WHERE workspace_id = :ws::uuid AND source = 'onboarding' ORDER BY kind, value`);
  const passages = await q(
    `SELECT d.id, d.title, d.format, p.heading, p.text FROM knowledge_document d JOIN knowledge_passage p ON p.document_id = d.id
      WHERE d.workspace_id = :ws::uuid AND d.active ORDER BY d.created_at, d.title, d.id, p.position`,
  );

  const doc = {
    // The default is left out, as the sample file leaves it out: drafting hashes the parsed file.
    workspace: given({ slug: workspace.slug, name: workspace.name, coolingOffDays: num(workspace.cooling_off_days) === DEFAULT_COOLING_OFF_DAYS ? null : num(workspace.cooling_off_days) }),
    users: users.map((u) => given({ name: u.name, email: u.email, title: u.title, timezone: u.timezone, signature: u.signature, calendarLink: u.calendar_link, role: u.role })),
    company: company
      ? given({
          name: company.name,
          website: company.website,
          description: company.description,
          valuePropositions: company.value_propositions,
          differentiators: company.differentiators,
          proofPoints: company.proof_points,
          competitors: company.competitors,
          customerDomains: company.customer_domains,
          postalAddress: company.postal_address,
        })
      : undefined,
    products: products.map((p) =>
      given({ name: p.name, description: p.description, pricingModel: p.pricing_model, priceNotes: p.price_notes, features: p.features, painsSolved: p.pains_solved, useCases: p.use_cases }),
    ),
    icps: icps.map((i) =>
      given({
        slug: i.slug,
        name: i.name,
        description: i.description,
        industries: i.industries,
        employees: range(i.employees_min, i.employees_max),
        revenueUsd: range(i.revenue_min_usd, i.revenue_max_usd),
        geographies: i.geographies,
        technologies: i.technologies,
        fundingStages: i.funding_stages,
        buyingTriggers: i.buying_triggers,
        negativeIcp: i.negative_icp,
        searchKeywords: i.search_keywords,
        schedule: i.schedule,
        dailyLeadQuota: i.daily_lead_quota,
        active: i.active,
        products: i.products,
        personas: personas
          .filter((p) => p.icp_id === i.id)
          .map((p) =>
            given({ name: p.name, titles: p.titles, seniority: p.seniority, departments: p.departments, responsibilities: p.responsibilities, pains: p.pains, goals: p.goals, objections: p.objections }),
          ),
        fitThreshold: i.fit_threshold,
        autopilot: i.autopilot,
        genericDrafts: i.generic_drafts,
        draftRoleAddresses: i.draft_role_addresses,
        reps: i.reps,
        sequence: { steps: i.sequence_steps },
        watchEvery: i.watch_every,
      }),
    ),
    tone: tone
      ? given({
          formality: num(tone.formality),
          warmth: num(tone.warmth),
          directness: num(tone.directness),
          language: tone.language,
          maxWords: tone.max_words,
          callToAction: tone.call_to_action,
          sampleEmail: tone.sample_email,
          bannedPhrases: tone.banned_phrases,
        })
      : undefined,
    suppressions,
    knowledge: knowledgeOf(passages),
  };
  const checked = checkOnboarding(doc);
  if (!checked.success) throw new ValidationError(`the stored onboarding of ${String(workspace.slug)} does not form a valid file`, checked.issues);
  return checked.data;
}

/**
 * The active knowledge documents, their text rebuilt from the stored passages (the original file
 * is in the lake, which this export does not read): each passage under its innermost heading.
 * Importing the export keeps every passage's words, so retrieval answers the same; the text may
 * differ from the file in blank lines, so its hash (and passage ids) may change. Without this, a
 * file saved from the export (or the guided form, which imports it) would switch the documents off.
 */
function knowledgeOf(rows: Row[]): { title: string; format: 'markdown' | 'text'; text: string }[] {
  const docs = new Map<string, { title: string; format: 'markdown' | 'text'; parts: string[]; heading: string | null }>();
  for (const r of rows) {
    const id = String(r.id);
    const doc = docs.get(id) ?? { title: String(r.title), format: r.format === 'text' ? 'text' : 'markdown', parts: [], heading: null };
    docs.set(id, doc);
    const heading = r.heading === null ? null : String(r.heading).split(' > ').at(-1)!;
    if (doc.format === 'markdown' && heading && heading !== doc.heading) doc.parts.push(`## ${heading}`);
    doc.heading = heading;
    doc.parts.push(String(r.text));
  }
  return [...docs.values()].map((d) => ({ title: d.title, format: d.format, text: d.parts.join('\n\n') }));
}

/** The workspace's onboarding as an onboarding YAML file (the format `prospector onboard` reads). */
export async function exportOnboardingYaml(sql: Sql, workspaceId: string): Promise<string> {
  const onboarding = await exportOnboarding(sql, workspaceId);
  return `# Onboarding of ${onboarding.workspace.name}, exported by Prospector. Edit and import it again (web app or \`prospector onboard FILE\`).\n${stringify(onboarding, { lineWidth: 0 })}`;
}
