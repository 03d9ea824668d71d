/**
 * A populated home for the web app's tests, built in seconds: the sample seller and a second
 * workspace (Rival Co) on one PGlite database, researched leads and drafted sequences written
 * through the same helpers the outreach tests use, messages re-checked by the real grounding
 * checker (so citations and verdicts are the checker's), stored page text in a folder lake, and
 * one quote that carries a `<script>` as a hostile page would.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import type { InboundMail } from '#core/replies/parse.ts';
import { editMessage } from '#core/outreach/repository.ts';
import { expect } from 'vitest';
import type { createWebApp } from '#web/app.ts';
import { createLoginLink } from '#web/sessions.ts';
import { onboardedDb, SAMPLE_ONBOARDING } from './db.ts';
import { draftSequence, seedResearchedLead, type DraftedSequence, type SeededLead } from './outreach.ts';

export const EVIL_QUOTE = `We opened two cross-dock sites <script>document.title='pwned'</script> & "more"`;
export const FAILURE_MESSAGE = 'https://evil-quotes.example/: no answer in 8000 ms <img src=x onerror=alert(1)>';
export const EVIL_REPLY_SUBJECT = `Re: cross-dock <script>document.title='pwned'</script>`;
export const EVIL_REPLY_EVIDENCE = `yes <img src=x onerror=alert(1)> let's talk & "soon"`;
export const OPTED_OUT = 'gone@optout.example';
export const STORED_TEXT = '# Northwind Freight\n\nWe opened two cross-dock sites this spring.\n';

export interface WebFixture {
  db: PgliteSql;
  lake: FolderLake;
  lakeDir: string;
  /** the sample seller */
  tallyhand: { workspaceId: string; userId: string; email: string };
  /** a second seller whose rows the first must never see */
  rival: { workspaceId: string; userId: string; email: string };
  leads: { northwind: SeededLead; evil: SeededLead; granite: SeededLead; rivalLead: SeededLead };
  /** stored replies: an interested answer on a thread (hostile subject), an opt-out from nobody's thread, one under review, the rival's */
  replies: { interested: string; optOut: string; review: string; rival: string };
  /** suggested responses in the approval queue (grounded drafts): to the interested reply, and the rival's */
  responses: { interested: string; rival: string };
  sequences: { northwind: DraftedSequence; evil: DraftedSequence; granite: DraftedSequence; rival: DraftedSequence };
  /** a fresh one-time login token for a user */
  loginToken(userId: string): Promise<string>;
  close(): Promise<void>;
}

