/**
 * The Runs page in the cloud: redrive starts a new execution of the prospecting state machine
 * through the real @aws-sdk/client-sfn, against a loopback endpoint that answers in the AWS JSON
 * 1.0 protocol as Step Functions does (POST /, `X-Amz-Target: AWSStepFunctions.StartExecution`,
 * `application/x-amz-json-1.0`; success `{"executionArn","startDate"}`, errors as HTTP 400 with
 * `{"__type":"...#Code","message"}`):
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html,
 * https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html.
 * The run then links to its execution in the Step Functions console, the URL built from the ARN.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stateMachineRedrive } from '../../lambdas/cloud/redrive.ts';
import { createWebApp } from '#web/app.ts';
import { executionRef } from '#web/execution.ts';
import { signInAs, webFixture, type WebFixture } from '#test/helpers/web.ts';

const MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:Prospecting';

let f: WebFixture;
let server: Server;
let endpoint: string;
const seen: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
/** What the fake answers next: an execution, or an error envelope. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  f = await webFixture();
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await f?.close();
});

const client = () => new SFNClient({ endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback' }, maxAttempts: 1 });

describe('console link', () => {
  test('built from the ARN: region from the ARN, the ARN URL-encoded in the fragment; anything else gives no link', () => {
    const arn = 'arn:aws:states:eu-central-1:123456789012:execution:Prospecting:run-1';
    expect(executionRef(arn)).toEqual({
      region: 'eu-central-1', stateMachine: 'Prospecting', name: 'run-1',
      consoleUrl: 'https://eu-central-1.console.aws.amazon.com/states/home?region=eu-central-1#/v2/executions/details/arn%3Aaws%3Astates%3Aeu-central-1%3A123456789012%3Aexecution%3AProspecting%3Arun-1',
    });
    expect(executionRef('arn:aws-cn:states:cn-north-1:123456789012:execution:P:x')?.consoleUrl).toMatch(/^https:\/\/console\.amazonaws\.cn\/states\/home\?region=cn-north-1#/);
    expect(executionRef('arn:aws:states:eu-central-1:123456789012:execution:P:x"><script>')).toBeNull();
    expect(executionRef('javascript:alert(1)')).toBeNull();
    expect(executionRef('arn:aws:states:eu-central-1:123456789012:stateMachine:P')).toBeNull();
  });
});

describe('redrive in the cloud', () => {
  test('starts a new execution with the redrive input, then the run links to it in the console', async () => {
    const runId = f.leads.northwind.runId;
    const arn = `arn:aws:states:eu-central-1:123456789012:execution:Prospecting:redrive-${runId}-202612021500`;
    answer = { status: 200, body: { executionArn: arn, startDate: 1_764_687_600 } };
    const app = createWebApp({ sql: f.db, lake: f.lake, secure: true, startRedrive: stateMachineRedrive({ client: client(), stateMachineArn: MACHINE, now: () => new Date('2026-12-02T15:00:30Z') }) });
    const rep = await signInAs(f, app, f.tallyhand.userId);
    const page = await (await rep.get(`/runs/${runId}`)).text();
    expect(page).toContain(`action="/runs/${runId}/redrive"`);

    // without its CSRF token nothing is started
    expect((await rep.post(`/runs/${runId}/redrive`, {}, false)).status).toBe(403);
    expect(seen).toHaveLength(0);
    // another workspace's user cannot start it
    const rival = await signInAs(f, app, f.rival.userId);
    expect((await rival.post(`/runs/${runId}/redrive`, {})).status).toBe(404);
    expect(seen).toHaveLength(0);

    const res = await rep.post(`/runs/${runId}/redrive`, {});
    expect(res.status).toBe(303);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers['x-amz-target']).toBe('AWSStepFunctions.StartExecution');
    expect(seen[0].headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/eu-central-1\/states\/aws4_request/);
    expect(seen[0].body).toEqual({ stateMachineArn: MACHINE, name: `redrive-${runId}-202612021500`, input: JSON.stringify({ trigger: 'manual', redrive: { runId } }) });

    expect(res.headers.get('location')).toBe(`/runs/${runId}?done=redrive&from=0`);
    const after = await rep.get(res.headers.get('location')!);
    expect(after.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const html = await after.text();
    expect(html).toContain(`href="${executionRef(arn)!.consoleUrl}"`);
    expect(html).toContain('(Step Functions, eu-central-1)');
    // the execution has not reopened the run yet: it is starting, not finished
    expect(html).toContain('Redrive started');
    const list = await (await rep.get('/runs')).text();
    expect(list).toContain(`href="${executionRef(arn)!.consoleUrl}"`);
    // the other workspace's runs page does not show it
    expect(await (await rival.get('/runs')).text()).not.toContain(arn.split(':').at(-1)!);
  });

  test("Step Functions' error envelope is shown on the run's page (502) and the link stays as it was", async () => {
    const runId = f.leads.northwind.runId;
    const before = (await f.db.query<{ execution_arn: string | null }>(`SELECT execution_arn FROM run WHERE id = :id::uuid`, { id: runId })).rows[0].execution_arn;
    answer = { status: 400, body: { __type: 'com.amazonaws.swf.service.model#StateMachineDoesNotExist', message: 'State Machine Does Not Exist: Prospecting' } };
    const app = createWebApp({ sql: f.db, lake: f.lake, secure: true, startRedrive: stateMachineRedrive({ client: client(), stateMachineArn: MACHINE }) });
    const rep = await signInAs(f, app, f.tallyhand.userId);
    const res = await rep.post(`/runs/${runId}/redrive`, {});
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain('The redrive could not be started: StateMachineDoesNotExist: State Machine Does Not Exist: Prospecting');
    const after = (await f.db.query<{ execution_arn: string | null }>(`SELECT execution_arn FROM run WHERE id = :id::uuid`, { id: runId })).rows[0].execution_arn;
    expect(after).toBe(before);
  });
});
