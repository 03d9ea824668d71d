/**
 * A workspace's leads as a rep scans them: ranked by fit (from each lead's latest research),
 * with the ICP that found them and their status in the latest run that saw them. Earlier research
 * reused unchanged counts as `researched` (see research-status.ts).
 */
import { fitBelowThreshold } from '../outreach/sequence-writer.ts';
import { exclusionFor } from '../pipeline/search-leads.ts';
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
  /** outreach at a glance: the newest sequence's status, else why the latest drafting made none (null: nothing yet) */
  outreach: LeadOutreachGlance | null;
}

/** The newest sequence of a lead and where it stands, or why drafting made none. */
export type LeadOutreachGlance =
  | { kind: 'sequence'; id: string; status: string; statusReason: string | null }
  | { kind: 'not_drafted' | 'drafting_failed'; reason: string };

/** The leads list's outreach filter: where a lead's outreach stands (`LeadOutreachGlance`). */
export const OUTREACH_FILTERS = {
  review: 'draft waiting for review',
  sending: 'approved or sending',
  ended: 'stopped, rejected or completed',
  not_drafted: 'not drafted',
  none: 'nothing yet',
} as const;
export type OutreachFilter = keyof typeof OUTREACH_FILTERS;

/** Whether a lead's outreach is where `filter` asks. */
export function outreachMatches(o: LeadOutreachGlance | null, filter: OutreachFilter): boolean {
  if (filter === 'none') return o === null;
  if (filter === 'not_drafted') return o !== null && o.kind !== 'sequence';
  if (o?.kind !== 'sequence') return false;
  if (filter === 'review') return o.status === 'draft';
  if (filter === 'sending') return ['approved', 'active', 'paused'].includes(o.status);
  return ['stopped', 'rejected', 'completed'].includes(o.status);
}

export interface LeadFilter {
  workspaceId: string;
  /** one lead only (its page) */
  leadId?: string | null;
  icpSlug?: string | null;
  status?: LeadStatus | null;
  outreach?: OutreachFilter | null;
  limit?: number;
}

/**
 * SQL for a lead's ICP id (`lead` is the lead row's alias): the ICP whose search found it, else
 * the one its latest run that named an ICP was for (a leads file run with `--icp`). The leads
 * list, the lead page (with its intent score) and `show LEAD` all read a lead's ICP this way.
 */
export const leadIcpId = (lead: string) =>
  `COALESCE(${lead}.icp_id, (SELECT x.icp_id FROM run_lead x JOIN run r ON r.id = x.run_id
                             WHERE x.lead_id = ${lead}.id AND x.icp_id IS NOT NULL ORDER BY r.started_at DESC LIMIT 1))`;

