/**
 * Sending settings a seller gives at onboarding: each rep's mailbox (address, provider, caps,
 * spacing, warm-up) and the send windows (the workspace's, and an ICP's own). Validated with zod
 * against the database's rules (sql/0008_sending.sql) so a bad value is an error at its field,
 * never a constraint violation, and saved in one transaction.
 *
 * A mailbox left off is switched off (`active = false`), never deleted: queued and sent mail
 * reference it. Windows are replaced: they are settings, and nothing references them.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../ports.ts';
import { formatPath, isEmail, type OnboardingIssue } from '../onboarding/schema.ts';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const whole = (min: number, max: number, what = '') =>
  z.number({ message: 'must be a whole number' }).int('must be a whole number').min(min, `must be between ${min} and ${max}${what}`).max(max, `must be between ${min} and ${max}${what}`);

const mailboxSchema = z
  .strictObject({
    repEmail: z.string().trim().toLowerCase().min(1, 'choose the rep who sends from it'),
    address: z.string().trim().toLowerCase().refine(isEmail, 'must be an email address such as maya@example.com'),
    provider: z.enum(['smtp', 'ses'], { message: 'must be smtp or ses' }),
    dailyCap: whole(1, 500),
    perDomainDailyCap: whole(1, 500),
    minSpacingSeconds: whole(30, 3600, ' seconds'),
    warmUp: z.boolean(),
  })
  .superRefine((m, ctx) => {
    if (m.perDomainDailyCap > m.dailyCap) ctx.addIssue({ code: 'custom', path: ['perDomainDailyCap'], message: `must not be above the daily cap (${m.dailyCap})` });
  });

const windowSchema = z
  .strictObject({
    /** null: the workspace's window; else the ICP's slug */
    icp: z.string().nullable(),
    days: z.array(z.number().int().min(1).max(7)).min(1, 'choose at least one day'),
    start: z.string().regex(HHMM, 'must be a time of day such as 08:00'),
    end: z.string().regex(HHMM, 'must be a time of day such as 11:00'),
  })
  .superRefine((w, ctx) => {
    if (HHMM.test(w.start) && HHMM.test(w.end) && minutes(w.end) <= minutes(w.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after the start (${w.start})` });
  });

export const sendingSettingsSchema = z.strictObject({
  mailboxes: z.array(mailboxSchema).max(50, 'must have at most 50 mailboxes'),
  windows: z.array(windowSchema),
});
export type SendingSettings = z.output<typeof sendingSettingsSchema>;

/** Checks the settings against the schema and the workspace (its reps and ICPs); every issue at once. */
export function checkSendingSettings(input: unknown, workspace: { reps: string[]; icps: string[] }): { success: true; data: SendingSettings } | { success: false; issues: OnboardingIssue[] } {
  const issues: OnboardingIssue[] = [];
  const at = (segments: (string | number)[], message: string) => issues.push({ path: formatPath(segments), segments, message });
  const parsed = sendingSettingsSchema.safeParse(input);
  if (!parsed.success) for (const i of parsed.error.issues) at(i.path.map((p) => (typeof p === 'number' ? p : String(p))), i.message);
  const data = parsed.success ? parsed.data : null;
  // Across rows, on the input as given (so they are reported together with the rows' own problems).
  const raw = (input ?? {}) as { mailboxes?: unknown; windows?: unknown };
  const rows = (v: unknown) => (Array.isArray(v) ? v : []).map((x) => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {}));
  const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : '');
  const reps = new Map<string, number>();
  const addresses = new Map<string, number>();
  rows(raw.mailboxes).forEach((m, i) => {
    const rep = lower(m.repEmail);
    const address = lower(m.address);
    if (rep && !workspace.reps.includes(rep)) at(['mailboxes', i, 'repEmail'], `"${rep}" is not a user of this workspace`);
    else if (rep && reps.has(rep)) at(['mailboxes', i, 'repEmail'], `${rep} already sends from mailbox ${reps.get(rep)! + 1}: one active mailbox a rep`);
    else if (rep) reps.set(rep, i);
    if (address && addresses.has(address)) at(['mailboxes', i, 'address'], `duplicates mailbox ${addresses.get(address)! + 1}`);
    else if (address) addresses.set(address, i);
  });
  const icps = new Set<unknown>();
  rows(raw.windows).forEach((w, i) => {
    if (typeof w.icp === 'string' && !workspace.icps.includes(w.icp)) at(['windows', i, 'icp'], `"${w.icp}" is not an ICP of this workspace`);
    if (icps.has(w.icp ?? null)) at(['windows', i, 'icp'], 'has a window already');
    icps.add(w.icp ?? null);
  });
  return issues.length || !data ? { success: false, issues } : { success: true, data };
}

/** The stored settings: active mailboxes (by address) and windows (the workspace's first). */
export async function loadSendingSettings(sql: Sql, workspaceId: string): Promise<SendingSettings> {
  const mailboxes = await sql.query<{ rep_email: string | null; address: string; provider: 'smtp' | 'ses'; daily_cap: number; per_domain_daily_cap: number; min_spacing_seconds: number; warm: boolean }>(
    `SELECT u.email AS rep_email, mb.address, mb.provider, mb.daily_cap, mb.per_domain_daily_cap, mb.min_spacing_seconds, mb.warmup_started_at IS NOT NULL AS warm
       FROM mailbox mb LEFT JOIN app_user u ON u.id = mb.rep_id
      WHERE mb.workspace_id = :ws::uuid AND mb.active ORDER BY mb.address`,
    { ws: workspaceId },
  );
  const windows = await sql.query<{ slug: string | null; days: string; start_local: string; end_local: string }>(
    `SELECT i.slug, w.days, to_char(w.start_local, 'HH24:MI') AS start_local, to_char(w.end_local, 'HH24:MI') AS end_local
       FROM send_window w LEFT JOIN icp i ON i.id = w.icp_id
      WHERE w.workspace_id = :ws::uuid ORDER BY w.icp_id IS NOT NULL, i.slug`,
    { ws: workspaceId },
  );
  return {
    mailboxes: mailboxes.rows.map((m) => ({
      repEmail: m.rep_email ?? '',
      address: m.address,
      provider: m.provider,
      dailyCap: m.daily_cap,
      perDomainDailyCap: m.per_domain_daily_cap,
      minSpacingSeconds: m.min_spacing_seconds,
      warmUp: m.warm,
    })),
    windows: windows.rows.map((w) => ({ icp: w.slug, days: [...w.days].map(Number), start: w.start_local, end: w.end_local })),
  };
}

/** Saves checked settings in one transaction: mailboxes upserted by address (others switched off), windows replaced. */
export async function saveSendingSettings(sql: Sql, workspaceId: string, settings: SendingSettings, now: Date): Promise<void> {
  await sql.transaction(async (tx) => {
    const ws = { ws: workspaceId };
    // Off first: a rep's mailbox may move to another address (one active mailbox a rep).
    await tx.query(`UPDATE mailbox SET active = false WHERE workspace_id = :ws::uuid`, ws);
    for (const m of settings.mailboxes) {
      await tx.query(
        `INSERT INTO mailbox (id, workspace_id, rep_id, address, provider, daily_cap, per_domain_daily_cap, min_spacing_seconds, warmup_started_at, active)
         VALUES (:id::uuid, :ws::uuid, (SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :rep), :address, :provider,
                 :cap, :domainCap, :spacing, CASE WHEN :warm::boolean THEN :now::timestamptz END, true)
         ON CONFLICT (workspace_id, address) DO UPDATE SET
           rep_id = EXCLUDED.rep_id, provider = EXCLUDED.provider, daily_cap = EXCLUDED.daily_cap,
           per_domain_daily_cap = EXCLUDED.per_domain_daily_cap, min_spacing_seconds = EXCLUDED.min_spacing_seconds, active = true,
           -- a mailbox warming up keeps its start; switching warm-up on starts it now, off ends it
           warmup_started_at = CASE WHEN :warm::boolean THEN coalesce(mailbox.warmup_started_at, EXCLUDED.warmup_started_at) END`,
        {
          ...ws,
          id: randomUUID(),
          rep: m.repEmail,
          address: m.address,
          provider: m.provider,
          cap: m.dailyCap,
          domainCap: m.perDomainDailyCap,
          spacing: m.minSpacingSeconds,
          warm: m.warmUp,
          now: now.toISOString(),
        },
      );
    }
    await tx.query(`DELETE FROM send_window WHERE workspace_id = :ws::uuid`, ws);
    for (const w of settings.windows) {
      await tx.query(
        `INSERT INTO send_window (id, workspace_id, icp_id, days, start_local, end_local)
         VALUES (:id::uuid, :ws::uuid, (SELECT id FROM icp WHERE workspace_id = :ws::uuid AND slug = :icp), :days, :start::time, :end::time)`,
        { ...ws, id: randomUUID(), icp: w.icp, days: [...new Set(w.days)].sort().join(''), start: w.start, end: w.end },
      );
    }
  });
}
