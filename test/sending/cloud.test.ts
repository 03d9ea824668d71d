/**
 * Sending as the cloud composes it: the Lambda composition root's SendMessage (SES v2 with the
 * configuration set and message tags, the one-click link under UNSUBSCRIBE_BASE_URL, signed with
 * the key from Secrets Manager), the SES bounce and complaint handler fed events in SES's
 * EventBridge shape, and the unsubscribe function URL handler, all over DataApiSql and the real
 * RDSDataClient against the loopback Data API (PGlite behind it) and the loopback SES v2.
 * Secrets Manager is mocked (aws-sdk-client-mock): it cannot run here.
 */
import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataApiSql } from '#adapters/data-api-sql.ts';
import { ValidationError } from '#core/errors.ts';
import { jsonLog } from '#core/log.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { defaultPipelineConfig, type Deps } from '#core/pipeline/deps.ts';
import { claimDueStep } from '#core/sending/batch.ts';
import { makeHandler as sendMessageHandler } from '#handlers/send-message.ts';
import { makeHandler as sesEventsHandler } from '#handlers/ses-events.ts';
import { makeHandler as unsubscribeHandler } from '#handlers/unsubscribe.ts';
import { buildCloudDeps, buildEdgeDeps } from '../../lambdas/cloud/composition.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { FakeSes } from '#test/fakes/fake-ses.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { DATA_API_TARGET, dataApiSqlOn } from '#test/helpers/data-api-runtime.ts';
import { enqueue, seedApprovedLead, seedMailbox, type ApprovedLead } from '#test/helpers/sending.ts';

// Tuesday 8 December 2026, 09:00 in New York, inside the default window.
const NOW = new Date('2026-12-08T14:00:00Z');
const WINDOW = { start: new Date('2026-12-08T13:00:00Z'), end: new Date('2026-12-08T16:00:00Z') };
const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-unsubscribe-AbCdEf';
const KEY = 'k3yFromSecretsManagerGeneratedString0123456789abcdefghijklmnopqrstuv';
const BASE_URL = 'https://abc123.lambda-url.us-east-1.on.aws/unsubscribe';
const ENV = {
  DB_CLUSTER_ARN: DATA_API_TARGET.resourceArn,
  DB_SECRET_ARN: DATA_API_TARGET.secretArn,
  DB_NAME: DATA_API_TARGET.database,
  SES_CONFIGURATION_SET: 'prospector-sending',
  UNSUBSCRIBE_SECRET_ARN: KEY_ARN,
  UNSUBSCRIBE_BASE_URL: BASE_URL,
};

const sm = mockClient(SecretsManagerClient);
let fake: FakeDataApi;
let ses: FakeSes;
let sql: DataApiSql;
let ws: string;

beforeAll(async () => {
  fake = await FakeDataApi.start({ schema: 'migrated' });
  ses = new FakeSes();
  await ses.start();
  sql = dataApiSqlOn(fake);
  ({ workspaceId: ws } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING)));
}, 180_000);
afterAll(async () => {
  await sql?.close();
  await ses?.close();
  await fake?.close();
});
beforeEach(() => {
  sm.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: KEY });
});
afterEach(() => sm.reset());

const quietLogger = () => new Logger({ serviceName: 'prospector', logLevel: 'SILENT' });
const cloudOptions = () => ({
  env: ENV,
  secrets: new SecretsManagerClient({ region: 'us-east-1' }),
  rdsData: fake.client(),
  ses: ses.client(),
  logger: quietLogger(),
  metrics: new Metrics({ namespace: 'Prospector', serviceName: 'prospector' }),
});

/** ClaimDue as a local run at NOW (the test's clock is pinned; the cloud's never is). */
function localDeps(): Deps {
  const unused = new Proxy({}, { get: () => { throw new Error('not used by sending'); } });
  return {
    sql,
    lake: unused as Deps['lake'],
    llm: unused as Deps['llm'],
    leadSearch: unused as Deps['leadSearch'],
    web: unused as Deps['web'],
    log: jsonLog({ level: 'silent' }),
    clock: { now: () => NOW, simulatedFrom: NOW },
    newId: randomUUID,
    config: defaultPipelineConfig,
  };
}

