/**
 * A workspace's suppression list as a rep reads it: every address or domain that is never
 * contacted, where it came from (onboarding, an opt-out, a bounce, a complaint, a rep), why, when,
 * and the reply that caused it. Nothing here removes a row: an opt-out is permanent.
 */
import type { Sql } from '../ports.ts';

export interface SuppressionView {
  id: string;
  kind: 'email' | 'domain';
  value: string;
  source: string;
  reason: string;
  createdAt: string;
  /** the reply that suppressed it (an opt-out or a bounce), when there was one */
  replyId: string | null;
}

/** The workspace's suppressions, newest first; `search` matches the address or domain, the reason or the source (case-insensitive). */
export async function listSuppressions(sql: Sql, workspaceId: string, options: { search?: string | null; limit?: number } = {}): Promise<SuppressionView[]> {
  const search = options.search?.trim() || null;
  const rows = await sql.query<{ id: string; kind: 'email' | 'domain'; value: string; source: string; reason: string; created_at: string | Date; reply_id: string | null }>(
    `SELECT id, kind, value, source, reason, created_at, reply_id
       FROM suppression
      WHERE workspace_id = :ws::uuid
        AND (:q::text IS NULL OR strpos(lower(value || ' ' || reason || ' ' || source), lower(:q)) > 0)
      ORDER BY created_at DESC, value
      LIMIT :limit::int`,
    { ws: workspaceId, q: search, limit: options.limit ?? 500 },
  );
  return rows.rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    value: r.value,
    source: r.source,
    reason: r.reason,
    createdAt: new Date(r.created_at).toISOString(),
    replyId: r.reply_id,
  }));
}
