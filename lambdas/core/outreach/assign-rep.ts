/**
 * Which rep a lead's sequence goes to: the mailbox it is sent from, the signature it carries and
 * the inbox its replies land in. A team shares the leads; one rep taking every draft would send
 * all of a workspace's email from one mailbox's daily cap.
 *
 * 1. **The company's rep.** A company already in a sequence (the newest one there that a rep did
 *    not reject) stays with that rep while they are a user of the workspace, whatever the ICP: a
 *    prospect who hears from two reps of one seller about one product stops trusting both, and a
 *    referral ("talk to my colleague") goes on with the rep who was told.
 * 2. **Else the ICP's reps, by load.** Among the ICP's `reps` (every user whose role is rep when
 *    it names none, every user when no one is a rep), the one with the fewest open sequences
 *    (draft, approved, active, paused), ties to the one listed first.
 *
 * No statement of its own: drafting reads `REP_ROWS_SQL` with the lead's open sequence. Leads
 * drafted at the same moment read the same counts, so a parallel run balances to within the
 * leads in flight, not exactly; nothing depends on it more.
 */
import type { Onboarding, OnboardingIcp } from '../onboarding/schema.ts';
import { textArray } from '../db/sql-text.ts';

export interface RepAssignment {
  email: string;
  /** Why this rep, in words for the drafting step's output and its log. */
  why: string;
}

/** The workspace's users as choosing a rep reads them. */
type Users = { users: readonly Pick<Onboarding['users'][number], 'email' | 'role'>[] };

/** The users an ICP's leads may go to, in the order ties are broken. */
export function repCandidates(onboarding: Users, icp: Pick<OnboardingIcp, 'reps'>): string[] {
  const users = onboarding.users.map((u) => u.email.toLowerCase());
  if (icp.reps.length > 0) {
    // the import checks each is a user; one removed since (a re-import) is passed over
    const listed = icp.reps.map((r) => r.toLowerCase()).filter((r) => users.includes(r));
    if (listed.length > 0) return listed;
  }
  const reps = onboarding.users.filter((u) => u.role === 'rep').map((u) => u.email.toLowerCase());
  return reps.length > 0 ? reps : users;
}

/**
 * The rows `chooseRep` reads, as one SELECT of `kind, rep_email, open`: the company's rep
 * (`owner`) and each candidate's open sequences (`load`). Its parameters are `:lead`, `:ws` and
 * those of `repParameters`; drafting runs it inside the statement that looks for the lead's open
 * sequence, so choosing a rep costs no Data API call of its own.
 */
export const REP_ROWS_SQL = `SELECT 'owner' AS kind, o.rep_email, 0 AS open
       FROM (SELECT s.rep_email
               FROM lead me JOIN lead l ON l.company_id = me.company_id AND l.workspace_id = me.workspace_id
               JOIN sequence s ON s.lead_id = l.id
              WHERE me.id = :lead::uuid AND s.status <> 'rejected' AND s.rep_email = ANY(${textArray('repUsers')})
              ORDER BY s.created_at DESC, s.id LIMIT 1) o
     UNION ALL
     SELECT 'load', s.rep_email, count(*)::int
       FROM sequence s
      WHERE s.workspace_id = :ws::uuid AND s.status IN ('draft', 'approved', 'active', 'paused') AND s.rep_email = ANY(${textArray('repCandidates')})
      GROUP BY s.rep_email`;

/** The parameters of `REP_ROWS_SQL` beside `:lead` and `:ws`. */
export function repParameters(onboarding: Users, icp: Pick<OnboardingIcp, 'reps'>): { repUsers: string[]; repCandidates: string[] } {
  return { repUsers: onboarding.users.map((u) => u.email.toLowerCase()), repCandidates: repCandidates(onboarding, icp) };
}

/**
 * SQL: whether the row aliased `row` (a sequence or a suggested response: `workspace_id`,
 * `rep_email`) still has its rep among the workspace's users. A rep removed by a re-import keeps
 * their drafts until they are handed over (lambdas/core/outreach/hand-over.ts); approval refuses them.
 */
export const repIsUserSql = (row: string) =>
  `EXISTS (SELECT 1 FROM app_user u WHERE u.workspace_id = ${row}.workspace_id AND u.email = ${row}.rep_email)`;

/** The rep, from `REP_ROWS_SQL`'s rows (see the module comment). */
export function chooseRep(rows: readonly { kind: string; rep_email: string | null; open: number | string | null }[], candidates: readonly string[]): RepAssignment {
  const owner = rows.find((x) => x.kind === 'owner' && x.rep_email);
  if (owner) return { email: owner.rep_email!, why: `${owner.rep_email} already has this company` };
  const open = new Map(rows.filter((x) => x.kind === 'load' && x.rep_email).map((x) => [x.rep_email!, Number(x.open)]));
  let best = candidates[0];
  for (const c of candidates) if ((open.get(c) ?? 0) < (open.get(best) ?? 0)) best = c;
  if (candidates.length === 1) return { email: best, why: `${best} is the only rep for this ICP` };
  return { email: best, why: `${best} has the fewest open sequences of ${candidates.length} reps (${open.get(best) ?? 0})` };
}
