/** Turning what a user typed (a run id, a prefix of one, a lead email) into rows, with errors that say what to do next. */
import { ProspectorError } from '#core/errors.ts';
import type { Sql } from '#core/ports.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIX = /^[0-9a-f][0-9a-f-]{5,35}$/i;

/** True when the text looks like a run id or the start of one (at least 6 hex digits). */
export function looksLikeRunId(text: string): boolean {
  return UUID.test(text.trim()) || PREFIX.test(text.trim());
}

/**
 * The full id of a run given its id or a unique prefix (what `prospector runs` shows is long;
 * the first 8 characters are usually enough). Unknown or ambiguous ids get an error naming the
 * command that lists runs.
 */
export async function resolveRunId(sql: Sql, text: string): Promise<string> {
  const wanted = text.trim().toLowerCase();
  if (!looksLikeRunId(wanted)) {
    throw new ProspectorError(`"${text}" is not a run id: list recent runs with \`prospector runs\``);
  }
  if (UUID.test(wanted)) {
    const hit = await sql.query<{ id: string }>(`SELECT id FROM run WHERE id = :id::uuid`, { id: wanted });
    if (hit.rows[0]) return hit.rows[0].id;
    throw new ProspectorError(`run ${wanted} does not exist: list recent runs with \`prospector runs\``);
  }
  const hits = await sql.query<{ id: string }>(`SELECT id FROM run WHERE id::text LIKE :prefix ORDER BY started_at DESC LIMIT 5`, { prefix: `${wanted}%` });
  if (hits.rows.length === 1) return hits.rows[0].id;
  if (hits.rows.length === 0) throw new ProspectorError(`no run id starts with ${wanted}: list recent runs with \`prospector runs\``);
  throw new ProspectorError(`${wanted} matches several runs (${hits.rows.map((r) => r.id).join(', ')}): give more of the id`);
}

/** The id of the most recent run, with an error that says how to make one when there is none. */
export async function latestRunOrFail(sql: Sql): Promise<string> {
  const r = await sql.query<{ id: string }>(`SELECT id FROM run ORDER BY started_at DESC LIMIT 1`);
  if (!r.rows[0]) throw new ProspectorError('no run yet: run `prospector run` (or `prospector start`) first');
  return r.rows[0].id;
}