async function userId(db: PgliteSql, workspaceId: string, email: string): Promise<string> {
  return (await db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :email`, { ws: workspaceId, email })).rows[0].id;
}

/** Points a lead's fetched page at stored clean text in the lake. */
async function storeCleanText(db: PgliteSql, lake: FolderLake, lead: SeededLead, domain: string): Promise<void> {
  const key = `clean/text/domain=${domain}/${'b'.repeat(64)}.md`;
  await lake.put(key, STORED_TEXT);
  await db.query(
    `UPDATE page_snapshot SET clean_key = :key WHERE id = (SELECT snapshot_id FROM fact WHERE research_id = :r::uuid AND local_id = 'f1')`,
    { key, r: lead.researchId },
  );
}

/** The seeded run as the pipeline leaves it: the lead researched, one more failed with a hostile message, one skipped. */
async function recordRun(db: PgliteSql, researched: SeededLead, [failed, skipped]: SeededLead[]): Promise<void> {
  const run = researched.runId;
  await db.query(
    `INSERT INTO run_lead (run_id, lead_id, is_new, status, research_id) VALUES (:run::uuid, :lead::uuid, true, 'researched', :r::uuid)`,
    { run, lead: researched.leadId, r: researched.researchId },
  );
  await db.query(`INSERT INTO run_lead (run_id, lead_id, is_new, status, reason) VALUES (:run::uuid, :lead::uuid, true, 'failed', :reason)`, {
    run, lead: failed.leadId, reason: FAILURE_MESSAGE,
  });
  await db.query(
    `INSERT INTO lead_failure (id, run_id, lead_id, stage, error_name, message) VALUES (gen_random_uuid(), :run::uuid, :lead::uuid, 'fetch', 'FetchTimeout', :message)`,
    { run, lead: failed.leadId, message: FAILURE_MESSAGE },
  );
  await db.query(`INSERT INTO run_lead (run_id, lead_id, is_new, status, reason) VALUES (:run::uuid, :lead::uuid, true, 'skipped', 'robots.txt disallows /')`, {
    run, lead: skipped.leadId,
  });
  await db.query(`UPDATE run SET status = 'succeeded', finished_at = started_at + interval '42 seconds' WHERE id = :run::uuid`, { run });
}

/**
 * A reply row as the replies machine leaves it (its trigger applies the effects: an opt-out is
 * suppressed); with `text`, the parsed mail its Parse step keeps in the lake (lakeKeys.replyMail).
 */
async function storeReply(db: PgliteSql, r: {
  workspaceId: string; from: string; subject: string; label: string; confidence: number; needsReview?: boolean;
  lead?: SeededLead; sequenceId?: string; match: string; action: string; evidence?: string; minutesAgo: number;
  mail?: { lake: FolderLake; text: string };
}): Promise<string> {
  const id = randomUUID();
  const sha = r.mail ? createHash('sha256').update(`${id}\n${r.mail.text}`).digest('hex') : null;
  if (r.mail) {
    const mail: InboundMail = {
      messageId: `<${id}@example.test>`, inReplyTo: null, references: [], from: { address: r.from, name: '' }, to: [], cc: [], replyTo: [],
      subject: r.subject, date: new Date().toISOString(), headers: {}, text: r.mail.text, textFromHtml: false, textTruncated: false,
      deliveryStatus: null, sizeBytes: Buffer.byteLength(r.mail.text), contentSha256: sha!,
    };
    await r.mail.lake.put(lakeKeys.replyMail(r.workspaceId, sha!), JSON.stringify(mail));
  }
  await db.query(
    `INSERT INTO reply (id, workspace_id, rfc_message_id, sequence_id, lead_id, from_email, subject, received_at, raw_key, content_sha256, classification,
                        classified_by, confidence, needs_review, thread_match, action, evidence)
     VALUES (:id::uuid, :ws::uuid, :mid, :seq::uuid, :lead::uuid, :from, :subject, now() - make_interval(mins => :ago::int), :raw, :sha, :label,
             'llm', :conf, :review, :match, :action, :evidence)`,
    { id, ws: r.workspaceId, mid: `<${id}@example.test>`, seq: r.sequenceId ?? null, lead: r.lead?.leadId ?? null, from: r.from, subject: r.subject,
      ago: r.minutesAgo, raw: `inbound/${id}.eml`, sha, label: r.label, conf: r.confidence, review: r.needsReview ?? false, match: r.match, action: r.action,
      evidence: r.evidence ?? null },
  );
  return id;
}

/** What the interested prospect wrote, above the quoted first touch the inbox leaves out. */
export const INTERESTED_REPLY_TEXT = 'Sounds useful <b>for us</b>. Could we talk next week about the cross-dock rollout?\n\nOn Mon, Maya Okafor wrote:\n> You opened two cross-dock sites.';

/** The words of the fixture's suggested responses (a plain answer the checker finds grounded). */
export const RESPONSE_BODY = 'Hi,\n\nThanks for getting back to me. Would Tuesday or Wednesday suit you for a short call?\n\nMaya';

/** A suggested response as the respond step leaves it: a checked draft in the approval queue. */
export async function storeResponse(db: PgliteSql, r: { workspaceId: string; replyId: string; lead: SeededLead; to: string; rep: string; subject: string }): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO reply_response (id, workspace_id, reply_id, lead_id, to_email, rep_email, subject, body, source, prompt_version, grounding, checker_version, checked_at)
     VALUES (:id::uuid, :ws::uuid, :reply::uuid, :lead::uuid, :to, :rep, :subject, :body, 'template', 'respond-template.v1', 'grounded', 'fixture', now())`,
    { id, ws: r.workspaceId, reply: r.replyId, lead: r.lead.leadId, to: r.to, rep: r.rep, subject: r.subject, body: RESPONSE_BODY },
  );
  return id;
}

