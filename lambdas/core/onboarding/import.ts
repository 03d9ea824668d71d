/**
 * Onboarding into the database: read the file, upsert the workspace, load it back for research.
 *
 * Re-importing is idempotent and an edited file replaces what it lists, with two exceptions:
 * - ICPs keep their ids by slug, and an ICP missing from the file is deactivated, not deleted,
 *   because runs, leads and search queries reference it;
 * - suppressions are only added or updated, never removed: an opt-out must not be lifted by
 *   someone trimming the file (delete the row deliberately if it really must go).
 *
 * SQL follows the port's convention: arrays travel as JSON and become text[] through
 * `jsonb_array_elements_text` (see `textArray`), so it runs unchanged on the RDS Data API.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { Json, Lake, Sql } from '../ports.ts';
import { ProspectorError, ValidationError } from '../errors.ts';
import type { SellerContext } from '../research/contract.ts';
import { textArray } from '../db/sql-text.ts';
import { readKnowledgeFiles, storeKnowledge } from '../knowledge/documents.ts';
import { stopExcludedSequences } from '../sending/suppress.ts';
import { checkOnboarding, DEFAULT_COOLING_OFF_DAYS, type Onboarding, type OnboardingIssue } from './schema.ts';

/** What `importOnboarding` did. Counts are of the entries in the file. */
export interface ImportSummary {
  workspaceId: string;
  created: boolean;
  icps: number;
  personas: number;
  products: number;
  users: number;
  suppressions: number;
  /** knowledge documents in the file and the passages they were split into */
  knowledge: { documents: number; passages: number; deactivated: number };
  /** open sequences stopped because the onboarding now leaves their leads out (a new customer, a suppression), with why */
  sequencesStopped: { sequenceId: string; lead: string; reason: string }[];
  /**
   * Users the file no longer lists, removed, with the work they leave: drafts and suggested
   * responses that wait for a hand-over (`prospector reps hand-over`), sequences that go on from
   * their mailbox, open tasks now without an owner.
   */
  usersRemoved: { email: string; drafts: number; responses: number; sending: number; tasks: number }[];
  /** what the file lets through but stops something later, in words (`onboardingWarnings`) */
  warnings: string[];
}

/**
 * What a valid onboarding still keeps from working, said when it is imported rather than found
 * later: without `company.postalAddress` no email is ever sent (its footer carries the seller's
 * postal address, CAN-SPAM; lambdas/core/sending/compose-mail.ts refuses to compose one).
 */
export function onboardingWarnings(onboarding: Pick<Onboarding, 'company'>): string[] {
  const warnings: string[] = [];
  if (!onboarding.company.postalAddress?.trim()) {
    warnings.push('company.postalAddress is empty: every email carries the seller\'s postal address in its footer, so no email is sent until it is added (drafting and approval go on)');
  }
  return warnings;
}

