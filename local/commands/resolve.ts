/** Turning what a user typed (a workspace, a run id, a prefix of one, a lead email) into rows, with errors that say what to do next. */
import { ProspectorError } from '#core/errors.ts';
import type { Sql } from '#core/ports.ts';

/** A workspace the user named, and where (the flag or the variable), for the errors. */
export interface WorkspaceChoice {
  slug: string;
  from: '--workspace' | 'PROSPECTOR_WORKSPACE';
}

export interface Workspace {
  id: string;
  slug: string;
}

async function allWorkspaces(sql: Sql): Promise<Workspace[]> {
  return (await sql.query<Workspace>(`SELECT id, slug FROM workspace ORDER BY slug`)).rows;
}

/** The chosen workspace, or null when none was chosen (listings then show every workspace). */
export async function chosenWorkspace(sql: Sql, choice: WorkspaceChoice | undefined): Promise<Workspace | null> {
  if (!choice) return null;
  const all = await allWorkspaces(sql);
  const hit = all.find((w) => w.slug === choice.slug);
  if (hit) return hit;
  throw new ProspectorError(
    `${choice.from} ${choice.slug}: no such workspace; ` +
      (all.length ? `onboarded: ${all.map((w) => w.slug).join(', ')}` : 'none is onboarded yet: run `prospector onboard FILE` (or `prospector onboard --sample`)'),
  );
}

/**
 * The workspace a command acts on: the chosen one, or the only one. With several onboarded and
 * none chosen this is an error naming the flag: nothing picks a seller silently.
 */
export async function resolveWorkspace(sql: Sql, choice: WorkspaceChoice | undefined): Promise<Workspace> {
  const chosen = await chosenWorkspace(sql, choice);
  if (chosen) return chosen;
  const all = await allWorkspaces(sql);
  if (all.length === 1) return all[0];
  if (all.length === 0) throw new ProspectorError('no workspace is onboarded: run `prospector onboard FILE` (or `prospector onboard --sample`) first');
  throw new ProspectorError(`several workspaces are onboarded (${all.map((w) => w.slug).join(', ')}): choose one with --workspace SLUG (or PROSPECTOR_WORKSPACE=SLUG)`);
}

/** The fewest characters of a run id that name it (what the help of every command says). */
export const RUN_ID_PREFIX_MIN = 6;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIX = new RegExp(`^[0-9a-f][0-9a-f-]{${RUN_ID_PREFIX_MIN - 1},35}$`, 'i');
const SHORT_PREFIX = new RegExp(`^[0-9a-f][0-9a-f-]{0,${RUN_ID_PREFIX_MIN - 2}}$`, 'i');

/** True when the text looks like a run id or the start of one (at least 6 characters). */
export function looksLikeRunId(text: string): boolean {
  return UUID.test(text.trim()) || PREFIX.test(text.trim());
}

/** True when the text could be the start of a run id but is too short to name one (`3622`). */
export function tooShortForRunId(text: string): boolean {
  return SHORT_PREFIX.test(text.trim());
}

/**
 * The full id of a run given its id or a unique prefix of 6+ characters (what `prospector runs`
 * shows is long; the first 8 characters are usually enough). Unknown or ambiguous ids get an
 * error naming the command that lists runs.
 */
export async function resolveRunId(sql: Sql, text: string, choice?: WorkspaceChoice): Promise<string> {
  const wanted = text.trim().toLowerCase();
  if (tooShortForRunId(wanted)) {
    throw new ProspectorError(`"${text}" is too short to name a run: give at least ${RUN_ID_PREFIX_MIN} characters of the id (list recent runs with \`prospector runs\`)`);
  }
  if (!looksLikeRunId(wanted)) {
    throw new ProspectorError(`"${text}" is not a run id: list recent runs with \`prospector runs\``);
  }
  const id = await resolveAnyRunId(sql, wanted);
  const workspace = await chosenWorkspace(sql, choice);
  if (workspace) {
    const r = await sql.query<{ slug: string }>(`SELECT w.slug FROM run r JOIN workspace w ON w.id = r.workspace_id WHERE r.id = :id::uuid`, { id });
    if (r.rows[0]?.slug !== workspace.slug) throw new ProspectorError(`run ${id} belongs to workspace ${r.rows[0]?.slug}, not ${workspace.slug} (${choice!.from})`);
  }
  return id;
}

async function resolveAnyRunId(sql: Sql, wanted: string): Promise<string> {
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

/**
 * The id of the most recent run of the workspace (the chosen one, or the only one), with an
 * error that says how to make one when there is none.
 */
export async function latestRunOrFail(sql: Sql, choice?: WorkspaceChoice): Promise<string> {
  const workspace = await resolveWorkspace(sql, choice).catch(async (error: unknown) => {
    // No workspace at all: the error about runs says what to do first.
    if ((await allWorkspaces(sql)).length === 0) return null;
    throw error;
  });
  const r = await sql.query<{ id: string }>(
    `SELECT id FROM run WHERE :workspace::uuid IS NULL OR workspace_id = :workspace::uuid ORDER BY started_at DESC LIMIT 1`,
    { workspace: workspace?.id ?? null },
  );
  if (!r.rows[0]) throw new ProspectorError(`no run yet${workspace && choice ? ` in workspace ${workspace.slug}` : ''}: run \`prospector run\` (or \`prospector start\`) first`);
  return r.rows[0].id;
}

/**
 * The `--rep` a user typed, lowercased, checked to be a user of the workspace (of any workspace
 * when `workspace` is null); the error lists the users. `where` names the workspace in it.
 */
export async function resolveRepEmail(sql: Sql, given: string, workspace: { id: string; where: string } | null): Promise<string> {
  const users = await sql.query<{ email: string }>(
    `SELECT DISTINCT email FROM app_user WHERE :ws::uuid IS NULL OR workspace_id = :ws::uuid ORDER BY email`,
    { ws: workspace?.id ?? null },
  );
  const email = given.trim().toLowerCase();
  if (!users.rows.some((u) => u.email === email)) {
    throw new ProspectorError(`--rep ${given}: not a user of ${workspace?.where ?? 'the workspace'}; use one of ${users.rows.map((u) => u.email).join(', ') || '(none onboarded)'}`);
  }
  return email;
}
