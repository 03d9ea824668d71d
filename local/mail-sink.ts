/**
 * The loopback mail sink: a real SMTP server (smtp-server) in-process on 127.0.0.1 that keeps
 * every message it accepts as `.eml` in the lake's `outbox/` area. Nodemailer talks to it as to
 * any mailbox, so local runs and tests send real SMTP and no mail ever leaves the machine.
 *
 * Faults can be injected for tests (and for trying the sender's handling by hand): a 4xx or 5xx
 * reply at MAIL FROM, RCPT TO or after DATA, the connection dropped or left unanswered at
 * RCPT TO (nothing sent yet), or dropped after the whole message was received and before the reply (optionally keeping the message, which is what makes such
 * a send `uncertain`: the server may well have it).
 *
 * A second message with a Message-ID already in the outbox is kept beside the first
 * (`<id>~dup2.eml`), so a double send is visible rather than overwritten.
 *
 * Replies: given `inbound` routing, a message whose envelope recipient (RCPT TO) is a workspace
 * mailbox is a reply to us, not a send: it is kept under `inbound/` (named by its content hash,
 * as SES receiving keeps it in the cloud) and handed to the replies state machine after the SMTP
 * reply, one at a time; `inboundIdle()` waits for those in flight and `close()` lets them finish.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { lakeKeys } from '#core/lake-keys.ts';
import type { Clock, Lake, Log } from '#core/ports.ts';
import { storeInboundMail } from '#core/replies/act.ts';

/** A fault the sink plays once, on the next transaction that reaches its stage. */
export type SinkFault =
  | { kind: 'reply'; stage: 'mail' | 'rcpt' | 'data'; code: number; message: string }
  | { kind: 'drop-before-data' }
  /** Never answer RCPT TO: the client's own timeout ends the session. */
  | { kind: 'stall-before-data' }
  | { kind: 'drop-after-data'; keep?: boolean };

/** Where mail to a workspace mailbox goes: the replies state machine. */
export interface InboundRouting {
  /** The workspace whose mailbox `address` (lower-case) is, or null: then the mail is not a reply. */
  workspaceOf(address: string): Promise<string | null>;
  /** Processes the reply stored at `key` (under inbound/); errors are logged, never thrown at the sender. */
  process(key: string, workspaceId: string): Promise<void>;
}

/** One message the sink accepted (or kept before dropping the connection). */
export interface SinkDelivery {
  /** `outbox` for a send, `inbound` for a reply to a workspace mailbox */
  area: 'outbox' | 'inbound';
  key: string;
  messageId: string | null;
  from: string | null;
  to: string[];
  bytes: number;
}

export interface MailSinkOptions {
  lake: Lake;
  /** 0 (default) picks a free port. */
  port?: number;
  clock?: Clock;
  log?: Log;
  /** Largest message accepted, bytes (default 10 MiB; bigger ones get 552). */
  maxBytes?: number;
  /** Mail to a workspace mailbox is a reply: stored under inbound/ and processed (see the module comment). */
  inbound?: InboundRouting;
}

const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

/** A reply error smtp-server sends as `<code> <message>`. */
function replyError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** The Message-ID header of a raw message (headers unfolded), or null. */
export function rawMessageId(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? Math.min(raw.length, 65536) : end).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:\s*(<[^<>\s]+>)/im.exec(head);
  return m ? m[1] : null;
}

export class MailSink {
  readonly host = '127.0.0.1';
  readonly deliveries: SinkDelivery[] = [];
  private readonly faults: SinkFault[] = [];
  private readonly server: SMTPServer;
  private readonly lake: Lake;
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly inbound: InboundRouting | undefined;
  /** replies being processed, in arrival order */
  private inboundQueue: Promise<void> = Promise.resolve();
  private boundPort = 0;
  private closed = false;

