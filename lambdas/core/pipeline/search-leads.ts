/**
 * SearchLeads: calls search_leads(keywords) for one ICP (or reads a leads file), validates and
 * normalises every result, drops excluded ones before any request or token is spent, and
 * upserts the rest as leads of the run.
 *
 * Work per invocation is bounded for the RDS Data API, where each statement is an HTTPS call:
 * accepted leads are written set-based, `SEARCH_BATCH` at a time (4 statements a batch, whatever
 * the batch size), at most `MAX_SEARCH_RESULTS` results are considered, and the stored list of
 * rejections is a bounded sample plus a count per kind, so its row stays far below the Data API's
 * 64 KB row limit however many results a provider returns.
 */
import { z } from 'zod';
import { InvalidLeadError, ValidationError, describeError } from '../errors.ts';
import { normalizeDomain, normalizeLead, type NormalizedLead } from '../leads/normalize.ts';
import type { LeadCandidate, Sql } from '../ports.ts';
import type { Deps } from './deps.ts';
import { textArray } from '../db/sql-text.ts';
import { writeSearchRejections } from './lake-record.ts';
import { clip } from './util.ts';

export const SearchLeadsInput = z.object({
  runId: z.uuid(),
  icp: z.object({
    icpId: z.uuid().nullable(),
    slug: z.string(),
    keywords: z.array(z.string()),
    quota: z.number().int().positive(),
    leadsKey: z.string().optional(),
  }),
});
export type SearchLeadsInput = z.input<typeof SearchLeadsInput>;

/** A search result that did not become a lead of the run, and why. */
export interface RejectedLead {
  lead: string;
  kind: 'invalid' | 'excluded' | 'duplicate' | 'quota' | 'error';
  error?: string;
  reason: string;
  /** How many results this entry stands for (default 1): those past the stored sample are folded into one entry per kind. */
  count?: number;
}

/** Accepted leads written per set-based statement (~250 bytes of JSON parameter each). */
export const SEARCH_BATCH = 500;
/**
 * Results one invocation considers (one search, or one leads file); the rest are rejected with
 * that reason. The bound is the SearchLeads Lambda's, not the run's (a run has none but
 * `MAX_LEADS_PER_RUN`): 100,000 leads are about 25 MB of JSON parameters in 200 set-based batches
 * (800 Data API statements; at the ~50 ms a statement takes on Aurora that is about 40 s of the
 * function's 100 s, an estimate, not a measurement), and the CLI refuses a larger leads file
 * with that number before anything runs.
 */
export const MAX_SEARCH_RESULTS = 100_000;
/** JSON bytes of rejections kept one by one in `search_query.rejected`; the rest are counted. */
export const REJECTED_SAMPLE_BYTES = 16 * 1024;

/**
 * Rejections as stored: in order while they fit `REJECTED_SAMPLE_BYTES` (each field clipped),
 * then one entry per kind counting the rest, so the row is bounded and the counts stay exact.
 */
export function boundRejected(rejected: RejectedLead[], budgetBytes = REJECTED_SAMPLE_BYTES): RejectedLead[] {
  const kept: RejectedLead[] = [];
  const folded = new Map<RejectedLead['kind'], { count: number; reason: string }>();
  let bytes = 2;
  for (const r of rejected) {
    const entry: RejectedLead = { lead: clip(r.lead, 200), kind: r.kind, ...(r.error ? { error: clip(r.error, 100) } : {}), reason: clip(r.reason, 300), ...(r.count ? { count: r.count } : {}) };
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (folded.size === 0 && bytes + size <= budgetBytes) {
      kept.push(entry);
      bytes += size;
      continue;
    }
    const f = folded.get(r.kind) ?? { count: 0, reason: entry.reason };
    f.count += r.count ?? 1;
    folded.set(r.kind, f);
  }
  for (const [kind, f] of folded) {
    kept.push({ lead: `(${f.count} more)`, kind, reason: `not listed one by one; the first says: ${clip(f.reason, 200)}`, count: f.count });
  }
  return kept;
}

