/**
 * SearchLeads: calls search_leads(keywords) for one ICP (or reads a leads file), validates and
 * normalises every result, drops excluded ones before any request or token is spent, and
 * upserts the rest as leads of the run.
 */
import { z } from 'zod';
import { InvalidLeadError, ValidationError, describeError } from '../errors.ts';
import { normalizeDomain, normalizeLead } from '../leads/normalize.ts';
import type { LeadCandidate, Sql } from '../ports.ts';
import type { Deps } from './deps.ts';
import { textArray } from '../db/sql-text.ts';
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

interface Exclusions {
  emails: Map<string, string>;
  domains: Map<string, string>;
}

/** Who is never prospected: suppressions, the seller itself, its customers and competitors. */
export async function loadExclusions(sql: Sql, workspaceId: string): Promise<Exclusions> {
  const emails = new Map<string, string>();
  const domains = new Map<string, string>();
  const sup = await sql.query<{ kind: string; value: string; reason: string }>(
    `SELECT kind, value, reason FROM suppression WHERE workspace_id = :ws::uuid`,
    { ws: workspaceId },
  );
  // Exclusions are normalised as lead domains are (no www., IDN as ASCII), or `www.x.example`
  // in the onboarding would exclude nothing.
  const domainKey = (d: string): string => {
    try {
      return normalizeDomain(d);
    } catch {
      return d.toLowerCase();
    }
  };
  for (const row of sup.rows) {
    if (row.kind === 'email') emails.set(row.value, `suppressed: ${row.reason}`);
    else domains.set(domainKey(row.value), `suppressed: ${row.reason}`);
  }
  const seller = await sql.query<{ domain: string; customer_domains: string[]; competitors: { domain?: string; name?: string }[] }>(
    `SELECT domain, customer_domains, competitors FROM seller_company WHERE workspace_id = :ws::uuid`,
    { ws: workspaceId },
  );
  for (const row of seller.rows) {
    domains.set(domainKey(row.domain), "the seller's own domain");
    for (const d of row.customer_domains ?? []) domains.set(domainKey(d), 'existing customer');
    for (const c of row.competitors ?? []) if (c.domain) domains.set(domainKey(c.domain), `competitor (${c.name ?? c.domain})`);
  }
  return { emails, domains };
}

/** The excluding reason for a lead, checking parent domains too (mail.x.example matches x.example). */
function exclusionReason(ex: Exclusions, email: string, domain: string): string | undefined {
  const direct = ex.emails.get(email);
  if (direct) return direct;
  const emailDomain = email.slice(email.indexOf('@') + 1);
  for (const host of [domain, emailDomain]) {
    const parts = host.split('.');
    for (let i = 0; i < parts.length - 1; i++) {
      const reason = ex.domains.get(parts.slice(i).join('.'));
      if (reason) return reason;
    }
  }
  return undefined;
}

