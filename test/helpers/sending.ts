/**
 * Rows for sending tests: mailboxes and approved sequences whose first email waits in the queue,
 * written through the `Sql` port so the same helpers run on PGlite and through the Data API.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { SmtpMailer } from '#adapters/smtp-mailer.ts';
import { jsonLog } from '#core/log.ts';
import { defaultPipelineConfig, type Deps, type MailDeps } from '#core/pipeline/deps.ts';
import type { Json, Lake, Mailer, Sql } from '#core/ports.ts';
import { MailSink } from '../../local/mail-sink.ts';
import { onboardedDb } from './db.ts';
import { decide, draftSequence, type DraftedSequence } from './outreach.ts';

/** A workspace of its own, so a test's queue and caps are not shared with another test's. */
export async function seedWorkspace(sql: Sql, repTimezone = 'America/Chicago'): Promise<string> {
  const id = randomUUID();
  await sql.query(`INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, 'Sending test')`, { id, slug: `ws-${id.slice(0, 8)}` });
  await sql.query(
    `INSERT INTO app_user (id, workspace_id, name, email, timezone) VALUES (:id::uuid, :ws::uuid, 'Maya Okafor', 'maya.okafor@tallyhand.com', :tz)`,
    { id: randomUUID(), ws: id, tz: repTimezone },
  );
  return id;
}

/** A mailbox not tied to a rep (tests choose its limits). */
export async function seedMailbox(
  sql: Sql,
  workspaceId: string,
  options: { address?: string; dailyCap?: number; domainCap?: number; spacing?: number; warmupStartedAt?: Date | null } = {},
): Promise<{ id: string; address: string }> {
  const id = randomUUID();
  const address = options.address ?? `sender-${id.slice(0, 8)}@tallyhand.com`;
  await sql.query(
    `INSERT INTO mailbox (id, workspace_id, address, provider, daily_cap, per_domain_daily_cap, min_spacing_seconds, warmup_started_at)
     VALUES (:id::uuid, :ws::uuid, :address, 'smtp', :cap, :domainCap, :spacing, :warmup::timestamptz)`,
    {
      id,
      ws: workspaceId,
      address,
      cap: options.dailyCap ?? 40,
      domainCap: options.domainCap ?? 3,
      spacing: options.spacing ?? 60,
      warmup: options.warmupStartedAt ?? null,
    },
  );
  return { id, address };
}

export interface ApprovedLead {
  leadId: string;
  email: string;
  researchId: string;
  seq: DraftedSequence;
}

/**
 * A researched lead at `domain` (the company is shared when it exists), with `findings` and
 * firmographic `facts` as research wrote them, and an approved sequence whose lead is assigned
 * `variant` (default `a`).
 */
export async function seedApprovedLead(
  sql: Sql,
  workspaceId: string,
  domain: string,
  options: { name?: string; fit?: number; findings?: { [key: string]: Json }; firmographic?: string[]; variant?: 'a' | 'b' } = {},
): Promise<ApprovedLead> {
  const name = options.name ?? 'Dana Ruiz';
  const runId = randomUUID();
  const leadId = randomUUID();
  const snapshotId = randomUUID();
  const researchId = randomUUID();
  const email = `${name.split(' ')[0].toLowerCase()}@${domain}`;
  await sql.query(
    `INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:runId::uuid, :ws::uuid, 'manual', 'offline-heuristic', 'fixture')`,
    { runId, ws: workspaceId },
  );
  const company = await sql.query<{ id: string }>(
    `INSERT INTO lead_company (id, workspace_id, domain, name, website) VALUES (:id::uuid, :ws::uuid, :domain, :name, :website)
     ON CONFLICT (workspace_id, domain) DO UPDATE SET name = lead_company.name RETURNING id`,
    { id: randomUUID(), ws: workspaceId, domain, name: domain.split('.')[0], website: `https://${domain}` },
  );
  const companyId = company.rows[0].id;
  await sql.query(
    `INSERT INTO lead (id, workspace_id, company_id, email, name, title) VALUES (:leadId::uuid, :ws::uuid, :companyId::uuid, :email, :name, 'VP Finance')`,
    { leadId, ws: workspaceId, companyId, email, name },
  );
  await sql.query(
    `INSERT INTO page_snapshot (id, company_id, run_id, url, outcome, content_sha256, raw_key)
     VALUES (:snapshotId::uuid, :companyId::uuid, :runId::uuid, :url, 'fetched', :hash, 'raw/x.html.gz')`,
    { snapshotId, companyId, runId, url: `https://${domain}/`, hash: 'a'.repeat(64) },
  );
  await sql.query(
    `INSERT INTO research (id, lead_id, run_id, idempotency_key, status, llm_provider, model, prompt_version, fit_score, summary, findings)
     VALUES (:researchId::uuid, :leadId::uuid, :runId::uuid, :key, 'researched', 'offline-heuristic', 'none', 'v1', :fit, 'summary', :findings::jsonb)`,
    { researchId, leadId, runId, key: `research-${researchId}`, fit: options.fit ?? 80, findings: options.findings ?? {} },
  );
  const facts = ['We opened two cross-dock sites', ...(options.firmographic ?? [])];
  for (const [i, quote] of facts.entries()) {
    await sql.query(
      `INSERT INTO fact (id, research_id, local_id, category, claim, quote, snapshot_id, source_url, verified)
       VALUES (:id::uuid, :researchId::uuid, :localId, :category, :quote, :quote, :snapshotId::uuid, :url, true)`,
      { id: randomUUID(), researchId, localId: `f${i + 1}`, category: i === 0 ? 'news' : 'firmographic', quote, snapshotId, url: `https://${domain}/` },
    );
  }
  const lead = { runId, leadId, email, researchId, verifiedFactId: '', unverifiedFactId: '' };
  const seq = await draftSequence(sql, workspaceId, lead);
  await decide(sql, seq.sequenceId, 'approved');
  await sql.query(`INSERT INTO variant_assignment (experiment_id, lead_id, variant) VALUES (:e::uuid, :l::uuid, :v)`, { e: seq.experimentId, l: leadId, v: options.variant ?? 'a' });
  return { leadId, email, researchId, seq };
}