/** A lead whose first email the cloud's SendMessage handed to SES; returns SES's MessageId. */
async function sentThroughSes(name: string): Promise<{ lead: ApprovedLead; sesMessageId: string; raw: Buffer }> {
  const mb = await seedMailbox(sql, ws);
  const lead = await seedApprovedLead(sql, ws, `${name}-${randomUUID().slice(0, 8)}.example`, { name: `${name[0].toUpperCase()}${name.slice(1)} Ruiz` });
  await enqueue(sql, ws, lead, mb.id, WINDOW);
  const claim = await claimDueStep(localDeps(), { batch: { workspaceId: ws, limit: 25 }, claimer: `exec-${name}` });
  const message = claim.messages.find((m) => m.toEmail === lead.email)!;
  const send = sendMessageHandler(await buildCloudDeps('SendMessage', cloudOptions()));
  const outcome = (await send({ message, claimer: claim.claimer })) as { outcome: string };
  expect(outcome.outcome).toBe('sent');
  const request = ses.requests.find((r) => r.to.includes(lead.email))!;
  const attempt = await sql.query<{ provider_message_id: string }>(
    `SELECT provider_message_id FROM send_attempt WHERE message_id = :m::uuid AND provider = 'ses'`,
    { m: lead.seq.messages.a },
  );
  return { lead, sesMessageId: attempt.rows[0].provider_message_id, raw: request.raw };
}

/**
 * An SES event as EventBridge delivers it: the envelope of "Monitoring Amazon SES events using
 * Amazon EventBridge" with the event record of "Examples of event data that Amazon SES publishes"
 * as `detail` (docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html,
 * docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html).
 */
function sesEvent(kind: 'Bounce' | 'Complaint', sesMessageId: string, recipient: string, options: { bounceType?: string; tags?: Record<string, string[]> } = {}) {
  const mail = {
    timestamp: '2026-12-08T14:00:02.012Z',
    source: 'maya.okafor@tallyhand.com',
    sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/tallyhand.com',
    sendingAccountId: '123456789012',
    messageId: sesMessageId,
    destination: [recipient],
    headersTruncated: false,
    tags: { 'ses:configuration-set': ['prospector-sending'], 'ses:source-ip': ['192.0.2.0'], 'ses:from-domain': ['tallyhand.com'], ...options.tags },
  };
  const detail =
    kind === 'Bounce'
      ? {
          eventType: 'Bounce',
          bounce: {
            bounceType: options.bounceType ?? 'Permanent',
            bounceSubType: options.bounceType === 'Transient' ? 'MailboxFull' : 'General',
            bouncedRecipients: [{ emailAddress: recipient, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
            timestamp: '2026-12-08T14:00:03.669Z',
            feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
            reportingMTA: 'dsn; mta.example.com',
          },
          mail,
        }
      : {
          eventType: 'Complaint',
          complaint: {
            feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
            complaintSubType: null,
            complainedRecipients: [{ emailAddress: recipient }],
            timestamp: '2026-12-08T14:10:03.000Z',
            userAgent: 'Mozilla/5.0',
            complaintFeedbackType: 'abuse',
            arrivalDate: '2026-12-08T14:10:02.000Z',
          },
          mail,
        };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': kind === 'Bounce' ? 'Email Bounced' : 'Email Complaint Received',
    source: 'aws.ses',
    account: '123456789012',
    time: '2026-12-08T14:00:04Z',
    region: 'us-east-1',
    resources: ['arn:aws:ses:us-east-1:123456789012:configuration-set/prospector-sending'],
    detail,
  };
}

/** The List-Unsubscribe header of a sent message, unfolded. */
function unfolded(parsed: Awaited<ReturnType<typeof simpleParser>>): string {
  return parsed.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r?\n\s+/g, '');
}
/** The https one-click link of a sent message. */
async function oneClickLink(raw: Buffer): Promise<string> {
  return /<(https:\/\/[^>]+)>/.exec(unfolded(await simpleParser(raw)))![1];
}

const suppressions = async (address: string) =>
  (await sql.query<{ source: string; reason: string }>(`SELECT source, reason FROM suppression WHERE workspace_id = :ws::uuid AND value = :a`, { ws, a: address })).rows;
const sequence = async (id: string) =>
  (await sql.query<{ status: string; status_reason: string | null }>('SELECT status, status_reason FROM sequence WHERE id = :id::uuid', { id })).rows[0];
const queued = async (sequenceId: string) =>
  (await sql.query<{ status: string }>('SELECT status FROM scheduled_message WHERE sequence_id = :s::uuid ORDER BY scheduled_at', { s: sequenceId })).rows.map((r) => r.status);

