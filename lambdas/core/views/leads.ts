/**
 * A workspace's leads as a rep scans them: ranked by fit (from each lead's latest research),
 * with the ICP that found them and their status in the latest run that saw them. Earlier research
 * reused unchanged counts as `researched` (see research-status.ts).
 */
import type { Sql } from '../ports.ts';
import { reusedAsCurrent } from './research-status.ts';

export const LEAD_STATUSES = ['pending', 'fetched', 'cleaned', 'researched', 'skipped', 'failed'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

export interface LeadListItem {
  id: string;
  email: string;
  name: string;
  title: string | null;
  company: string;
  domain: string;
  icp: { slug: string; name: string } | null;
  status: LeadStatus | null;
  reason: string | null;
  researchId: string | null;
  fitScore: number | null;
  /** intent beside fit: the company's score for the lead's ICP (its best over ICPs without one), null before any comparison */
  intentScore: number | null;
  summary: string | null;
  researchedAt: string | null;
}

export interface LeadFilter {
  workspaceId: string;
  /** one lead only (its page) */
  leadId?: string | null;
  icpSlug?: string | null;
  status?: LeadStatus | null;
  limit?: number;
}

/** The workspace's leads, best fit first (no score last), filtered by ICP slug and status. */
export async function listLeads(sql: Sql, filter: LeadFilter): Promise<LeadListItem[]> {
  const r = await sql.query<{
    id: string; email: string; name: string; title: string | null; company: string; domain: string; icp_slug: string | null; icp_name: string | null;
    run_status: LeadStatus | null; reason: string | null; research_id: string | null; research_status: string | null; fit_score: number | null;
    summary: string | null; researched_at: string | null; intent_score: number | null;
  }>(
    `SELECT l.id, l.email, l.name, l.title, c.name AS company, c.domain, i.slug AS icp_slug, i.name AS icp_name,
            rl.status AS run_status, rl.reason, res.id AS research_id, res.status AS research_status, res.fit_score, res.summary,
            res.created_at AS researched_at,
            (SELECT max(ci.score) FROM company_intent ci WHERE ci.company_id = l.company_id AND (l.icp_id IS NULL OR ci.icp_id = l.icp_id)) AS intent_score
       FROM lead l
       JOIN lead_company c ON c.id = l.company_id
       LEFT JOIN icp i ON i.id = l.icp_id
       LEFT JOIN LATERAL (SELECT x.status, x.reason FROM run_lead x JOIN run r ON r.id = x.run_id
                           WHERE x.lead_id = l.id ORDER BY r.started_at DESC LIMIT 1) rl ON true
       LEFT JOIN LATERAL (SELECT y.id, y.status, y.fit_score, y.summary, y.created_at FROM research y
                           WHERE y.lead_id = l.id ORDER BY y.created_at DESC LIMIT 1) res ON true
      WHERE l.workspace_id = :ws::uuid AND (:icp::text IS NULL OR i.slug = :icp::text) AND (:lead::uuid IS NULL OR l.id = :lead::uuid)
      ORDER BY res.fit_score DESC NULLS LAST, c.name, l.email
      LIMIT :limit`,
    { ws: filter.workspaceId, icp: filter.icpSlug ?? null, lead: filter.leadId ?? null, limit: filter.limit ?? 500 },
  );
  return r.rows
    .map((x) => {
      const reused = x.run_status !== null && reusedAsCurrent({ status: x.run_status, reason: x.reason, researchStatus: x.research_status });
      const status: LeadStatus | null = reused ? 'researched' : (x.run_status ?? (x.research_id ? 'researched' : null));
      return {
        id: x.id, email: x.email, name: x.name, title: x.title, company: x.company, domain: x.domain,
        icp: x.icp_slug ? { slug: x.icp_slug, name: x.icp_name ?? x.icp_slug } : null,
        status, reason: reused ? null : x.reason, researchId: x.research_id, fitScore: x.fit_score, intentScore: x.intent_score === null ? null : Number(x.intent_score), summary: x.summary, researchedAt: x.researched_at,
      };
    })
    .filter((x) => !filter.status || x.status === filter.status);
}

/** The workspace's ICPs (slug and name), for filters. */
export async function listIcps(sql: Sql, workspaceId: string): Promise<{ slug: string; name: string }[]> {
  return (await sql.query<{ slug: string; name: string }>(`SELECT slug, name FROM icp WHERE workspace_id = :ws::uuid ORDER BY name`, { ws: workspaceId })).rows;
}
