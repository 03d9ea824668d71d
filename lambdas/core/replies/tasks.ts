/**
 * Rep tasks: what a person's answer asks of the team (`rep_task`, opened by `recordReply`; see
 * effects.ts). Listed open, oldest due first; closed one at a time by id or a unique prefix of it.
 */
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Sql } from '../ports.ts';

/** An open task as a rep reads it. */
export interface RepTask {
  id: string;
  kind: string;
  status: 'open' | 'done';
  title: string;
  /** YYYY-MM-DD */
  dueOn: string;
  owner: string | null;
  lead: { email: string; name: string; company: string } | null;
  reply: { id: string; from: string; subject: string | null; receivedAt: string; label: string | null };
  createdAt: string;
  doneAt: string | null;
}

interface TaskRow {
  id: string; kind: string; status: 'open' | 'done'; title: string; due_on: string; owner: string | null; lead_email: string | null;
  lead_name: string | null; company: string | null; reply_id: string; from_email: string; subject: string | null; received_at: string | Date;
  classification: string | null; created_at: string | Date; done_at: string | Date | null;
}

const SELECT_TASK = `
  SELECT t.id, t.kind, t.status, t.title, to_char(t.due_on, 'YYYY-MM-DD') AS due_on, u.email AS owner,
         l.email AS lead_email, l.name AS lead_name, c.name AS company, r.id AS reply_id, r.from_email, r.subject, r.received_at,
         r.classification, t.created_at, t.done_at
    FROM rep_task t
    JOIN reply r ON r.id = t.reply_id
    LEFT JOIN app_user u ON u.id = t.owner_id
    LEFT JOIN lead l ON l.id = t.lead_id
    LEFT JOIN lead_company c ON c.id = l.company_id`;

function toTask(r: TaskRow): RepTask {
  const iso = (v: string | Date) => new Date(v).toISOString();
  return {
    id: r.id, kind: r.kind, status: r.status, title: r.title, dueOn: r.due_on, owner: r.owner,
    lead: r.lead_email ? { email: r.lead_email, name: r.lead_name ?? '', company: r.company ?? '' } : null,
    reply: { id: r.reply_id, from: r.from_email, subject: r.subject, receivedAt: iso(r.received_at), label: r.classification },
    createdAt: iso(r.created_at), doneAt: r.done_at === null ? null : iso(r.done_at),
  };
}

/** The workspace's open tasks, soonest due first. */
export async function listOpenTasks(sql: Sql, workspaceId: string): Promise<RepTask[]> {
  const rows = await sql.query<TaskRow>(`${SELECT_TASK} WHERE t.workspace_id = :ws::uuid AND t.status = 'open' ORDER BY t.due_on, t.created_at, t.id`, { ws: workspaceId });
  return rows.rows.map(toTask);
}

/**
 * Closes the task with this id (or a unique prefix of at least 6 characters). Closing a task that
 * is already done changes nothing and says so (`alreadyDone`).
 */
export async function completeTask(sql: Sql, workspaceId: string, idText: string, now: Date): Promise<{ task: RepTask; alreadyDone: boolean }> {
  const wanted = idText.trim().toLowerCase();
  if (!/^[0-9a-f][0-9a-f-]{5,35}$/.test(wanted)) {
    throw new ValidationError('tasks done', [{ path: 'ID', message: `"${idText}" is not a task id (6 or more characters of one); list open tasks with \`prospector tasks\`` }]);
  }
  return sql.transaction(async (tx) => {
    const hits = await tx.query<{ id: string; status: string }>(
      `SELECT id, status FROM rep_task WHERE workspace_id = :ws::uuid AND id::text LIKE :prefix ORDER BY created_at LIMIT 5`,
      { ws: workspaceId, prefix: `${wanted}%` },
    );
    if (hits.rows.length === 0) throw new NotFoundError(`tasks done: no task id starts with ${wanted}; list open tasks with \`prospector tasks\``);
    if (hits.rows.length > 1) throw new ValidationError('tasks done', [{ path: 'ID', message: `${wanted} matches ${hits.rows.length} tasks (${hits.rows.map((h) => h.id.slice(0, 8)).join(', ')}): give more of the id` }]);
    const hit = hits.rows[0];
    if (hit.status === 'open') {
      await tx.query(`UPDATE rep_task SET status = 'done', done_at = :now::timestamptz WHERE id = :id::uuid AND status = 'open'`, { id: hit.id, now });
    }
    const row = await tx.query<TaskRow>(`${SELECT_TASK} WHERE t.id = :id::uuid`, { id: hit.id });
    return { task: toTask(row.rows[0]), alreadyDone: hit.status === 'done' };
  });
}