export interface SearchLeadsOutput {
  icp: string;
  results: number;
  accepted: number;
  newLeads: number;
  rejected: number;
}

const LeadFile = z.array(
  z.object({
    company_name: z.string(),
    company_website: z.string(),
    lead_email: z.string(),
    lead_name: z.string(),
  }),
);

/** Reads a leads file stored in the lake as a JSON array of LeadCandidate. */
async function readLeadsFile(deps: Deps, key: string): Promise<LeadCandidate[]> {
  const body = await deps.lake.get(key);
  if (!body) throw new ValidationError('leads file', [{ path: key, message: 'not found in the lake' }]);
  const parsed = LeadFile.safeParse(JSON.parse(body.toString('utf8')));
  if (!parsed.success) {
    throw new ValidationError(
      'leads file',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

/**
 * Why a lead is left out, and of which kind: `suppressed` (an address or domain never written
 * to), `invalid` (an address a hard bounce marked), `cooling_off` (a company that said "not
 * interested", until its date), `seller` (the seller's own, a customer's or a competitor's domain).
 * The last two decide what a caller may do next: a hold ends, the others do not.
 */
export interface Exclusion {
  reason: string;
  kind: 'suppressed' | 'invalid' | 'cooling_off' | 'seller';
}

export interface Exclusions {
  emails: Map<string, Exclusion>;
  domains: Map<string, Exclusion>;
}

/** Leads whose exclusions one statement reads: its rows stay far under the Data API's 1 MiB response. */
export const EXCLUSION_CHUNK = 500;
/** Domain suppressions read a page at a time, for the same reason. */
export const DOMAIN_SUPPRESSION_PAGE = 1000;
/** Characters of a suppression's or a bounce's reason an exclusion keeps (enough to say why). */
const REASON_CHARS = 300;

/**
 * The domains an exclusion may name for a lead: its company's domain, then its address's, each
 * with its parent domains down to two labels (`mail.x.example`, `x.example`), most specific first.
 */
function leadHosts(email: string, domain: string): string[] {
  return [domain, email.slice(email.indexOf('@') + 1)].flatMap((host) => {
    const parts = host.split('.');
    return parts.slice(0, -1).map((_, i) => parts.slice(i).join('.'));
  });
}

/**
 * Who is not prospected among `leads`: suppressions, the seller itself, its customers and
 * competitors, addresses a hard bounce marked invalid, and companies cooling off after a "not
 * interested" until their date (`now` decides which still are).
 *
 * Read for the leads at hand, not the whole workspace: a team that has sent for a while has tens of
 * thousands of opt-outs, and reading them all in one statement went over the Data API's 1 MiB
 * response (a workspace with 20,000 suppressed addresses failed every search and every drafting
 * step with DatabaseResponseTooLarge). Addresses and companies are matched exactly, as the leads'
 * normalised spellings, `EXCLUSION_CHUNK` leads a statement; domain suppressions, which the
 * onboarding file may spell `www.x.example` or in Unicode, are few and read whole, a page at a
 * time, and normalised here; the seller's own, customer and competitor domains come from its
 * company row. The first statement also brings the first page of domain suppressions and the
 * seller's domains: one lead's exclusions, read by each drafting step, are one Data API call.
 */
export async function loadExclusions(sql: Sql, workspaceId: string, now: Date, leads: readonly { email: string; domain: string }[]): Promise<Exclusions> {
  const emails = new Map<string, Exclusion>();
  const domains = new Map<string, Exclusion>();
  // a suppression's reason wins over a hold (an invalid address, a cooling-off) on the same address or domain
  const put = (map: Map<string, Exclusion>, key: string, ex: Exclusion) => {
    if (ex.kind === 'suppressed' || !map.has(key)) map.set(key, ex);
  };
  // Exclusions are normalised as lead domains are (no www., IDN as ASCII), or `www.x.example`
  // in the onboarding would exclude nothing.
  const domainKey = (d: string): string => {
    try {
      return normalizeDomain(d);
    } catch {
      return d.toLowerCase();
    }
  };
  // The seller's own, customer and competitor domains win over everything else: put last.
  const seller: { value: string; reason: string }[] = [];
  /** where the next page of domain suppressions starts when the first was full: its last value in the database's own order (collation) */
  let nextAfter: string | null = null;
  // One statement a chunk of leads (at least one statement); the first also brings the seller's
  // domains and the first page of domain suppressions, so one lead's exclusions (a drafting
  // step's) are one round trip unless the workspace has over a page of suppressed domains.
  for (let i = 0; i === 0 || i < leads.length; i += EXCLUSION_CHUNK) {
    const chunk = leads.slice(i, i + EXCLUSION_CHUNK);
    const hosts = [...new Set(chunk.flatMap((l) => leadHosts(l.email, l.domain)))];
    const first = i === 0;
    // `target`: which map a row goes to (`next_page`: where a second page of suppressed domains starts)
    const rows = await sql.query<{ target: 'email' | 'domain' | 'next_page'; kind: Exclusion['kind']; value: string; reason: string }>(
      `SELECT 'email' AS target, 'suppressed' AS kind, value, 'suppressed: ' || left(reason, ${REASON_CHARS}) AS reason FROM suppression
        WHERE workspace_id = :ws::uuid AND kind = 'email' AND value IN (SELECT jsonb_array_elements_text(:emails::jsonb))
       UNION ALL
       SELECT 'email', 'invalid', email, 'email invalid: ' || left(email_invalid_reason, ${REASON_CHARS}) FROM lead
        WHERE workspace_id = :ws::uuid AND email_invalid_at IS NOT NULL AND email IN (SELECT jsonb_array_elements_text(:emails::jsonb))
       UNION ALL
       SELECT 'domain', 'cooling_off', domain, 'company cooling off until ' || to_char(cooling_off_until, 'YYYY-MM-DD') || ' (not interested)' FROM lead_company
        WHERE workspace_id = :ws::uuid AND cooling_off_until > (:now::timestamptz AT TIME ZONE 'UTC')::date
          AND domain IN (SELECT jsonb_array_elements_text(:hosts::jsonb))${
            first
              ? `
       UNION ALL
       (SELECT 'domain', 'suppressed', value, 'suppressed: ' || left(reason, ${REASON_CHARS}) FROM suppression
         WHERE workspace_id = :ws::uuid AND kind = 'domain' ORDER BY value LIMIT ${DOMAIN_SUPPRESSION_PAGE})
       UNION ALL
       SELECT 'next_page', 'suppressed', max(value), '' FROM (SELECT value FROM suppression
         WHERE workspace_id = :ws::uuid AND kind = 'domain' ORDER BY value LIMIT ${DOMAIN_SUPPRESSION_PAGE}) page HAVING count(*) = ${DOMAIN_SUPPRESSION_PAGE}
       UNION ALL
       SELECT 'domain', 'seller', domain, 'the seller''s own domain' FROM seller_company WHERE workspace_id = :ws::uuid
       UNION ALL
       SELECT 'domain', 'seller', unnest(customer_domains), 'existing customer' FROM seller_company WHERE workspace_id = :ws::uuid
       UNION ALL
       SELECT 'domain', 'seller', c->>'domain', 'competitor (' || COALESCE(c->>'name', c->>'domain') || ')'
         FROM seller_company, jsonb_array_elements(competitors) c WHERE workspace_id = :ws::uuid AND c->>'domain' IS NOT NULL`
              : ''
          }`,
      { ws: workspaceId, now, emails: JSON.stringify(chunk.map((l) => l.email)), hosts: JSON.stringify(hosts) },
    );
    for (const row of rows.rows) {
      if (row.target === 'next_page') nextAfter = row.value;
      else if (row.kind === 'seller') seller.push(row);
      else if (row.target === 'email') put(emails, row.value, { reason: row.reason, kind: row.kind });
      else put(domains, domainKey(row.value), { reason: row.reason, kind: row.kind });
    }
  }
  // More suppressed domains than the first page: the rest, a page at a time.
  for (let after = nextAfter, count = DOMAIN_SUPPRESSION_PAGE; after !== null && count === DOMAIN_SUPPRESSION_PAGE; ) {
    const page = await sql.query<{ value: string; reason: string }>(
      `SELECT value, 'suppressed: ' || left(reason, ${REASON_CHARS}) AS reason FROM suppression
        WHERE workspace_id = :ws::uuid AND kind = 'domain' AND value > :after ORDER BY value LIMIT ${DOMAIN_SUPPRESSION_PAGE}`,
      { ws: workspaceId, after },
    );
    for (const row of page.rows) put(domains, domainKey(row.value), { reason: row.reason, kind: 'suppressed' });
    count = page.rows.length;
    after = page.rows.at(-1)?.value ?? null;
  }
  for (const row of seller) domains.set(domainKey(row.value), { reason: row.reason, kind: 'seller' });
  return { emails, domains };
}

/** What leaves one lead out now, or undefined: `loadExclusions` for it alone. */
export async function leadExclusion(sql: Sql, workspaceId: string, now: Date, lead: { email: string; domain: string }): Promise<Exclusion | undefined> {
  return exclusionOf(await loadExclusions(sql, workspaceId, now, [lead]), lead.email, lead.domain);
}

/** Why one lead is not prospected now, or undefined (`leadExclusion`'s reason). */
export async function exclusionFor(sql: Sql, workspaceId: string, now: Date, lead: { email: string; domain: string }): Promise<string | undefined> {
  return (await leadExclusion(sql, workspaceId, now, lead))?.reason;
}

/** What excludes a lead, checking parent domains too (mail.x.example matches x.example). */
export function exclusionOf(ex: Exclusions, email: string, domain: string): Exclusion | undefined {
  const direct = ex.emails.get(email);
  if (direct) return direct;
  for (const host of leadHosts(email, domain)) {
    const found = ex.domains.get(host);
    if (found) return found;
  }
  return undefined;
}

/** The excluding reason for a lead (`exclusionOf`'s reason). */
export function exclusionReason(ex: Exclusions, email: string, domain: string): string | undefined {
  return exclusionOf(ex, email, domain)?.reason;
}

/** Runs one ICP's search and records its leads on the run. */
export async function searchLeads(deps: Deps, rawInput: SearchLeadsInput): Promise<SearchLeadsOutput> {
  const { runId, icp } = SearchLeadsInput.parse(rawInput);
  const { sql, log } = deps;

  const run = await sql.query<{ workspace_id: string; started_at: string }>(`SELECT workspace_id, started_at FROM run WHERE id = :id::uuid`, { id: runId });
  if (run.rows.length === 0) throw new ValidationError('search input', [{ path: 'runId', message: `run ${runId} does not exist` }]);
  const workspaceId = run.rows[0].workspace_id;

  // A repeated step (retry after a timeout) finds its earlier result and does nothing twice.
  // Counted in SQL: the stored list is not read back (rows written before it was bounded may be large).
  const done = await sql.query<{ results: number; accepted: number; rejected: number }>(
    `SELECT results, accepted,
            (SELECT COALESCE(sum(COALESCE((e->>'count')::int, 1)), 0) FROM jsonb_array_elements(rejected) AS e)::int AS rejected
     FROM search_query
     WHERE run_id = :runId::uuid AND icp_id IS NOT DISTINCT FROM :icpId::uuid`,
    { runId, icpId: icp.icpId },
  );
  if (done.rows.length > 0) {
    const row = done.rows[0];
    return { icp: icp.slug, results: row.results, accepted: row.accepted, newLeads: 0, rejected: row.rejected };
  }

  const provider = icp.leadsKey ? `file:${icp.leadsKey}` : deps.leadSearch.name;
  const candidates = icp.leadsKey ? await readLeadsFile(deps, icp.leadsKey) : await deps.leadSearch.searchLeads(icp.keywords);

  // Normalised and deduplicated first, then the exclusions are read for these leads alone; the
  // rejections keep the order of the results.
  const early: { at: number; lead: RejectedLead }[] = [];
  const normalized: { at: number; lead: NormalizedLead }[] = [];
  const seen = new Set<string>();
  for (const [i, candidate] of candidates.entries()) {
    if (i >= MAX_SEARCH_RESULTS) {
      early.push({ at: i, lead: { lead: '(results past the limit)', kind: 'quota', reason: `one search considers at most ${MAX_SEARCH_RESULTS} results`, count: candidates.length - i } });
      break;
    }
    const label = clip(String(candidate?.lead_email ?? '').trim() || '(no email)', 200);
    let lead: NormalizedLead;
    try {
      lead = normalizeLead(candidate);
    } catch (error) {
      const { name, message } = describeError(error);
      if (!(error instanceof InvalidLeadError)) log.warn('unexpected error normalising a lead', { error: name });
      early.push({ at: i, lead: { lead: label, kind: 'invalid', error: name, reason: clip(message, 500) } });
      continue;
    }
    if (seen.has(lead.email)) {
      early.push({ at: i, lead: { lead: lead.email, kind: 'duplicate', reason: 'duplicate email in the search results' } });
      continue;
    }
    seen.add(lead.email);
    normalized.push({ at: i, lead });
  }
  const exclusions = await loadExclusions(sql, workspaceId, deps.clock.now(), normalized.map((n) => n.lead));
  const eligible: NormalizedLead[] = [];
  for (const { at, lead } of normalized) {
    const excluded = exclusionReason(exclusions, lead.email, lead.domain);
    if (excluded) early.push({ at, lead: { lead: lead.email, kind: 'excluded', reason: excluded } });
    else eligible.push(lead);
  }
  const rejected: RejectedLead[] = early.sort((x, y) => x.at - y.at).map((r) => r.lead);

  return sql.transaction(async (tx) => {
    let accepted = 0;
    let newLeads = 0;
    let next = 0;
    while (next < eligible.length && accepted < icp.quota) {
      const window = eligible.slice(next, next + SEARCH_BATCH);
      // A lead another ICP already added to this run is neither accepted nor rejected here, and
      // does not use up this ICP's quota.
      // Driven from the window's emails, one unique-index probe each (lead by workspace and email,
      // run_lead by its key): the planner's estimates for tables this transaction is filling are
      // stale (no ANALYZE has seen the new rows), and a join it plans over them compares every
      // window with every lead already written, quadratic in the run's size.
      const inRun = await tx.query<{ email: string }>(
        `SELECT x.email FROM jsonb_array_elements_text(:emails::jsonb) AS x(email)
         CROSS JOIN LATERAL (
           SELECT 1 FROM lead l JOIN run_lead rl ON rl.run_id = :runId::uuid AND rl.lead_id = l.id
           WHERE l.workspace_id = :ws::uuid AND l.email = x.email LIMIT 1) AS hit`,
        { runId, ws: workspaceId, emails: window.map((l) => l.email) },
      );
      const already = new Set(inRun.rows.map((r) => r.email));
      const take = window.filter((l) => !already.has(l.email)).slice(0, icp.quota - accepted);
      // The window is used up to its last taken lead; if a concurrent ICP took some of them (so
      // the quota is not met), the next round starts right after it.
      const used = take.length > 0 ? window.indexOf(take[take.length - 1]) + 1 : window.length;
      // Counted as duplicates so that the run's found = researched + skipped + failed + duplicates.
      for (const l of window.slice(0, used)) {
        if (already.has(l.email)) rejected.push({ lead: l.email, kind: 'duplicate', reason: 'also found by another ICP search in this run' });
      }
      next += used;
      if (take.length === 0) continue;
      const added = await addLeads(tx, deps, { runId, ws: workspaceId, icpId: icp.icpId }, take);
      accepted += added.accepted;
      newLeads += added.newLeads;
    }
    for (const lead of eligible.slice(next)) {
      rejected.push({ lead: lead.email, kind: 'quota', reason: `daily lead quota of ${icp.quota} reached` });
    }

    // The lake lists every rejected result (it has no row limit), before the search is recorded
    // as done: a repeated step rewrites the same part.
    await writeSearchRejections(
      deps,
      { runId, runStartedAt: run.rows[0].started_at, search: icp.icpId ?? icp.slug, icp: icp.icpId ? icp.slug : null },
      rejected
        .filter((r) => r.kind !== 'duplicate')
        .map((r) => (r.kind === 'invalid' || r.kind === 'error'
          ? { lead: r.lead, status: 'failed', reason: `${r.error ?? 'InvalidLead'}: ${r.reason}`, count: r.count }
          : { lead: r.lead, status: 'skipped', reason: r.reason, count: r.count })),
    );
    const stored = boundRejected(rejected);
    await tx.query(
      `INSERT INTO search_query (id, run_id, icp_id, provider, keywords, results, accepted, rejected)
       VALUES (:id::uuid, :runId::uuid, :icpId::uuid, :provider, ${textArray('keywords')}, :results, :accepted, :rejected::jsonb)`,
      {
        id: deps.newId(),
        runId,
        icpId: icp.icpId,
        provider,
        keywords: icp.keywords,
        results: candidates.length,
        accepted,
        rejected: stored as unknown as { [k: string]: string }[],
      },
    );
    const rejectedCount = rejected.reduce((n, r) => n + (r.count ?? 1), 0);
    log.info('search done', { runId, icp: icp.slug, results: candidates.length, accepted, rejected: rejectedCount });
    return { icp: icp.slug, results: candidates.length, accepted, newLeads, rejected: rejectedCount };
  });
}

/**
 * Adds leads to the run in three set-based statements (companies, leads, run leads), whatever
 * their number: one Data API call each instead of three or four per lead.
 */
async function addLeads(
  tx: Sql,
  deps: Deps,
  target: { runId: string; ws: string; icpId: string | null },
  leads: NormalizedLead[],
): Promise<{ accepted: number; newLeads: number }> {
  const rows = leads.map((l, ord) => ({
    ord,
    company_id: deps.newId(),
    lead_id: deps.newId(),
    domain: l.domain,
    company: l.companyName,
    website: l.website,
    email: l.email,
    name: l.name,
    title: l.title,
  }));
  await tx.query(
    `INSERT INTO lead_company (id, workspace_id, domain, name, website)
     SELECT DISTINCT ON (x.domain) x.company_id, :ws::uuid, x.domain, x.company, x.website
     FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, company_id uuid, domain text, company text, website text)
     ORDER BY x.domain, x.ord
     ON CONFLICT (workspace_id, domain) DO NOTHING`,
    { ws: target.ws, rows },
  );
  const inserted = await tx.query(
    `INSERT INTO lead (id, workspace_id, company_id, email, name, title, icp_id, first_run_id)
     SELECT x.lead_id, :ws::uuid, c.id, x.email, x.name, x.title, :icpId::uuid, :runId::uuid
     FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, lead_id uuid, email text, name text, title text, domain text)
     JOIN lead_company c ON c.workspace_id = :ws::uuid AND c.domain = x.domain
     ORDER BY x.ord
     ON CONFLICT (workspace_id, email) DO NOTHING`,
    { ...target, rows },
  );
  // A lead is new to this run when this run created it (here, or a moment ago by another ICP).
  const added = await tx.query(
    `INSERT INTO run_lead (run_id, lead_id, icp_id, is_new)
     SELECT :runId::uuid, l.id, :icpId::uuid, COALESCE(l.first_run_id = :runId::uuid, false)
     FROM jsonb_to_recordset(:rows::jsonb) AS x(ord int, email text)
     CROSS JOIN LATERAL (SELECT id, first_run_id FROM lead WHERE workspace_id = :ws::uuid AND email = x.email LIMIT 1) AS l
     ORDER BY x.ord
     ON CONFLICT (run_id, lead_id) DO NOTHING`,
    { ...target, rows },
  );
  return { accepted: added.rowCount, newLeads: inserted.rowCount };
}