/** Upserts a validated onboarding file for its workspace (by slug) in one transaction. */
export async function importOnboarding(
  sql: Sql,
  onboarding: Onboarding,
  options: { newId?: () => string; /** where knowledge documents are kept (needed when the file has any) */ lake?: Lake; now?: Date } = {},
): Promise<ImportSummary> {
  const newId = options.newId ?? randomUUID;
  return sql.transaction(async (tx) => {
    const ws = onboarding.workspace;
    const existing = await tx.query<{ id: string }>('SELECT id FROM workspace WHERE slug = :slug FOR UPDATE', { slug: ws.slug });
    let workspaceId: string;
    const created = existing.rows.length === 0;
    if (created) {
      workspaceId = newId();
      await tx.query('INSERT INTO workspace (id, slug, name, cooling_off_days) VALUES (:id::uuid, :slug, :name, :coolingOff)', {
        id: workspaceId, slug: ws.slug, name: ws.name, coolingOff: ws.coolingOffDays ?? DEFAULT_COOLING_OFF_DAYS,
      });
    } else {
      workspaceId = existing.rows[0].id;
      await tx.query('UPDATE workspace SET name = :name, cooling_off_days = :coolingOff, updated_at = now() WHERE id = :id::uuid', {
        id: workspaceId, name: ws.name, coolingOff: ws.coolingOffDays ?? DEFAULT_COOLING_OFF_DAYS,
      });
    }
    const w = { ws: workspaceId };

    for (const u of onboarding.users) {
      await tx.query(
        `INSERT INTO app_user (id, workspace_id, name, email, title, timezone, signature, calendar_link, role)
         VALUES (:id::uuid, :ws::uuid, :name, :email, :title, :timezone, :signature, :calendarLink, :role)
         ON CONFLICT (workspace_id, email) DO UPDATE SET
           name = EXCLUDED.name, title = EXCLUDED.title, timezone = EXCLUDED.timezone,
           signature = EXCLUDED.signature, calendar_link = EXCLUDED.calendar_link, role = EXCLUDED.role`,
        {
          ...w,
          id: newId(),
          name: u.name,
          email: u.email,
          title: u.title ?? null,
          timezone: u.timezone,
          signature: u.signature ?? null,
          calendarLink: u.calendarLink ?? null,
          role: u.role,
        },
      );
    }
    // RETURNING reads the statement's snapshot: the counts are taken before the foreign keys let go of the user
    const removed = await tx.query<{ email: string; drafts: number; responses: number; sending: number; tasks: number }>(
      `DELETE FROM app_user u WHERE u.workspace_id = :ws::uuid AND u.email <> ALL (${textArray('emails')})
       RETURNING u.email,
         (SELECT count(*)::int FROM sequence s WHERE s.workspace_id = u.workspace_id AND s.rep_email = u.email AND s.status = 'draft') AS drafts,
         (SELECT count(*)::int FROM reply_response rr WHERE rr.workspace_id = u.workspace_id AND rr.rep_email = u.email AND rr.status = 'draft') AS responses,
         (SELECT count(*)::int FROM sequence s WHERE s.workspace_id = u.workspace_id AND s.rep_email = u.email AND s.status IN ('approved', 'active', 'paused')) AS sending,
         (SELECT count(*)::int FROM rep_task t WHERE t.owner_id = u.id AND t.status = 'open') AS tasks`,
      { ...w, emails: onboarding.users.map((u) => u.email) },
    );

    const c = onboarding.company;
    await tx.query(
      `INSERT INTO seller_company (workspace_id, name, website, domain, description, value_propositions,
         differentiators, proof_points, competitors, customer_domains, postal_address)
       VALUES (:ws::uuid, :name, :website, :domain, :description, ${textArray('valuePropositions')},
         ${textArray('differentiators')}, :proofPoints::jsonb, :competitors::jsonb, ${textArray('customerDomains')}, :postalAddress)
       ON CONFLICT (workspace_id) DO UPDATE SET
         name = EXCLUDED.name, website = EXCLUDED.website, domain = EXCLUDED.domain,
         description = EXCLUDED.description, value_propositions = EXCLUDED.value_propositions,
         differentiators = EXCLUDED.differentiators, proof_points = EXCLUDED.proof_points,
         competitors = EXCLUDED.competitors, customer_domains = EXCLUDED.customer_domains,
         postal_address = EXCLUDED.postal_address`,
      {
        ...w,
        name: c.name,
        website: c.website,
        domain: siteDomain(c.website),
        description: c.description,
        valuePropositions: c.valuePropositions,
        differentiators: c.differentiators,
        proofPoints: c.proofPoints.map((p) => withoutEmpty(p)),
        competitors: c.competitors.map((p) => withoutEmpty(p)),
        customerDomains: c.customerDomains,
        postalAddress: c.postalAddress ?? null,
      },
    );

    for (const p of onboarding.products) {
      await tx.query(
        `INSERT INTO product (id, workspace_id, name, description, pricing_model, price_notes, features, pains_solved, use_cases)
         VALUES (:id::uuid, :ws::uuid, :name, :description, :pricingModel, :priceNotes,
           ${textArray('features')}, ${textArray('painsSolved')}, ${textArray('useCases')})
         ON CONFLICT (workspace_id, name) DO UPDATE SET
           description = EXCLUDED.description, pricing_model = EXCLUDED.pricing_model,
           price_notes = EXCLUDED.price_notes, features = EXCLUDED.features,
           pains_solved = EXCLUDED.pains_solved, use_cases = EXCLUDED.use_cases`,
        {
          ...w,
          id: newId(),
          name: p.name,
          description: p.description,
          pricingModel: p.pricingModel,
          priceNotes: p.priceNotes ?? null,
          features: p.features,
          painsSolved: p.painsSolved,
          useCases: p.useCases,
        },
      );
    }
    await tx.query(`DELETE FROM product WHERE workspace_id = :ws::uuid AND name <> ALL (${textArray('names')})`, {
      ...w,
      names: onboarding.products.map((p) => p.name),
    });

    let personas = 0;
    for (const icp of onboarding.icps) {
      const row = await tx.query<{ id: string }>(
        `INSERT INTO icp (id, workspace_id, slug, name, description, industries, employees_min, employees_max,
           revenue_min_usd, revenue_max_usd, geographies, technologies, funding_stages, buying_triggers,
           negative_icp, search_keywords, schedule, daily_lead_quota, active, products, fit_threshold, autopilot, generic_drafts, draft_role_addresses, reps, sequence_steps, watch_every)
         VALUES (:id::uuid, :ws::uuid, :slug, :name, :description, ${textArray('industries')}, :employeesMin, :employeesMax,
           :revenueMin, :revenueMax, ${textArray('geographies')}, ${textArray('technologies')}, ${textArray('fundingStages')},
           ${textArray('buyingTriggers')}, ${textArray('negativeIcp')}, ${textArray('searchKeywords')}, :schedule,
           :dailyLeadQuota, :active, ${textArray('products')}, :fitThreshold, :autopilot, :genericDrafts, :draftRoleAddresses, ${textArray('reps')}, :sequenceSteps::jsonb, :watchEvery)
         ON CONFLICT (workspace_id, slug) DO UPDATE SET
           name = EXCLUDED.name, description = EXCLUDED.description, industries = EXCLUDED.industries,
           employees_min = EXCLUDED.employees_min, employees_max = EXCLUDED.employees_max,
           revenue_min_usd = EXCLUDED.revenue_min_usd, revenue_max_usd = EXCLUDED.revenue_max_usd,
           geographies = EXCLUDED.geographies, technologies = EXCLUDED.technologies,
           funding_stages = EXCLUDED.funding_stages, buying_triggers = EXCLUDED.buying_triggers,
           negative_icp = EXCLUDED.negative_icp, search_keywords = EXCLUDED.search_keywords,
           schedule = EXCLUDED.schedule, daily_lead_quota = EXCLUDED.daily_lead_quota,
           active = EXCLUDED.active, products = EXCLUDED.products,
           fit_threshold = EXCLUDED.fit_threshold, autopilot = EXCLUDED.autopilot,
           generic_drafts = EXCLUDED.generic_drafts, draft_role_addresses = EXCLUDED.draft_role_addresses, reps = EXCLUDED.reps, sequence_steps = EXCLUDED.sequence_steps, watch_every = EXCLUDED.watch_every
         RETURNING id`,
        {
          ...w,
          id: newId(),
          slug: icp.slug,
          name: icp.name,
          description: icp.description ?? '',
          industries: icp.industries,
          employeesMin: icp.employees?.min ?? null,
          employeesMax: icp.employees?.max ?? null,
          revenueMin: icp.revenueUsd?.min ?? null,
          revenueMax: icp.revenueUsd?.max ?? null,
          geographies: icp.geographies,
          technologies: icp.technologies,
          fundingStages: icp.fundingStages,
          buyingTriggers: icp.buyingTriggers,
          negativeIcp: icp.negativeIcp,
          searchKeywords: icp.searchKeywords,
          schedule: icp.schedule,
          dailyLeadQuota: icp.dailyLeadQuota,
          active: icp.active,
          products: icp.products,
          fitThreshold: icp.fitThreshold,
          autopilot: icp.autopilot,
          genericDrafts: icp.genericDrafts,
          draftRoleAddresses: icp.draftRoleAddresses,
          reps: icp.reps,
          sequenceSteps: JSON.stringify(icp.sequence.steps),
          watchEvery: icp.watchEvery,
        },
      );
      const icpId = row.rows[0].id;
      for (const [position, p] of icp.personas.entries()) {
        await tx.query(
          `INSERT INTO persona (id, icp_id, name, titles, seniority, departments, responsibilities, pains, goals, objections, position)
           VALUES (:id::uuid, :icp::uuid, :name, ${textArray('titles')}, :seniority, ${textArray('departments')},
             ${textArray('responsibilities')}, ${textArray('pains')}, ${textArray('goals')}, ${textArray('objections')}, :position)
           ON CONFLICT (icp_id, name) DO UPDATE SET
             titles = EXCLUDED.titles, seniority = EXCLUDED.seniority, departments = EXCLUDED.departments,
             responsibilities = EXCLUDED.responsibilities, pains = EXCLUDED.pains, goals = EXCLUDED.goals,
             objections = EXCLUDED.objections, position = EXCLUDED.position`,
          {
            id: newId(),
            position,
            icp: icpId,
            name: p.name,
            titles: p.titles,
            seniority: p.seniority,
            departments: p.departments,
            responsibilities: p.responsibilities,
            pains: p.pains,
            goals: p.goals,
            objections: p.objections,
          },
        );
      }
      await tx.query(`DELETE FROM persona WHERE icp_id = :icp::uuid AND name <> ALL (${textArray('names')})`, {
        icp: icpId,
        names: icp.personas.map((p) => p.name),
      });
      personas += icp.personas.length;
    }
    // Runs and leads reference ICPs, so one dropped from the file is switched off, not deleted.
    await tx.query(`UPDATE icp SET active = false WHERE workspace_id = :ws::uuid AND slug <> ALL (${textArray('slugs')})`, {
      ...w,
      slugs: onboarding.icps.map((i) => i.slug),
    });

    const t = onboarding.tone;
    await tx.query(
      `INSERT INTO tone_of_voice (workspace_id, formality, warmth, directness, language, max_words, call_to_action,
         sample_email, banned_phrases)
       VALUES (:ws::uuid, :formality, :warmth, :directness, :language, :maxWords, :callToAction, :sampleEmail,
         ${textArray('bannedPhrases')})
       ON CONFLICT (workspace_id) DO UPDATE SET
         formality = EXCLUDED.formality, warmth = EXCLUDED.warmth, directness = EXCLUDED.directness,
         language = EXCLUDED.language, max_words = EXCLUDED.max_words, call_to_action = EXCLUDED.call_to_action,
         sample_email = EXCLUDED.sample_email, banned_phrases = EXCLUDED.banned_phrases`,
      {
        ...w,
        formality: t.formality,
        warmth: t.warmth,
        directness: t.directness,
        language: t.language,
        maxWords: t.maxWords,
        callToAction: t.callToAction,
        sampleEmail: t.sampleEmail ?? null,
        bannedPhrases: t.bannedPhrases,
      },
    );

    for (const s of onboarding.suppressions) {
      await tx.query(
        `INSERT INTO suppression (id, workspace_id, kind, value, reason)
         VALUES (:id::uuid, :ws::uuid, :kind, :value, :reason)
         ON CONFLICT (workspace_id, kind, value) DO UPDATE SET reason = EXCLUDED.reason`,
        { ...w, id: newId(), kind: s.kind, value: s.value, reason: s.reason },
      );
    }

    const knowledge = await storeKnowledge(tx, options.lake, workspaceId, onboarding.knowledge, newId);
    // a company listed as a customer (or suppressed) since its sequence started hears no more
    const sequencesStopped = created ? [] : await stopExcludedSequences(tx, workspaceId, options.now ?? new Date());

    return {
      workspaceId,
      created,
      icps: onboarding.icps.length,
      personas,
      products: onboarding.products.length,
      users: onboarding.users.length,
      suppressions: onboarding.suppressions.length,
      knowledge,
      sequencesStopped,
      usersRemoved: removed.rows.sort((a, b) => a.email.localeCompare(b.email)),
      warnings: onboardingWarnings(onboarding),
    };
  });
}