describe('SendMessage as the cloud composes it', () => {
  it('sends through SES v2 with the configuration set and message tags, and a one-click link under the function URL signed with the Secrets Manager key', async () => {
    const { lead, sesMessageId, raw } = await sentThroughSes('sesdana');

    const request = ses.requests.find((r) => r.to.includes(lead.email))!;
    expect(request.configurationSetName).toBe('prospector-sending');
    expect(Object.fromEntries(request.tags.map((t) => [t.Name, t.Value]))).toEqual({ workspace: ws, sequence: lead.seq.sequenceId, message: lead.seq.messages.a });
    expect(sesMessageId).toMatch(/^0100018f-fake-\d+-000000$/);
    const parsed = await simpleParser(raw);
    expect(unfolded(parsed)).toContain(`<${BASE_URL}/v1.`);
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toMatch(/List-Unsubscribe=One-Click/);
  });

  it('refuses a partial mail configuration at cold start, naming each missing variable; with none, the send step refuses to send', async () => {
    const { UNSUBSCRIBE_BASE_URL: _, SES_CONFIGURATION_SET: __, ...partial } = ENV;
    const error = await buildCloudDeps('SendMessage', { ...cloudOptions(), env: partial }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['SES_CONFIGURATION_SET', 'UNSUBSCRIBE_BASE_URL']);

    const { UNSUBSCRIBE_SECRET_ARN: ___, ...none } = partial;
    const off = await buildCloudDeps('SendMessage', { ...cloudOptions(), env: none });
    expect(off.mail).toBeUndefined();
    const message = { messageId: randomUUID(), sequenceId: randomUUID(), mailboxId: randomUUID(), fromEmail: 'maya@tallyhand.com', toEmail: 'dana@keelhaul.example', priority: 1, scheduledAt: NOW.toISOString(), attempts: 0 };
    await expect(sendMessageHandler(off)({ message, claimer: 'exec-off' })).rejects.toMatchObject({ name: 'SendingNotConfigured' });
  });

  it('gives no other step the mailer or the signing key', async () => {
    const deps = await buildCloudDeps('ClaimDue', cloudOptions());
    expect(deps.mail).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('ClaimDue input in the cloud', () => {
  it('refuses an execution input that sets `now` (the cloud sends on the real clock); a local run pinned to that moment accepts it', async () => {
    const cloud = await buildCloudDeps('ClaimDue', cloudOptions());
    const error = await claimDueStep(cloud, { batch: { workspaceId: ws, now: NOW.toISOString() }, claimer: 'exec-now' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'now', message: expect.stringContaining('real clock') }]);

    const local = await claimDueStep(localDeps(), { batch: { workspaceId: ws, now: NOW.toISOString(), limit: 1 }, claimer: 'exec-now-local' });
    expect(local.workspaceId).toBe(ws);
    const other = await claimDueStep(localDeps(), { batch: { workspaceId: ws, now: '2026-12-09T14:00:00Z' }, claimer: 'exec-now-other' }).catch((e: unknown) => e);
    expect(String(other)).toMatch(/now: is 2026-12-09T14:00:00Z, but this run's clock started at 2026-12-08T14:00:00.000Z/);
  });

  it('finds the workspace by slug (the schedule\'s input) or as the only one', async () => {
    const cloud = await buildCloudDeps('ClaimDue', cloudOptions());
    const slug = (await sql.query<{ slug: string }>('SELECT slug FROM workspace WHERE id = :ws::uuid', { ws })).rows[0].slug;
    expect((await claimDueStep(cloud, { batch: { workspace: slug, limit: 1 }, claimer: 'exec-slug' })).workspaceId).toBe(ws);
    expect((await claimDueStep(cloud, { batch: { limit: 1 }, claimer: 'exec-only' })).workspaceId).toBe(ws);
    await expect(claimDueStep(cloud, { batch: { workspace: 'nobody' }, claimer: 'exec-x' })).rejects.toThrow(/workspace: workspace "nobody" is not onboarded/);
  });
});

describe('SES bounce and complaint events', () => {
  const handler = async () => sesEventsHandler(await buildEdgeDeps('SesEvents', { env: ENV, rdsData: fake.client(), logger: quietLogger() }));

  it('a hard bounce suppresses the address (source bounce), stops its sequence and cancels its queued follow-up; the same event again changes nothing', async () => {
    const { lead, sesMessageId } = await sentThroughSes('bounced');
    expect(await queued(lead.seq.sequenceId)).toContain('scheduled'); // the follow-up waits
    const record = await handler();

    const first = await record(sesEvent('Bounce', sesMessageId, lead.email.toUpperCase()));

    expect(first).toMatchObject({ outcome: 'suppressed', kind: 'bounce', workspaceId: ws, results: [{ address: lead.email, newlySuppressed: true, stoppedSequenceIds: [lead.seq.sequenceId] }] });
    expect(await suppressions(lead.email)).toEqual([{ source: 'bounce', reason: 'Hard bounce reported by SES (General): 5.1.1 smtp; 550 5.1.1 user unknown' }]);
    expect(await sequence(lead.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'bounced' });
    expect(await queued(lead.seq.sequenceId)).not.toContain('scheduled');

    const again = await record(sesEvent('Bounce', sesMessageId, lead.email));
    expect(again).toMatchObject({ outcome: 'suppressed', results: [{ newlySuppressed: false, stoppedSequenceIds: [] }] });
    expect(await suppressions(lead.email)).toHaveLength(1);
  });

  it('a complaint suppresses like an opt-out (source complaint) and stops the sequence', async () => {
    const { lead, sesMessageId } = await sentThroughSes('complainer');

    await (await handler())(sesEvent('Complaint', sesMessageId, lead.email));

    expect(await suppressions(lead.email)).toEqual([{ source: 'complaint', reason: 'Marked as spam: complaint reported by SES (abuse)' }]);
    expect(await sequence(lead.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'complaint' });
  });

  it('a transient bounce, an unknown message or an address we never wrote to suppresses nothing', async () => {
    const { lead, sesMessageId } = await sentThroughSes('soft');
    const record = await handler();

    expect(await record(sesEvent('Bounce', sesMessageId, lead.email, { bounceType: 'Transient' }))).toMatchObject({ outcome: 'noted' });
    expect(await record(sesEvent('Bounce', '0100018f-not-ours-000000', lead.email))).toMatchObject({ outcome: 'unmatched' });
    expect(await record(sesEvent('Complaint', sesMessageId, 'ceo@elsewhere.example'))).toMatchObject({ outcome: 'suppressed', results: [] });

    expect(await suppressions(lead.email)).toEqual([]);
    expect(await suppressions('ceo@elsewhere.example')).toEqual([]);
    expect((await sequence(lead.seq.sequenceId)).status).toBe('active');
  });

  it('matches by the message tag when SES\'s id is not stored yet (the attempt still awaits its answer)', async () => {
    const { lead, sesMessageId } = await sentThroughSes('early');
    await sql.query(`UPDATE send_attempt SET provider_message_id = NULL WHERE message_id = :m::uuid`, { m: lead.seq.messages.a });

    const result = await (await handler())(sesEvent('Bounce', sesMessageId, lead.email, { tags: { message: [lead.seq.messages.a] } }));

    expect(result).toMatchObject({ outcome: 'suppressed', results: [{ address: lead.email, newlySuppressed: true }] });
  });

  it('an event of another shape fails with a ValidationError naming the field', async () => {
    const bad = sesEvent('Bounce', 'x', 'dana@example.com');
    (bad.detail as { bounce: { bounceType: string } }).bounce.bounceType = 'Sideways';
    await expect((await handler())(bad)).rejects.toThrow(/SES event is invalid:[\s\S]*detail\.bounce\.bounceType/);
  });
});

describe('the unsubscribe function URL', () => {
  it('refuses to start without its signing key or database, naming each variable', async () => {
    const error = await buildEdgeDeps('Unsubscribe', { env: { DB_NAME: 'prospector' }, logger: quietLogger() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['DB_CLUSTER_ARN', 'DB_SECRET_ARN', 'UNSUBSCRIBE_SECRET_ARN']);
  });

  const handler = async () => unsubscribeHandler(await buildEdgeDeps('Unsubscribe', { env: ENV, secrets: new SecretsManagerClient({ region: 'us-east-1' }), rdsData: fake.client(), logger: quietLogger() }));
  /** A function URL request (payload format 2.0) for the link's path. */
  const request = (method: string, link: string, body?: { text: string; contentType: string; base64?: boolean }) => ({
    version: '2.0',
    rawPath: new URL(link).pathname,
    rawQueryString: '',
    headers: { host: 'abc123.lambda-url.us-east-1.on.aws', ...(body ? { 'content-type': body.contentType } : {}) },
    requestContext: { http: { method, path: new URL(link).pathname, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' } },
    ...(body ? { body: body.base64 ? Buffer.from(body.text).toString('base64') : body.text, isBase64Encoded: Boolean(body.base64) } : { isBase64Encoded: false }),
  });

  it('GET shows the confirmation and records nothing; the RFC 8058 POST (as a function URL delivers it, base64) records the opt-out at once', async () => {
    const { lead, raw } = await sentThroughSes('optout');
    const link = await oneClickLink(raw);
    const serve = await handler();

    const page = await serve(request('GET', link));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(await suppressions(lead.email)).toEqual([]);

    const done = await serve(request('POST', link, { text: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded', base64: true }));
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('You are unsubscribed');
    expect(await suppressions(lead.email)).toEqual([{ source: 'opt_out', reason: expect.stringContaining('one-click') }]);
    expect(await sequence(lead.seq.sequenceId)).toEqual({ status: 'stopped', status_reason: 'opted_out' });
  });

  it('a forged token or a POST that is not one-click records nothing and echoes no address', async () => {
    const { lead, raw } = await sentThroughSes('forged');
    const link = await oneClickLink(raw);
    const forged = link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const serve = await handler();

    const a = await serve(request('POST', forged, { text: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' }));
    const b = await serve(request('POST', link, { text: 'unsubscribe=yes', contentType: 'application/x-www-form-urlencoded' }));

    expect([a.statusCode, b.statusCode]).toEqual([400, 400]);
    expect(a.body).not.toContain(lead.email);
    expect(await suppressions(lead.email)).toEqual([]);
  });
});
