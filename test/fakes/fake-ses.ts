/**
 * A loopback SES v2 for the SES mailer's tests: `POST /v2/email/outbound-emails` (SendEmail) over
 * `node:http` on 127.0.0.1, answering in the shapes the API reference gives
 * (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html): 200 with
 * `{"MessageId": ...}`, or an error status with the error name in `x-amzn-ErrorType` and
 * `{"message": ...}` as the body (restJson1, which the real `SESv2Client` parses).
 *
 * Each request plays the next queued answer (default: success), so a test says exactly what SES
 * does: `throttle` (429 TooManyRequestsException), `reject` (400 MessageRejected), `paused`
 * (400 SendingPausedException), `unavailable` (503), or `drop` (the connection is destroyed
 * after the whole request arrived, as when a response is lost).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';

export type FakeSesAnswer = 'ok' | 'throttle' | 'reject' | 'paused' | 'unavailable' | 'drop';

export interface FakeSesRequest {
  fromEmailAddress?: string;
  to: string[];
  configurationSetName?: string;
  tags: { Name: string; Value: string }[];
  /** The raw MIME message, decoded. */
  raw: Buffer;
}

const ERRORS: Record<Exclude<FakeSesAnswer, 'ok' | 'drop'>, { status: number; type: string; message: string }> = {
  throttle: { status: 429, type: 'TooManyRequestsException', message: 'Too many requests have been made to the operation.' },
  reject: { status: 400, type: 'MessageRejected', message: 'Email address is not verified. The following identities failed the check in region US-EAST-1: dana@keelhaul.example' },
  paused: { status: 400, type: 'SendingPausedException', message: 'Sending is paused for this account.' },
  unavailable: { status: 503, type: 'ServiceUnavailable', message: 'Service Unavailable' },
};

export class FakeSes {
  readonly requests: FakeSesRequest[] = [];
  private readonly answers: FakeSesAnswer[] = [];
  private server: http.Server | undefined;
  private sent = 0;

  /** Queues what the next requests get, in order. */
  answer(...answers: FakeSesAnswer[]): void {
    this.answers.push(...answers);
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** A real SES v2 client pointed here, with no retries (as the adapter's own default). */
  client(): SESv2Client {
    return new SESv2Client({ endpoint: this.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' }, maxAttempts: 1 });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails') {
      res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'NotFoundException' });
      return void res.end(JSON.stringify({ message: `no route ${req.method} ${req.url}` }));
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      FromEmailAddress?: string;
      Destination?: { ToAddresses?: string[] };
      ConfigurationSetName?: string;
      EmailTags?: { Name: string; Value: string }[];
      Content?: { Raw?: { Data?: string } };
    };
    this.requests.push({
      fromEmailAddress: body.FromEmailAddress,
      to: body.Destination?.ToAddresses ?? [],
      configurationSetName: body.ConfigurationSetName,
      tags: body.EmailTags ?? [],
      raw: Buffer.from(body.Content?.Raw?.Data ?? '', 'base64'),
    });
    const answer = this.answers.shift() ?? 'ok';
    if (answer === 'drop') return void req.socket.destroy();
    if (answer === 'ok') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': `req-${this.sent}` });
      return void res.end(JSON.stringify({ MessageId: `0100018f-fake-${++this.sent}-000000` }));
    }
    const e = ERRORS[answer];
    res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-ErrorType': `${e.type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`, 'x-amzn-RequestId': 'req-err' });
    res.end(JSON.stringify({ message: e.message }));
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