/** The host of a website URL without a leading `www.`. */
function siteDomain(website: string): string {
  return new URL(website).hostname.toLowerCase().replace(/^www\./, '');
}

/** Drops null/undefined properties so the stored JSON has only what was given. */
function withoutEmpty(record: Record<string, unknown>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(record)) if (v !== null && v !== undefined) out[k] = v as Json;
  return out;
}

/**
 * Reads and validates an onboarding file (.yaml, .yml or .json). Syntax errors carry line and
 * column; validation issues from YAML also name the line of the offending field.
 */
export async function loadOnboardingFile(file: string): Promise<Onboarding> {
  const ext = path.extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new ProspectorError(`onboarding file ${file}: unsupported extension "${ext}" (use .yaml, .yml or .json)`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ProspectorError(`cannot read onboarding file ${file}: ${reason}`, { cause: error });
  }
  const what = `onboarding file ${file}`;
  // Knowledge documents given by path are read now, relative to the file, so a missing or
  // oversized one is reported before anything is written.
  return readKnowledgeFiles(parseOnboardingText(text, ext === '.json' ? 'json' : 'yaml', what), path.dirname(path.resolve(file)), what);
}

/**
 * Parses and validates onboarding text (YAML or JSON), as `loadOnboardingFile` does for a file:
 * syntax errors with line and column, every schema issue with its field path (and line, for YAML).
 * The web app's onboarding import uses it on pasted or uploaded text.
 */
