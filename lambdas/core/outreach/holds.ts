/**
 * Drafts waiting for review whose leads may not be written to now: an opt-out, a bounce or an
 * exclusion (a customer, a competitor, a company cooling off) that arrived after drafting.
 * Approving one is refused with the same reason (`contactHold`); the review queue and
 * `prospector drafts list` show it beforehand, so a rep rejects it instead.
 */
import { exclusionReason, loadExclusions } from '../pipeline/search-leads.ts';
import type { Sql } from '../ports.ts';
import { listSequences, rejectSequence } from './repository.ts';

/** Why each draft's lead may not be written to now, by sequence id; drafts only, each workspace's exclusions read once. */
export async function draftHolds(
  sql: Sql,
  sequences: readonly { id: string; status: string; workspace: string; lead: { email: string; domain: string } }[],
  now: Date,
): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  const drafts = sequences.filter((s) => s.status === 'draft');
  if (drafts.length === 0) return held;
  const slugs = [...new Set(drafts.map((d) => d.workspace))];
  const workspaces = await sql.query<{ id: string; slug: string }>(`SELECT id, slug FROM workspace WHERE slug IN (SELECT jsonb_array_elements_text(:slugs::jsonb))`, {
    slugs: JSON.stringify(slugs),
  });
  for (const w of workspaces.rows) {
    const mine = drafts.filter((d) => d.workspace === w.slug);
    const exclusions = await loadExclusions(sql, w.id, now, mine.map((d) => d.lead));
    for (const d of mine) {
      const reason = exclusionReason(exclusions, d.lead.email, d.lead.domain);
      if (reason) held.set(d.id, reason);
    }
  }
  return held;
}

/**
 * Rejects every draft of the workspace whose lead may not be written to now, each with
 * "not to be contacted now: <reason>", decided by `by` (default: each sequence's rep).
 */
export async function rejectHeldDrafts(
  sql: Sql,
  workspaceId: string,
  options: { by?: string; now?: Date; /** only the drafts this rep sends */ repEmail?: string | null } = {},
): Promise<{ sequenceId: string; decidedBy: string; reason: string }[]> {
  const drafts = await listSequences(sql, { workspaceId, status: 'draft', repEmail: options.repEmail ?? null });
  const rejected = [];
  for (const [sequenceId, reason] of await draftHolds(sql, drafts, options.now ?? new Date())) {
    rejected.push(await rejectSequence(sql, sequenceId, { by: options.by, reason: `not to be contacted now: ${reason}` }));
  }
  return rejected;
}