/** Builds the fixture (about a second on a fresh worker after the template exists). */
export async function webFixture(): Promise<WebFixture> {
  const { db, workspaceId } = await onboardedDb();
  const lakeDir = await mkdtemp(join(tmpdir(), 'prospector-web-lake-'));
  const lake = new FolderLake(lakeDir);
  const sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
  const rivalDoc = structuredClone(sample);
  rivalDoc.workspace = { slug: 'rival-co', name: 'Rival Co' };
  rivalDoc.users = rivalDoc.users.map((u) => ({ ...u, email: u.email.replace('@tallyhand.com', '@rival.example') }));
  const rival = await importOnboarding(db, rivalDoc);

  const northwind = await seedResearchedLead(db, workspaceId, 'northwind-freight.example', 'Dana Ruiz');
  const evil = await seedResearchedLead(db, workspaceId, 'evil-quotes.example', 'Eve Mallory');
  const granite = await seedResearchedLead(db, workspaceId, 'granite-state.example', 'Gus Hale');
  const rivalLead = await seedResearchedLead(db, rival.workspaceId, 'rival-target.example', 'Rita Secret');
  await db.query(`UPDATE fact SET quote = :q WHERE research_id = :r::uuid AND local_id = 'f1'`, { q: EVIL_QUOTE, r: evil.researchId });
  for (const [lead, domain] of [[northwind, 'northwind-freight.example'], [evil, 'evil-quotes.example']] as const) await storeCleanText(db, lake, lead, domain);

  await recordRun(db, northwind, [evil, granite]);

  const sequences = {
    northwind: await draftSequence(db, workspaceId, northwind),
    evil: await draftSequence(db, workspaceId, evil),
    granite: await draftSequence(db, workspaceId, granite),
    rival: await draftSequence(db, rival.workspaceId, rivalLead),
  };
  await db.query(`UPDATE sequence SET rep_email = 'maya.okafor@rival.example' WHERE id = :id::uuid`, { id: sequences.rival.sequenceId });
  // The first touch cites the fact, as drafting writes it; the checker reads it and stores the citation.
  for (const s of [sequences.northwind, sequences.evil]) {
    await editMessage(db, s.messages.a, { body: 'You opened two cross-dock sites. [f1] Worth a 15-minute look next week?' });
  }

  const interested = await storeReply(db, {
    workspaceId, from: 'dana@northwind-freight.example', subject: EVIL_REPLY_SUBJECT, label: 'interested', confidence: 0.92, lead: northwind,
    sequenceId: sequences.northwind.sequenceId, match: 'in_reply_to', action: 'stopped the sequence; opened a task for the rep', evidence: EVIL_REPLY_EVIDENCE, minutesAgo: 5,
    mail: { lake, text: INTERESTED_REPLY_TEXT },
  });
  await db.query(
    `INSERT INTO rep_task (id, workspace_id, lead_id, reply_id, kind, title, due_on) VALUES (gen_random_uuid(), :ws::uuid, :lead::uuid, :reply::uuid, 'interested', :title, '2026-12-03')`,
    { ws: workspaceId, lead: northwind.leadId, reply: interested, title: 'Book a call with Dana Ruiz' },
  );
  const optOut = await storeReply(db, { workspaceId, from: OPTED_OUT, subject: 'stop', label: 'unsubscribe', confidence: 1, match: 'unmatched', action: 'suppressed the address', minutesAgo: 30 });
  const review = await storeReply(db, {
    workspaceId, from: 'gus@granite-state.example', subject: 'hmm', label: 'not_interested', confidence: 0.55, needsReview: true, lead: granite, match: 'address',
    action: 'none until a rep confirms the label', minutesAgo: 60,
  });
  const rivalReply = await storeReply(db, {
    workspaceId: rival.workspaceId, from: 'rita@rival-target.example', subject: 'Rival secret reply', label: 'interested', confidence: 0.9, lead: rivalLead, match: 'address',
    action: 'opened a task', minutesAgo: 10, mail: { lake, text: 'Our secret plans for next quarter.' },
  });
  await db.query(`INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (gen_random_uuid(), :ws::uuid, 'email', 'secret@rival-only.example', 'rival customer', 'onboarding')`, { ws: rival.workspaceId });

  const responses = {
    interested: await storeResponse(db, { workspaceId, replyId: interested, lead: northwind, to: 'dana@northwind-freight.example', rep: 'maya.okafor@tallyhand.com', subject: 'Re: your note' }),
    rival: await storeResponse(db, { workspaceId: rival.workspaceId, replyId: rivalReply, lead: rivalLead, to: 'rita@rival-target.example', rep: 'maya.okafor@rival.example', subject: 'Re: Rival secret reply' }),
  };

  const tallyhandUser = await userId(db, workspaceId, 'maya.okafor@tallyhand.com');
  const rivalUser = await userId(db, rival.workspaceId, 'maya.okafor@rival.example');
  return {
    db,
    lake,
    lakeDir,
    tallyhand: { workspaceId, userId: tallyhandUser, email: 'maya.okafor@tallyhand.com' },
    rival: { workspaceId: rival.workspaceId, userId: rivalUser, email: 'maya.okafor@rival.example' },
    leads: { northwind, evil, granite, rivalLead },
    replies: { interested, optOut, review, rival: rivalReply },
    responses,
    sequences,
    loginToken: async (user) => (await createLoginLink(db, user)).token,
    close: async () => {
      await db.close();
      await rm(lakeDir, { recursive: true, force: true });
    },
  };
}