/** Puts a message of `lead` in the queue directly, with the window occurrence given. */
export async function enqueue(
  sql: Sql,
  workspaceId: string,
  lead: ApprovedLead,
  mailboxId: string,
  options: { start: Date; end: Date; priority?: number; message?: 'a' | 'b'; zone?: string },
): Promise<string> {
  const messageId = lead.seq.messages[options.message ?? 'a'];
  await sql.query(
    `INSERT INTO scheduled_message (message_id, sequence_id, workspace_id, mailbox_id, scheduled_at, window_ends_at, time_zone, zone_source, priority)
     VALUES (:m::uuid, :s::uuid, :ws::uuid, :mb::uuid, :start::timestamptz, :end::timestamptz, :zone, 'workspace', :priority)`,
    {
      m: messageId,
      s: lead.seq.sequenceId,
      ws: workspaceId,
      mb: mailboxId,
      start: options.start,
      end: options.end,
      zone: options.zone ?? 'America/New_York',
      priority: options.priority ?? 50,
    },
  );
  return messageId;
}

/** The seller of a seeded workspace, with its postal address (null: a workspace onboarded before it was asked for). */
export async function seedSeller(sql: Sql, workspaceId: string, postalAddress: string | null = '548 Market St PMB 72015, San Francisco, CA 94104'): Promise<void> {
  await sql.query(
    `INSERT INTO seller_company (workspace_id, name, website, domain, description, postal_address)
     VALUES (:ws::uuid, 'Tallyhand', 'https://tallyhand.com', 'tallyhand.com', 'Accounts payable automation', :postal)`,
    { ws: workspaceId, postal: postalAddress },
  );
}

/** Records `lead`'s first email (variant `variant`) as sent, as the send step would. */
export async function recordFirstSent(sql: Sql, lead: ApprovedLead, variant: 'a' | 'b' = 'a', status: 'sent' | 'failed' = 'sent'): Promise<void> {
  await sql.query(
    `INSERT INTO send_attempt (id, message_id, idempotency_key, status, from_email, to_email, rfc_message_id, provider, error, finished_at)
     VALUES (:id::uuid, :m::uuid, :key, :status, 'maya.okafor@tallyhand.com', :to, :rfc, 'smtp', :error, now())`,
    {
      id: randomUUID(),
      m: lead.seq.messages[variant],
      key: `k-${randomUUID()}`,
      status,
      to: lead.email,
      rfc: `<${randomUUID()}@tallyhand.com>`,
      error: status === 'failed' ? '550 5.1.1 no such user' : null,
    },
  );
}

/** A labelled reply from `lead` on its sequence (the database's reply trigger acts on it). */
export async function recordReply(sql: Sql, workspaceId: string, lead: ApprovedLead, label: string, extra: { bounceKind?: 'hard' | 'soft' } = {}): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO reply (id, workspace_id, rfc_message_id, sequence_id, lead_id, from_email, received_at, raw_key, classification, classified_by, bounce_kind)
     VALUES (:id::uuid, :ws::uuid, :rfc, :seq::uuid, :lead::uuid, :from, now(), 'inbound/r.eml', :label, 'rules', :bounce)`,
    { id, ws: workspaceId, rfc: `<${randomUUID()}@reply.example>`, seq: lead.seq.sequenceId, lead: lead.leadId, from: lead.email, label, bounce: extra.bounceKind ?? null },
  );
  return id;
}

const unused = new Proxy({}, { get: () => { throw new Error('not used by sending'); } });

/** What the sending state machine's steps need: the database, the lake, a clock at `now`; the research ports throw if touched. */
export function sendingDeps(sql: Sql, lake: Lake, now: Date): Deps {
  return {
    sql,
    lake,
    llm: unused as Deps['llm'],
    leadSearch: unused as Deps['leadSearch'],
    web: unused as Deps['web'],
    log: jsonLog({ level: 'silent' }),
    clock: { now: () => now },
    newId: () => randomUUID(),
    config: defaultPipelineConfig,
  };
}

/** The unsubscribe settings sending tests sign links with. */
export const TEST_UNSUBSCRIBE = { baseUrl: 'https://go.tallyhand.example/unsubscribe', secret: Buffer.alloc(32, 7) };

/** What a sending suite works against: the onboarded database, a lake folder, the loopback SMTP sink and a mailer pointed at it. */
export interface SendingBench {
  db: PgliteSql;
  workspaceId: string;
  lake: FolderLake;
  sink: MailSink;
  mailer: SmtpMailer;
  /** mail settings for `sendOnce`, through `mailer` unless another is given */
  mail(mailer?: Mailer): MailDeps;
  close(): Promise<void>;
}

/** Opens a sending bench whose sink stamps mail at `now`; `close` stops the sink and removes the folder. */
export async function openSendingBench(prefix: string, now: Date): Promise<SendingBench> {
  const { db, workspaceId } = await onboardedDb();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const lake = new FolderLake(join(dir, 'lake'));
  const sink = await MailSink.start({ lake, clock: { now: () => now } });
  const mailer = new SmtpMailer({ url: sink.url });
  return {
    db,
    workspaceId,
    lake,
    sink,
    mailer,
    mail: (m: Mailer = mailer) => ({ mailer: m, unsubscribe: TEST_UNSUBSCRIBE }),
    async close() {
      await mailer.close();
      await sink.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
