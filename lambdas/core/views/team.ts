/**
 * What each rep of a workspace carries, for whoever shares the leads out: the ICPs whose new
 * leads go to them (`lambdas/core/outreach/assign-rep.ts`), their open sequences by status, their
 * sequences' emails sent today (since midnight UTC) beside their mailbox's cap today (warm-up
 * included), their suggested responses to replies waiting for approval, and their open tasks.
 * Anyone still named on an open sequence or a waiting response who is no longer a user (removed by a re-import) is
 * listed too, marked so: their drafts would go out from their mailbox under their signature.
 */
import type { Sql } from '../ports.ts';
import { repCandidates } from '../outreach/assign-rep.ts';
import { effectiveDailyCap } from '../sending/policy.ts';

export interface TeamMember {
  email: string;
  /** null: no longer a user of the workspace, yet still named on open sequences */
  name: string | null;
  role: 'admin' | 'rep' | null;
  /** the active ICPs whose new leads may go to them, by slug */
  icps: string[];
  sequences: { draft: number; approved: number; active: number; paused: number };
  /** suggested responses to replies, drafted for them and not yet decided */
  responses: number;
  mailbox: { address: string; active: boolean; capToday: number; sentToday: number } | null;
  openTasks: number;
}

/** The workspace's users (then anyone else open sequences name), in the onboarding's role order, then by email. */
export async function loadTeam(sql: Sql, workspaceId: string, now: Date): Promise<TeamMember[]> {
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const rows = await sql.query<{
    email: string; name: string | null; role: 'admin' | 'rep' | null;
    draft: number; approved: number; active: number; paused: number;
    mailbox_address: string | null; mailbox_active: boolean | null; daily_cap: number | null; warmup_started_at: string | null;
    sent_today: number; open_tasks: number; responses: number;
  }>(
    `WITH people AS (
       SELECT email FROM app_user WHERE workspace_id = :ws::uuid
       UNION
       SELECT rep_email FROM sequence WHERE workspace_id = :ws::uuid AND status IN ('draft', 'approved', 'active', 'paused')
       UNION
       SELECT rep_email FROM reply_response WHERE workspace_id = :ws::uuid AND status = 'draft'
     )
     SELECT p.email, u.name, u.role,
            count(s.id) FILTER (WHERE s.status = 'draft')::int AS draft,
            count(s.id) FILTER (WHERE s.status = 'approved')::int AS approved,
            count(s.id) FILTER (WHERE s.status = 'active')::int AS active,
            count(s.id) FILTER (WHERE s.status = 'paused')::int AS paused,
            mb.address AS mailbox_address, mb.active AS mailbox_active, mb.daily_cap, mb.warmup_started_at,
            (SELECT count(*)::int FROM send_attempt a JOIN message m ON m.id = a.message_id JOIN sequence x ON x.id = m.sequence_id
              WHERE x.workspace_id = :ws::uuid AND x.rep_email = p.email AND a.status = 'sent' AND a.started_at >= :dayStart::timestamptz) AS sent_today,
            (SELECT count(*)::int FROM rep_task t WHERE t.workspace_id = :ws::uuid AND t.owner_id = u.id AND t.status = 'open') AS open_tasks,
            (SELECT count(*)::int FROM reply_response rr WHERE rr.workspace_id = :ws::uuid AND rr.rep_email = p.email AND rr.status = 'draft') AS responses
       FROM people p
       LEFT JOIN app_user u ON u.workspace_id = :ws::uuid AND u.email = p.email
       LEFT JOIN sequence s ON s.workspace_id = :ws::uuid AND s.rep_email = p.email AND s.status IN ('draft', 'approved', 'active', 'paused')
       LEFT JOIN LATERAL (SELECT address, active, daily_cap, warmup_started_at FROM mailbox
                           WHERE workspace_id = :ws::uuid AND (rep_id = u.id OR address = p.email)
                           ORDER BY active DESC, (rep_id = u.id) DESC NULLS LAST, created_at DESC LIMIT 1) mb ON true
      GROUP BY p.email, u.id, u.name, u.role, mb.address, mb.active, mb.daily_cap, mb.warmup_started_at
      ORDER BY u.id IS NULL, u.role, p.email`,
    { ws: workspaceId, dayStart },
  );
  const users = rows.rows.filter((r) => r.role !== null).map((r) => ({ email: r.email, role: r.role! }));
  const icps = await sql.query<{ slug: string; reps: string[] }>(`SELECT slug, reps FROM icp WHERE workspace_id = :ws::uuid AND active ORDER BY slug`, { ws: workspaceId });
  const takes = new Map<string, string[]>();
  for (const icp of icps.rows) for (const email of repCandidates({ users }, icp)) takes.set(email, [...(takes.get(email) ?? []), icp.slug]);
  return rows.rows.map((r) => ({
    email: r.email,
    name: r.name,
    role: r.role,
    icps: r.role === null ? [] : (takes.get(r.email) ?? []),
    sequences: { draft: r.draft, approved: r.approved, active: r.active, paused: r.paused },
    responses: r.responses,
    mailbox: r.mailbox_address === null
      ? null
      : {
          address: r.mailbox_address,
          active: r.mailbox_active === true,
          capToday: effectiveDailyCap({ dailyCap: r.daily_cap!, warmupStartedAt: r.warmup_started_at === null ? null : new Date(r.warmup_started_at) }, now),
          sentToday: r.sent_today,
        },
    openTasks: r.open_tasks,
  }));
}