/** Runs one ICP's search and records its leads on the run. */
export async function searchLeads(deps: Deps, rawInput: SearchLeadsInput): Promise<SearchLeadsOutput> {
  const { runId, icp } = SearchLeadsInput.parse(rawInput);
  const { sql, log } = deps;

  const run = await sql.query<{ workspace_id: string }>(`SELECT workspace_id FROM run WHERE id = :id::uuid`, { id: runId });
  if (run.rows.length === 0) throw new ValidationError('search input', [{ path: 'runId', message: `run ${runId} does not exist` }]);
  const workspaceId = run.rows[0].workspace_id;

  // A repeated step (retry after a timeout) finds its earlier result and does nothing twice.
  const done = await sql.query<{ results: number; accepted: number; rejected: RejectedLead[] }>(
    `SELECT results, accepted, rejected FROM search_query
     WHERE run_id = :runId::uuid AND icp_id IS NOT DISTINCT FROM :icpId::uuid`,
    { runId, icpId: icp.icpId },
  );
  if (done.rows.length > 0) {
    const row = done.rows[0];
    return { icp: icp.slug, results: row.results, accepted: row.accepted, newLeads: 0, rejected: row.rejected.length };
  }

  const provider = icp.leadsKey ? `file:${icp.leadsKey}` : deps.leadSearch.name;
  const candidates = icp.leadsKey ? await readLeadsFile(deps, icp.leadsKey) : await deps.leadSearch.searchLeads(icp.keywords);
  const exclusions = await loadExclusions(sql, workspaceId);

  return sql.transaction(async (tx) => {
    const rejected: RejectedLead[] = [];
    const seen = new Set<string>();
    let accepted = 0;
    let newLeads = 0;
    for (const candidate of candidates) {
      const label = clip(String(candidate?.lead_email ?? '').trim() || '(no email)', 200);
      let lead;
      try {
        lead = normalizeLead(candidate);
      } catch (error) {
        const { name, message } = describeError(error);
        if (!(error instanceof InvalidLeadError)) log.warn('unexpected error normalising a lead', { error: name });
        rejected.push({ lead: label, kind: 'invalid', error: name, reason: clip(message, 500) });
        continue;
      }
      if (seen.has(lead.email)) {
        rejected.push({ lead: lead.email, kind: 'duplicate', reason: 'duplicate email in the search results' });
        continue;
      }
      seen.add(lead.email);
      const excluded = exclusionReason(exclusions, lead.email, lead.domain);
      if (excluded) {
        rejected.push({ lead: lead.email, kind: 'excluded', reason: excluded });
        continue;
      }
      if (accepted >= icp.quota) {
        rejected.push({ lead: lead.email, kind: 'quota', reason: `daily lead quota of ${icp.quota} reached` });
        continue;
      }

      const company = await tx.query<{ id: string }>(
        `INSERT INTO lead_company (id, workspace_id, domain, name, website)
         VALUES (:id::uuid, :ws::uuid, :domain, :name, :website)
         ON CONFLICT (workspace_id, domain) DO UPDATE SET domain = EXCLUDED.domain
         RETURNING id`,
        { id: deps.newId(), ws: workspaceId, domain: lead.domain, name: lead.companyName, website: lead.website },
      );
      const companyId = company.rows[0].id;
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO lead (id, workspace_id, company_id, email, name, icp_id, first_run_id)
         VALUES (:id::uuid, :ws::uuid, :companyId::uuid, :email, :name, :icpId::uuid, :runId::uuid)
         ON CONFLICT (workspace_id, email) DO NOTHING
         RETURNING id`,
        { id: deps.newId(), ws: workspaceId, companyId, email: lead.email, name: lead.name, icpId: icp.icpId, runId },
      );
      let leadId: string;
      const isNew = inserted.rows.length > 0;
      if (isNew) {
        leadId = inserted.rows[0].id;
        newLeads++;
      } else {
        const existing = await tx.query<{ id: string }>(
          `SELECT id FROM lead WHERE workspace_id = :ws::uuid AND email = :email`,
          { ws: workspaceId, email: lead.email },
        );
        leadId = existing.rows[0].id;
      }
      // A lead found by two ICPs is processed once per run.
      const added = await tx.query(
        `INSERT INTO run_lead (run_id, lead_id, icp_id, is_new) VALUES (:runId::uuid, :leadId::uuid, :icpId::uuid, :isNew)
         ON CONFLICT (run_id, lead_id) DO NOTHING`,
        { runId, leadId, icpId: icp.icpId, isNew },
      );
      if (added.rowCount > 0) accepted++;
      // Counted as a duplicate so that the run's found = researched + skipped + failed + duplicates.
      else rejected.push({ lead: lead.email, kind: 'duplicate', reason: 'also found by another ICP search in this run' });
    }

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
        rejected: rejected as unknown as { [k: string]: string }[],
      },
    );
    log.info('search done', { runId, icp: icp.slug, results: candidates.length, accepted, rejected: rejected.length });
    return { icp: icp.slug, results: candidates.length, accepted, newLeads, rejected: rejected.length };
  });
}