type WebApp = ReturnType<typeof createWebApp>;

/** A signed-in user of the app, with GET and form POST (carrying the CSRF token unless told not to). */
export interface Signed {
  cookie: string;
  csrf: string;
  get(path: string): Promise<Response>;
  post(path: string, form: Record<string, string>, withCsrf?: boolean): Promise<Response>;
}

/** Signs a user in through a fresh one-time link and reads the CSRF token from a page. */
export async function signInAs(f: WebFixture, target: { request: WebApp['request'] }, userId: string): Promise<Signed> {
  const res = await target.request(`/login?token=${await f.loginToken(userId)}`);
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  const page = await (await target.request('/review', { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];
  return {
    cookie,
    csrf,
    get: async (path) => target.request(path, { headers: { cookie } }),
    post: async (path, form, withCsrf = true) =>
      target.request(path, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, ...(withCsrf ? { _csrf: csrf } : {}) }).toString(),
      }),
  };
}

/**
 * The sample onboarding as a rep would upload it: each knowledge document's text inline, since an
 * upload may not name files on the server (`knowledge[i].path` is refused).
 */
export async function uploadableSample(): Promise<string> {
  const text = await readFile(SAMPLE_ONBOARDING, 'utf8');
  let out = text;
  for (const m of text.matchAll(/^( +)path: (knowledge\/[\w.-]+)$/gm)) {
    const body = (await readFile(join(dirname(SAMPLE_ONBOARDING), m[2]), 'utf8')).trim().split('\n').map((l) => `${m[1]}  ${l}`.trimEnd()).join('\n');
    out = out.replace(m[0], `${m[1]}format: markdown\n${m[1]}text: |\n${body}`);
  }
  return out;
}

/**
 * A draft for a rep who has since left (`rep`, not a user), each email signed "Best,\n<signature>"
 * as drafting signs: what a hand-over re-signs. Returns the sequence.
 */
export async function departedRepDraft(f: WebFixture, rep: string, signature: string, domain: string, name: string): Promise<DraftedSequence> {
  const lead = await seedResearchedLead(f.db, f.tallyhand.workspaceId, domain, name);
  const seq = await draftSequence(f.db, f.tallyhand.workspaceId, lead);
  await f.db.query(`UPDATE sequence SET rep_email = :rep, tone = jsonb_set(tone, '{signature}', to_jsonb(:sig::text)) WHERE id = :id::uuid`, { rep, sig: signature, id: seq.sequenceId });
  await f.db.query(
    `UPDATE message SET body = body || :tail, checked_at = now() + interval '1 second' WHERE id IN (:a::uuid, :b::uuid, :f::uuid)`,
    { tail: `\n\nBest,\n${signature}`, a: seq.messages.a, b: seq.messages.b, f: seq.messages.followUp },
  );
  return seq;
}