  private constructor(options: MailSinkOptions) {
    this.lake = options.lake;
    this.clock = options.clock ?? { now: () => new Date() };
    this.log = options.log ?? quiet;
    this.inbound = options.inbound;
    const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.server = new SMTPServer({
      name: 'prospector-mail-sink',
      banner: 'Prospector loopback mail sink: nothing leaves this machine',
      logger: false,
      size: maxBytes,
      // No certificate to offer: without STARTTLS nodemailer stays on the plain loopback session.
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      // Any credentials are fine: a PROSPECTOR_SMTP_URL with a user still works against the sink.
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'local' }),
      onMailFrom: (_address, _session, callback) => callback(this.replyFault('mail')),
      onRcptTo: (_address, session, callback) => {
        if (this.takeFault((f) => f.kind === 'drop-before-data')) return this.dropConnection(session.id);
        if (this.takeFault((f) => f.kind === 'stall-before-data')) return;
        callback(this.replyFault('rcpt'));
      },
      onData: (stream, session, callback) => void this.receive(stream, session, callback),
    });
    this.server.on('error', (error) => this.log.warn('mail sink error', { error: error.message }));
  }

  /** Starts a sink listening on 127.0.0.1. */
  static async start(options: MailSinkOptions): Promise<MailSink> {
    const sink = new MailSink(options);
    await new Promise<void>((resolve, reject) => {
      const net = sink.server.listen(options.port ?? 0, sink.host, () => resolve());
      net.once('error', reject);
    });
    sink.boundPort = (sink.server.server.address() as AddressInfo).port;
    sink.log.info('mail sink listening', { url: sink.url, lake: sink.lake.location });
    return sink;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The SMTP URL to send to (what PROSPECTOR_SMTP_URL would hold). */
  get url(): string {
    return `smtp://${this.host}:${this.boundPort}`;
  }

  /** Queues a fault for the next transaction that reaches its stage. */
  injectFault(fault: SinkFault): void {
    this.faults.push(fault);
  }

  /** Faults not played yet. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  private takeFault<K extends SinkFault['kind']>(match: (f: SinkFault) => boolean): Extract<SinkFault, { kind: K }> | undefined {
    const index = this.faults.findIndex(match);
    return index < 0 ? undefined : (this.faults.splice(index, 1)[0] as Extract<SinkFault, { kind: K }>);
  }

  private replyFault(stage: 'mail' | 'rcpt'): Error | null {
    const fault = this.takeFault<'reply'>((f) => f.kind === 'reply' && f.stage === stage);
    return fault ? replyError(fault.code, fault.message) : null;
  }

  private async receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (error?: Error | null, message?: string) => void,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      callback(replyError(451, `4.3.0 Error reading the message: ${(error as Error).message}`));
      return;
    }
    if (stream.sizeExceeded) {
      callback(replyError(552, '5.3.4 Message too big for the mail sink'));
      return;
    }
    const raw = Buffer.concat(chunks);
    const fault = this.takeFault((f) => f.kind === 'drop-after-data' || (f.kind === 'reply' && f.stage === 'data'));
    if (fault?.kind === 'reply') {
      callback(replyError(fault.code, fault.message));
      return;
    }
    let delivery: SinkDelivery | undefined;
    try {
      if (fault?.kind !== 'drop-after-data' || fault.keep !== false) delivery = await this.store(raw, session);
    } catch (error) {
      callback(replyError(451, `4.3.0 The sink could not store the message: ${(error as Error).message}`));
      return;
    }
    if (fault?.kind === 'drop-after-data') {
      this.dropConnection(session.id);
      return;
    }
    callback(null, `2.0.0 Ok: queued as ${delivery?.key.split('/').at(-1)?.replace(/\.eml$/, '')}`);
  }

  /** Resolves when every reply received so far has been processed. */
  async inboundIdle(): Promise<void> {
    for (let seen: Promise<void> | undefined; seen !== this.inboundQueue; ) {
      seen = this.inboundQueue;
      await seen;
    }
  }

  /** Mail to workspace mailboxes goes under inbound/, once per workspace; returns the recipients that are not mailboxes. */
  private async storeReplies(raw: Buffer, session: SMTPServerSession): Promise<{ deliveries: SinkDelivery[]; others: string[] }> {
    const recipients = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
    if (!this.inbound) return { deliveries: [], others: recipients };
    const byWorkspace = new Map<string, string[]>();
    const others: string[] = [];
    for (const address of recipients) {
      const workspaceId = await this.inbound.workspaceOf(address);
      if (workspaceId) byWorkspace.set(workspaceId, [...(byWorkspace.get(workspaceId) ?? []), address]);
      else others.push(address);
    }
    const deliveries: SinkDelivery[] = [];
    for (const [workspaceId, to] of byWorkspace) {
      const key = await storeInboundMail(this.lake, raw, this.clock.now());
      const mailFrom = session.envelope.mailFrom;
      deliveries.push({ area: 'inbound', key, messageId: rawMessageId(raw), from: mailFrom ? mailFrom.address : null, to, bytes: raw.length });
      const inbound = this.inbound;
      this.inboundQueue = this.inboundQueue.then(() =>
        inbound.process(key, workspaceId).catch((error: unknown) => this.log.error('the replies machine could not process a reply', { key, error: (error as Error)?.message ?? String(error) })),
      );
    }
    return { deliveries, others };
  }

  private async store(raw: Buffer, session: SMTPServerSession): Promise<SinkDelivery> {
    const replies = await this.storeReplies(raw, session);
    this.deliveries.push(...replies.deliveries);
    if (replies.others.length === 0 && replies.deliveries.length > 0) return replies.deliveries[0];
    const messageId = rawMessageId(raw) ?? `<${createHash('sha256').update(raw).digest('hex')}@mail-sink.invalid>`;
    const base = lakeKeys.outbox(this.clock.now(), messageId);
    let key = base;
    for (let n = 2; await this.lake.exists(key); n++) {
      key = base.replace(/\.eml$/, `~dup${n}.eml`);
      if (n === 2) this.log.warn('mail sink received a Message-ID it already holds: kept beside the first', { messageId, key });
    }
    await this.lake.put(key, raw, { contentType: 'message/rfc822' });
    const mailFrom = session.envelope.mailFrom;
    const delivery: SinkDelivery = {
      area: 'outbox',
      key,
      messageId: rawMessageId(raw),
      from: mailFrom ? mailFrom.address : null,
      to: session.envelope.rcptTo.map((r) => r.address),
      bytes: raw.length,
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  /** Ends the client's connection without a reply, as a crashed or cut-off server would. */
  private dropConnection(sessionId: string): void {
    const connections = (this.server as unknown as { connections: Set<{ id: string; _socket?: { destroy(): void } }> }).connections;
    for (const connection of connections) {
      if (connection.id === sessionId) connection._socket?.destroy();
    }
  }

  /** Stops listening and ends open sessions. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connections = (this.server as unknown as { connections: Set<{ _socket?: { destroy(): void } }> }).connections;
    for (const connection of connections) connection._socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.inboundIdle();
  }
}