export function parseOnboardingText(text: string, format: 'yaml' | 'json', what = 'onboarding file'): Onboarding {
  let input: unknown;
  let lineOf: (segments: (string | number)[]) => number | undefined = () => undefined;
  if (format === 'json') {
    try {
      input = JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const pos = /position (\d+)/.exec(message);
      const where = pos ? lineColumn(text, Number(pos[1])) : undefined;
      throw new ValidationError(what, [
        { path: '', message: `JSON syntax error${where ? ` at line ${where.line}, column ${where.column}` : ''}: ${message}` },
      ]);
    }
  } else {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new ValidationError(
        what,
        doc.errors.map((e) => {
          // linePos is only filled in with prettyErrors, which also rewrites the message.
          const where = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
          return {
            path: '',
            message: `YAML syntax error at line ${where.line}, column ${where.col}: ${e.message.split('\n')[0]}`,
          };
        }),
      );
    }
    try {
      input = doc.toJS();
    } catch (error) {
      // e.g. too many alias expansions (a "billion laughs" file)
      throw new ValidationError(what, [{ path: '', message: `YAML error: ${(error as Error).message}` }]);
    }
    lineOf = (segments) => {
      // The deepest node that exists: a missing key points at its parent object. The root
      // itself is not worth a line number.
      for (let n = segments.length; n > 0; n--) {
        const node = doc.getIn(segments.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    };
  }

  const result = checkOnboarding(input);
  if (!result.success) {
    throw new ValidationError(
      what,
      result.issues.map((issue: OnboardingIssue) => {
        const line = lineOf(issue.segments);
        return { path: issue.path, message: line ? `${issue.message} (line ${line})` : issue.message };
      }),
    );
  }
  return result.data;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The workspace with `slug`, or the only workspace when no slug is given; null if none. */
export async function findWorkspace(sql: Sql, slug?: string): Promise<{ id: string; slug: string; name: string } | null> {
  if (slug !== undefined) {
    const r = await sql.query<{ id: string; slug: string; name: string }>('SELECT id, slug, name FROM workspace WHERE slug = :slug', { slug });
    return r.rows[0] ?? null;
  }
  const r = await sql.query<{ id: string; slug: string; name: string }>('SELECT id, slug, name FROM workspace ORDER BY slug');
  if (r.rows.length > 1) {
    throw new ProspectorError(`several workspaces exist (${r.rows.map((w) => w.slug).join(', ')}); name one by slug`);
  }
  return r.rows[0] ?? null;
}

type IcpRow = {
  id: string;
  slug: string;
  name: string;
  industries: string[];
  employees_min: number | null;
  employees_max: number | null;
  geographies: string[];
  technologies: string[];
  funding_stages: string[];
  buying_triggers: string[];
  negative_icp: string[];
  search_keywords: string[];
};

/** The seller context research needs: company, products and the active ICPs with their personas. */
// One statement (the research step reads it for every lead; on the Data API each statement is
// an HTTPS call): products, ICPs and personas come back as JSON arrays in the orders the
// separate reads used.
export async function loadSellerContext(sql: Sql, workspaceId: string): Promise<SellerContext> {
  const company = await sql.query<{
    name: string;
    domain: string;
    description: string;
    value_propositions: string[];
    differentiators: string[];
    products: { name: string; description: string; pains_solved: string[]; use_cases: string[] }[];
    icps: (IcpRow & { personas: { name: string; titles: string[]; pains: string[]; goals: string[] }[] })[];
  }>(
    `SELECT s.name, s.domain, s.description, s.value_propositions, s.differentiators,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('name', p.name, 'description', p.description,
                                                          'pains_solved', p.pains_solved, 'use_cases', p.use_cases) ORDER BY p.name)
                        FROM product p WHERE p.workspace_id = s.workspace_id), '[]'::jsonb) AS products,
            COALESCE((SELECT jsonb_agg(jsonb_build_object(
                               'id', i.id, 'slug', i.slug, 'name', i.name, 'industries', i.industries,
                               'employees_min', i.employees_min, 'employees_max', i.employees_max,
                               'geographies', i.geographies, 'technologies', i.technologies,
                               'funding_stages', i.funding_stages, 'buying_triggers', i.buying_triggers,
                               'negative_icp', i.negative_icp, 'search_keywords', i.search_keywords,
                               'personas', COALESCE((SELECT jsonb_agg(jsonb_build_object('name', pe.name, 'titles', pe.titles,
                                                                                         'pains', pe.pains, 'goals', pe.goals) ORDER BY pe.name)
                                                       FROM persona pe WHERE pe.icp_id = i.id), '[]'::jsonb)) ORDER BY i.slug)
                        FROM icp i WHERE i.workspace_id = s.workspace_id AND i.active), '[]'::jsonb) AS icps
       FROM seller_company s WHERE s.workspace_id = :ws::uuid`,
    { ws: workspaceId },
  );
  const seller = company.rows[0];
  if (!seller) throw new ProspectorError(`workspace ${workspaceId} has no seller company: import an onboarding file first`);

  return {
    companyName: seller.name,
    companyDomain: seller.domain,
    description: seller.description,
    valuePropositions: seller.value_propositions,
    differentiators: seller.differentiators,
    products: seller.products.map((p) => ({ name: p.name, description: p.description, painsSolved: p.pains_solved, useCases: p.use_cases })),
    icps: seller.icps.map((i) => ({
      id: i.id,
      slug: i.slug,
      name: i.name,
      industries: i.industries,
      employeesMin: i.employees_min,
      employeesMax: i.employees_max,
      geographies: i.geographies,
      technologies: i.technologies,
      fundingStages: i.funding_stages,
      buyingTriggers: i.buying_triggers,
      negativeIcp: i.negative_icp,
      keywords: i.search_keywords,
      personas: i.personas.map((p) => ({ name: p.name, titles: p.titles, pains: p.pains, goals: p.goals })),
    })),
  };
}