/** The workspace's leads, best fit first (no score last), filtered by ICP slug and status. */
export async function listLeads(sql: Sql, filter: LeadFilter): Promise<LeadListItem[]> {
  const r = await sql.query<{
    id: string; email: string; name: string; title: string | null; company: string; domain: string; icp_slug: string | null; icp_name: string | null;
    run_status: LeadStatus | null; reason: string | null; research_id: string | null; research_status: string | null; fit_score: number | null;
    summary: string | null; researched_at: string | null; intent_score: number | null;
    seq_id: string | null; seq_status: string | null; seq_reason: string | null; draft_outcome: 'drafted' | 'not_drafted' | 'failed' | null; draft_reason: string | null; fit_threshold: number | null;
  }>(
    `SELECT l.id, l.email, l.name, l.title, c.name AS company, c.domain, i.slug AS icp_slug, i.name AS icp_name,
            rl.status AS run_status, rl.reason, res.id AS research_id, res.status AS research_status, res.fit_score, res.summary,
            res.created_at AS researched_at,
            (SELECT max(ci.score) FROM company_intent ci WHERE ci.company_id = l.company_id AND (i.id IS NULL OR ci.icp_id = i.id)) AS intent_score,
            seq.id AS seq_id, seq.status AS seq_status, seq.status_reason AS seq_reason, d.outcome AS draft_outcome, d.reason AS draft_reason, i.fit_threshold
       FROM lead l
       JOIN lead_company c ON c.id = l.company_id
       LEFT JOIN icp i ON i.id = ${leadIcpId('l')}
       LEFT JOIN LATERAL (SELECT x.status, x.reason FROM run_lead x JOIN run r ON r.id = x.run_id
                           WHERE x.lead_id = l.id ORDER BY r.started_at DESC LIMIT 1) rl ON true
       LEFT JOIN LATERAL (SELECT y.id, y.status, y.fit_score, y.summary, y.created_at FROM research y
                           WHERE y.lead_id = l.id ORDER BY y.created_at DESC LIMIT 1) res ON true
       LEFT JOIN LATERAL (SELECT s.id, s.status, s.status_reason FROM sequence s WHERE s.lead_id = l.id ORDER BY s.created_at DESC LIMIT 1) seq ON true
       LEFT JOIN LATERAL (SELECT x.outcome, x.reason FROM lead_draft x JOIN run r ON r.id = x.run_id
                           WHERE x.lead_id = l.id ORDER BY r.started_at DESC LIMIT 1) d ON true
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
        outreach: outreachGlance(x),
      };
    })
    .filter((x) => (!filter.status || x.status === filter.status) && (!filter.outreach || outreachMatches(x.outreach, filter.outreach)));
}

/**
 * A lead's outreach at a glance: its newest sequence, else the latest drafting outcome's reason,
 * else a fit below its ICP's threshold (the state machine never sent it to drafting), as
 * `loadLastDraft` reads them for the lead's page.
 */
function outreachGlance(x: {
  seq_id: string | null; seq_status: string | null; seq_reason: string | null; draft_outcome: 'drafted' | 'not_drafted' | 'failed' | null; draft_reason: string | null;
  fit_score: number | null; fit_threshold: number | null;
}): LeadOutreachGlance | null {
  if (x.seq_id && x.seq_status) return { kind: 'sequence', id: x.seq_id, status: x.seq_status, statusReason: x.seq_reason };
  const last = lastDraftOrFit(x.draft_outcome ? { outcome: x.draft_outcome, reason: x.draft_reason, runId: null, at: null } : null, x.fit_score, x.fit_threshold);
  if (!last || last.outcome === 'drafted') return null;
  return { kind: last.outcome === 'failed' ? 'drafting_failed' : 'not_drafted', reason: last.reason ?? '–' };
}

/**
 * What drafting last did for a lead: the latest drafting outcome when there is one, else a fit
 * below its ICP's threshold (the state machine's Choice never sent the lead to drafting), worded
 * as the run summary words it; null when neither applies.
 */
function lastDraftOrFit(draft: NonNullable<LeadOutreach['lastDraft']> | null, fitScore: number | null, threshold: number | null): LeadOutreach['lastDraft'] {
  if (draft) return draft;
  if (fitScore !== null && threshold !== null && fitScore < threshold) return { outcome: 'not_drafted', reason: fitBelowThreshold(fitScore, threshold), runId: null, at: null };
  return null;
}

/** The workspace's ICPs (slug and name), for filters. */
export async function listIcps(sql: Sql, workspaceId: string): Promise<{ slug: string; name: string }[]> {
  return (await sql.query<{ slug: string; name: string }>(`SELECT slug, name FROM icp WHERE workspace_id = :ws::uuid ORDER BY name`, { ws: workspaceId })).rows;
}

/** One of a lead's sequences, as its page lists them. */
export interface LeadSequence {
  id: string;
  status: string;
  statusReason: string | null;
  source: 'llm' | 'template';
  personalised: boolean;
  /** the rep who sends it */
  repEmail: string;
  /** the rep it was handed over from (lambdas/core/outreach/hand-over.ts), or null */
  handedOverFrom: string | null;
  createdAt: string;
}

/** What outreach did and would do for a lead: its sequences, the last drafting outcome, and what keeps it from being contacted. */
export interface LeadOutreach {
  /** newest first (the last ten) */
  sequences: LeadSequence[];
  /**
   * the drafting step's outcome in the latest run that drafted for the lead; a lead below its
   * ICP's threshold never reaches the step (the state machine's Choice), so its reason is derived
   * as the run summary derives it, with no run or time; null when neither applies
   */
  lastDraft: { outcome: 'drafted' | 'not_drafted' | 'failed'; reason: string | null; runId: string | null; at: string | null } | null;
  /** why the lead is not contacted now (a suppression, a hold, the seller's own, a customer's or a competitor's domain), or null */
  excluded: string | null;
}

/**
 * What drafting last did for a lead (see `LeadOutreach.lastDraft`): the outcome of the latest run
 * that drafted for it, else a fit below its ICP's threshold, derived as the run summary does.
 */
export async function loadLastDraft(sql: Sql, workspaceId: string, lead: { id: string; fitScore: number | null }): Promise<LeadOutreach['lastDraft']> {
  const draft = await sql.query<{ outcome: 'drafted' | 'not_drafted' | 'failed' | null; reason: string | null; run_id: string | null; updated_at: string | null; fit_threshold: number | null }>(
    `SELECT d.outcome, d.reason, d.run_id, d.updated_at, i.fit_threshold
       FROM lead l
       LEFT JOIN icp i ON i.id = ${leadIcpId('l')}
       LEFT JOIN LATERAL (SELECT x.outcome, x.reason, x.run_id, x.updated_at FROM lead_draft x JOIN run r ON r.id = x.run_id
                           WHERE x.lead_id = l.id AND r.workspace_id = l.workspace_id ORDER BY r.started_at DESC LIMIT 1) d ON true
      WHERE l.id = :lead::uuid AND l.workspace_id = :ws::uuid`,
    { lead: lead.id, ws: workspaceId },
  );
  const d = draft.rows[0];
  return lastDraftOrFit(d?.outcome ? { outcome: d.outcome, reason: d.reason, runId: d.run_id, at: d.updated_at } : null, lead.fitScore, d?.fit_threshold ?? null);
}

/**
 * A lead's outreach for its page. `excluded` is decided as drafting decides it (the same
 * exclusions, read at `now`), so the page and the next run agree on who is left alone.
 */
export async function loadLeadOutreach(sql: Sql, workspaceId: string, lead: { id: string; email: string; domain: string; fitScore: number | null }, now: Date): Promise<LeadOutreach> {
  const sequences = await sql.query<{ id: string; status: string; status_reason: string | null; source: 'llm' | 'template'; personalised: boolean; rep_email: string; handed_over_from: string | null; created_at: string }>(
    `SELECT id, status, status_reason, source, personalised, rep_email, handed_over_from, created_at FROM sequence
      WHERE lead_id = :lead::uuid AND workspace_id = :ws::uuid ORDER BY created_at DESC LIMIT 10`,
    { lead: lead.id, ws: workspaceId },
  );
  return {
    sequences: sequences.rows.map((s) => ({ id: s.id, status: s.status, statusReason: s.status_reason, source: s.source, personalised: s.personalised, repEmail: s.rep_email, handedOverFrom: s.handed_over_from, createdAt: s.created_at })),
    lastDraft: await loadLastDraft(sql, workspaceId, lead),
    excluded: (await exclusionFor(sql, workspaceId, now, lead)) ?? null,
  };
}
