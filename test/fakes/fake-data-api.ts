/**
 * A loopback stand-in for the RDS Data API: a `node:http` server on 127.0.0.1 speaking the
 * REST-JSON protocol the real `RDSDataClient` uses (POST /Execute, /BeginTransaction,
 * /CommitTransaction, /RollbackTransaction), executing on an in-memory PGlite.
 *
 * It imitates what matters to an adapter:
 * - typed parameters: `:name` becomes `$n` (casts are not parameters), each value is bound with
 *   the PostgreSQL type the Data API gives it (stringValue → varchar unless a typeHint says
 *   UUID/TIMESTAMP/DATE/TIME/DECIMAL/JSON, longValue → int8, doubleValue → float8...), so SQL
 *   that forgets a `::uuid` cast fails here as it fails on Aurora;
 * - results as typed `records` plus `columnMetadata` (when `includeResultMetadata`), or as a
 *   `formattedRecords` JSON string (when `formatRecordsAs: 'JSON'`, and then no metadata);
 *   timestamps printed in UTC without an offset, numeric as strings, json/jsonb as their text;
 * - `numberOfRecordsUpdated`; transactions by id, serialised (one PGlite session: a statement
 *   outside the open transaction waits for it to end);
 * - the 1 MiB response limit and the 45 s statement limit with the real error shapes (PGlite
 *   cannot be interrupted, so a statement over the limit has run: the caller is only told it
 *   timed out), SQL errors as BadRequestException `...; SQLState: NNNNN`;
 * - the 64 KB limit on one row of a result set, and the 65,536-character limit on the SQL text;
 * - a transaction runs one call at a time: a call naming a transaction that is still running an
 *   earlier one is refused at once with DatabaseErrorException "Transaction is still running a
 *   query" (the Data API does not queue it);
 * - a transaction no call has used for 3 minutes is rolled back, and its id is then not found;
 * - a paused cluster (`pause()`): every call answers DatabaseResumingException until the cluster
 *   has resumed;
 * - injected failures (`failNext`) for other service errors.
 *
 * Sources: the API reference (docs.aws.amazon.com/rdsdataservice/latest/APIReference/, Welcome,
 * API_ExecuteStatement, API_BeginTransaction "A transaction times out if no calls use its
 * transaction ID in three minutes", and each operation's Errors list with its HTTP status), the
 * Aurora user guide's limits page (docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html:
 * "The response size limit is 1 MiB", "64 KB per row in the result set returned by the
 * database") and its troubleshooting page (.../data-api.troubleshooting.html: "Packet for query
 * is too large", "Database response exceeded size limit", "Transaction <id> isn't found",
 * "DatabaseErrorException: Transaction is still running a query").
 * Not documented, so chosen here and marked where used: the exact message texts and error types
 * of the row and response limits, whether "KB" means 1,000 or 1,024 bytes, and how the service
 * measures a row or a response (the fake measures the JSON it sends).
 *
 * Cost model. Tests that must show a step fits its Lambda timeout cannot time real calls here;
 * with `latency` the fake adds a fixed cost per call and per row touched to `simulatedMs`, a
 * deterministic figure a test compares with the timeout. The real latency of a Data API call is
 * not documented; the caller chooses pessimistic figures and says why.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { type PGlite, types } from '@electric-sql/pglite';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { toPositional } from '#adapters/pglite-sql.ts';
import { openPglite, pgTemplates, templateBlob } from '#test/helpers/pg-templates.ts';

export interface FakeDataApiOptions {
  /** Response bytes over which Execute fails as the Data API does; default 1 MiB. */
  maxResponseBytes?: number;
  /** Bytes one result row may have; default 64 KiB. */
  maxRowBytes?: number;
  /** Statement duration over which Execute fails with StatementTimeoutException; default 45 s. */
  statementTimeoutMs?: number;
  /** Idle time after which an open transaction is rolled back; default 3 minutes. */
  transactionIdleMs?: number;
  /** The fake's clock (ms), for transaction expiry; default `Date.now`. */
  now?: () => number;
  /** Simulated cost of each call, accumulated in `simulatedMs` (nothing waits for it). */
  latency?: { perCallMs: number; perRowMs: number };
  /**
   * What the database holds at the start: `empty` (initdb's cluster, the default: migrations then
   * go through the Data API as in the cloud) or `migrated` (every migration already applied, from
   * the run's template, for suites whose subject is not the migrations: applying them through
   * the fake takes two CPU-seconds). A migrated fake cannot be `reset()`.
   */
  schema?: 'empty' | 'migrated';
}

/** What the fake has answered so far, for assertions and reports. */
export interface FakeDataApiStats {
  calls: number;
  /** Execute calls. */
  statements: number;
  /** The largest Execute response body, in bytes. */
  largestResponseBytes: number;
  /** The largest row of any result set, in bytes (as the fake measures it). */
  largestRowBytes: number;
  /** Sum of the `latency` model over every call. */
  simulatedMs: number;
}

export interface InjectedFailure {
  /** Which operation fails; default any. */
  operation?: Operation;
  /** The error type, e.g. `DatabaseResumingException`. */
  type: string;
  message: string;
  status?: number;
  /** How many calls fail; default 1. */
  times?: number;
}

type Operation = 'Execute' | 'BeginTransaction' | 'CommitTransaction' | 'RollbackTransaction';

/** A request as the fake received it, for assertions. */
export interface RecordedRequest {
  operation: string;
  body: Record<string, unknown>;
}

interface WireParameter {
  name?: string;
  typeHint?: string;
  value?: {
    isNull?: boolean;
    booleanValue?: boolean;
    longValue?: number;
    doubleValue?: number;
    stringValue?: string;
    blobValue?: string;
    arrayValue?: unknown;
  };
}

type WireField =
  | { isNull: true }
  | { booleanValue: boolean }
  | { longValue: number }
  | { doubleValue: number }
  | { stringValue: string }
  | { blobValue: string }
  | { arrayValue: WireArray };

type WireArray =
  | { stringValues: string[] }
  | { longValues: number[] }
  | { doubleValues: number[] }
  | { booleanValues: boolean[] }
  | { arrayValues: WireArray[] };

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const MiB = 1024 * 1024;
// The guide says "64 KB"; whether it means 1,000 or 1,024 bytes is not documented: the larger.
const ROW_LIMIT_BYTES = 64 * 1024;
const TRANSACTION_IDLE_MS = 3 * 60_000;

const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
} as const;

const TYPE_HINT_OID: Record<string, number> = {
  UUID: OID.uuid,
  TIMESTAMP: OID.timestamp,
  DATE: OID.date,
  TIME: OID.time,
  DECIMAL: OID.numeric,
  JSON: OID.json,
};

// java.sql.Types codes, as the Data API's column metadata reports them (it runs JDBC underneath).
const JDBC_TYPE: Record<string, number> = {
  bool: -7,
  int2: 5,
  int4: 4,
  int8: -5,
  float4: 7,
  float8: 8,
  numeric: 2,
  text: 12,
  varchar: 12,
  bpchar: 1,
  date: 91,
  time: 92,
  timestamp: 93,
  timestamptz: 93,
  bytea: -2,
};

const LONG_TYPES = new Set(['int2', 'int4', 'int8', 'oid']);
const DOUBLE_TYPES = new Set(['float4', 'float8']);

/** Every value bound as the text the fake already prepared; PGlite must not re-serialise it. */
const RAW_SERIALIZERS = new Proxy({} as Record<number, (x: unknown) => string>, {
  get: () => (x: unknown) => String(x),
});

/** The fake Data API server. */
export class FakeDataApi {
  readonly db: PGlite;
  readonly endpoint: string;
  readonly requests: RecordedRequest[] = [];
  readonly #server: http.Server;
  readonly #maxResponseBytes: number;
  readonly #maxRowBytes: number;
  readonly #statementTimeoutMs: number;
  readonly #transactionIdleMs: number;
  readonly #now: () => number;
  readonly #latency: { perCallMs: number; perRowMs: number } | undefined;
  readonly #typeNames: Map<number, string>;
  readonly #rawParsers: Record<number, (x: string) => string>;
  readonly #transactions = new Map<string, Transaction>();
  readonly #failures: (InjectedFailure & { left: number })[] = [];
  #tail: Promise<void> = Promise.resolve();
  #paused: { refusalsLeft: number } | undefined;
  #hold: { arrived: () => void; released: Promise<void> } | undefined;
  readonly #migrated: boolean;
  /** Counters since the start (or the last `reset()`). */
  readonly stats: FakeDataApiStats = emptyStats();

  private constructor(db: PGlite, server: http.Server, typeNames: Map<number, string>, options: FakeDataApiOptions) {
    this.db = db;
    this.#server = server;
    this.#typeNames = typeNames;
    // Raw text for every type: the fake formats values as the Data API does, not as PGlite would.
    this.#rawParsers = Object.fromEntries([...typeNames.keys()].map((oid) => [oid, (x: string) => x]));
    this.#maxResponseBytes = options.maxResponseBytes ?? MiB;
    this.#maxRowBytes = options.maxRowBytes ?? ROW_LIMIT_BYTES;
    this.#statementTimeoutMs = options.statementTimeoutMs ?? 45_000;
    this.#transactionIdleMs = options.transactionIdleMs ?? TRANSACTION_IDLE_MS;
    this.#now = options.now ?? Date.now;
    this.#latency = options.latency;
    this.#migrated = options.schema === 'migrated';
    const { port } = server.address() as AddressInfo;
    this.endpoint = `http://127.0.0.1:${port}`;
  }

  /** Starts a fake on an ephemeral loopback port with an empty in-memory database. */
  static async start(options: FakeDataApiOptions = {}): Promise<FakeDataApi> {
    // initdb's cluster from the run's template when there is one (initdb takes seconds); the
    // migrations then go through the Data API as in the cloud, unless the fake starts migrated.
    const templates = pgTemplates();
    const template = options.schema === 'migrated' ? templates?.migrated : templates?.empty;
    if (options.schema === 'migrated' && !template) throw new Error('FakeDataApi.start({ schema: "migrated" }) needs the templates of test/global-setup.ts');
    const db = await openPglite(template ? await templateBlob(template) : undefined);
    // Aurora's default; the Data API prints timestamptz in UTC.
    await db.exec(`SET TimeZone = 'UTC'`);
    const typeRows = await db.query<{ oid: number; typname: string }>(`SELECT oid::int AS oid, typname FROM pg_type`);
    const typeNames = new Map(typeRows.rows.map((r) => [r.oid, r.typname]));
    let fake: FakeDataApi | undefined;
    const server = http.createServer((req, res) => {
      void fake!.#handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeDataApi(db, server, typeNames, options);
    return fake;
  }

  /** A real RDSDataClient pointed at this fake (no credentials leave the machine). */
  client(options: { maxAttempts?: number } = {}): RDSDataClient {
    return new RDSDataClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...options,
    });
  }

  /** Makes the next matching call(s) fail with the given service error. */
  failNext(failure: InjectedFailure): void {
    this.#failures.push({ ...failure, left: failure.times ?? 1 });
  }

  /**
   * Pauses the cluster, as Aurora Serverless v2 auto-pause does: every call is refused with
   * DatabaseResumingException (the refused call itself starts the resume) until `resume()`, or
   * after `refusals` refused calls when given. Aurora pauses only a cluster with no connections,
   * so pausing with a transaction open is a mistake in the test.
   */
  pause(options: { refusals?: number } = {}): void {
    if (this.#transactions.size > 0) throw new Error(`pause() with ${this.#transactions.size} open transaction(s): Aurora pauses only an idle cluster`);
    this.#paused = { refusalsLeft: options.refusals ?? Number.POSITIVE_INFINITY };
  }

  /**
   * Holds the next Execute inside the fake (counted as running) until `release()`: a test can
   * then send a second call while the first is certainly still running, as it would be on the
   * real service, where every call takes network and database time.
   */
  holdNextExecute(): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#hold = { arrived, released };
    return { arrived: arrival, release };
  }

  /** The cluster has resumed: calls run again. */
  resume(): void {
    this.#paused = undefined;
  }

  /** Empties the database (a new `public` schema) and forgets requests and injected failures. */
  async reset(): Promise<void> {
    if (this.#migrated) throw new Error('reset() would drop the migrations a fake started with schema: "migrated" holds');
    if (this.#transactions.size > 0) throw new Error(`reset() with ${this.#transactions.size} open transaction(s)`);
    const release = await this.#acquire();
    try {
      await this.db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    } finally {
      release();
    }
    this.requests.length = 0;
    this.#failures.length = 0;
    this.#paused = undefined;
    Object.assign(this.stats, emptyStats());
  }

  /** Transactions begun and not yet committed or rolled back. */
  get openTransactions(): number {
    return this.#transactions.size;
  }

  /** Stops the server and closes the database. */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (!this.db.closed) await this.db.close();
  }

  /** Waits for earlier holders of the session, then holds it until `release()`. */
  #acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.#tail;
    this.#tail = before.then(() => mine);
    return before.then(() => release);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const operation = (req.url ?? '').split('?')[0].replace(/^\//, '');
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      this.requests.push({ operation, body });
      this.stats.calls++;
      if (this.#latency) this.stats.simulatedMs += this.#latency.perCallMs;
      if (req.method !== 'POST') throw new ServiceError('BadRequestException', `${req.method} is not supported`);
      await this.#expireIdleTransactions();
      this.#refuseWhilePaused();
      this.#injected(operation);
      if (typeof body.resourceArn !== 'string' || typeof body.secretArn !== 'string') {
        throw new ServiceError('BadRequestException', 'resourceArn and secretArn are required');
      }
      let result: unknown;
      switch (operation) {
        case 'Execute':
          result = await this.#execute(body);
          break;
        case 'BeginTransaction':
          result = await this.#begin();
          break;
        case 'CommitTransaction':
          result = await this.#end(body, 'COMMIT', 'Transaction Committed');
          break;
        case 'RollbackTransaction':
          result = await this.#end(body, 'ROLLBACK', 'Rollback Complete');
          break;
        default:
          throw new ServiceError('BadRequestException', `operation /${operation} is not implemented by the fake`, 404);
      }
      const text = JSON.stringify(result);
      if (operation === 'Execute') {
        const bytes = Buffer.byteLength(text);
        this.stats.largestResponseBytes = Math.max(this.stats.largestResponseBytes, bytes);
        // Message and type not documented; the adapter matches this text and the guide's title.
        if (bytes > this.#maxResponseBytes) throw new ServiceError('BadRequestException', 'Database returned more than the allowed response size limit');
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
      res.end(text);
    } catch (error) {
      const e = error instanceof ServiceError ? error : new ServiceError('InternalServerErrorException', String(error), 500);
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.type, 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify({ message: e.message, ...e.extra }));
    }
  }

  #injected(operation: string): void {
    const i = this.#failures.findIndex((f) => !f.operation || f.operation === operation);
    if (i < 0) return;
    const failure = this.#failures[i];
    if (--failure.left <= 0) this.#failures.splice(i, 1);
    throw new ServiceError(failure.type, failure.message, failure.status ?? 400);
  }

  async #begin(): Promise<{ transactionId: string }> {
    const release = await this.#acquire();
    try {
      await this.db.exec('BEGIN');
    } catch (error) {
      release();
      throw error;
    }
    const transactionId = randomUUID().replace(/-/g, '');
    this.#transactions.set(transactionId, { release, running: false, lastUsed: this.#now() });
    return { transactionId };
  }

  async #end(body: Record<string, unknown>, sql: 'COMMIT' | 'ROLLBACK', status: string): Promise<{ transactionStatus: string }> {
    const tx = this.#claim(body.transactionId);
    this.#transactions.delete(body.transactionId as string);
    try {
      await this.db.exec(sql);
    } finally {
      tx.release();
    }
    return { transactionStatus: status };
  }

  /** The transaction a call names, marked busy; refused when unknown, expired or busy. */
  #claim(id: unknown): Transaction {
    const tx = typeof id === 'string' ? this.#transactions.get(id) : undefined;
    // TransactionNotFoundException is HTTP 404 (API reference); the guide gives the text
    // "Transaction <id> isn't found" followed by a cause, whose exact wording is not documented.
    if (!tx) throw new ServiceError('TransactionNotFoundException', `Transaction ${String(id)} is not found`, 404);
    // DatabaseErrorException is HTTP 400 (API reference); the text is the troubleshooting page's.
    if (tx.running) throw new ServiceError('DatabaseErrorException', 'Transaction is still running a query');
    tx.running = true;
    tx.lastUsed = this.#now();
    return tx;
  }

  /** Rolls back transactions no call has used within the idle limit (the Data API's 3 minutes). */
  async #expireIdleTransactions(): Promise<void> {
    for (const [id, tx] of this.#transactions) {
      if (tx.running || this.#now() - tx.lastUsed <= this.#transactionIdleMs) continue;
      this.#transactions.delete(id);
      try {
        await this.db.exec('ROLLBACK');
      } finally {
        tx.release();
      }
    }
  }

  #refuseWhilePaused(): void {
    if (!this.#paused) return;
    if (this.#paused.refusalsLeft-- <= 0) {
      this.#paused = undefined;
      return;
    }
    // HTTP 400 (API reference, DatabaseResumingException); the message text is not documented.
    throw new ServiceError('DatabaseResumingException', 'The Aurora DB instance is resuming after being auto-paused. Please wait a few seconds and try again.');
  }

  async #execute(body: Record<string, unknown>): Promise<unknown> {
    if (typeof body.sql !== 'string' || body.sql.trim() === '') throw new ServiceError('BadRequestException', 'sql is required');
    // API_ExecuteStatement: "sql ... Length Constraints: Maximum length of 65536" (the response
    // to a longer one is not documented; the SDK does not check it client-side).
    if (body.sql.length > 65_536) throw new ServiceError('BadRequestException', `sql is longer than 65536 characters (${body.sql.length})`);
    const sql = body.sql;
    const { text, names } = toPositional(sql);
    const given = new Map<string, WireParameter>();
    for (const p of (body.parameters as WireParameter[] | undefined) ?? []) {
      if (!p.name) throw new ServiceError('BadRequestException', 'a parameter has no name');
      given.set(p.name, p);
    }
    const unused = [...given.keys()].filter((n) => !names.includes(n));
    if (unused.length > 0) throw new ServiceError('BadRequestException', `parameters not used by the statement: ${unused.join(', ')}`);
    const values: (string | null)[] = [];
    const paramTypes: number[] = [];
    for (const name of names) {
      const p = given.get(name);
      if (!p) throw new ServiceError('BadRequestException', `No value specified for parameter :${name}`);
      const [value, oid] = bindParameter(p);
      values.push(value);
      paramTypes.push(oid);
    }

    const run = async () => {
      const hold = this.#hold;
      if (hold) {
        this.#hold = undefined;
        hold.arrived();
        await hold.released;
      }
      const started = performance.now();
      const result = await this.db.query<unknown[]>(text, values, {
        rowMode: 'array',
        paramTypes,
        parsers: this.#rawParsers,
        serializers: RAW_SERIALIZERS,
      });
      const elapsed = performance.now() - started;
      if (elapsed > this.#statementTimeoutMs) {
        throw new ServiceError('StatementTimeoutException', 'Request timed out', 400, { dbConnectionId: 1 });
      }
      return result;
    };

    let result: Awaited<ReturnType<typeof run>>;
    try {
      if (body.transactionId !== undefined) {
        const tx = this.#claim(body.transactionId);
        try {
          result = await run();
        } finally {
          tx.running = false;
          tx.lastUsed = this.#now();
        }
      } else {
        const release = await this.#acquire();
        try {
          result = await run();
        } finally {
          release();
        }
      }
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      throw sqlError(error);
    }

    const fields = result.fields.map((f) => ({ name: f.name, typeName: this.#typeNames.get(f.dataTypeID) ?? 'unknown' }));
    const numberOfRecordsUpdated = result.affectedRows ?? 0;
    const rows = result.rows as (string | null)[][];
    if (this.#latency) this.stats.simulatedMs += this.#latency.perRowMs * (rows.length + numberOfRecordsUpdated);
    this.stats.statements++;
    for (const row of rows) {
      // A row measured as the text of its values (the database's row, before the wire format).
      const bytes = row.reduce((n, v) => n + (v === null ? 0 : Buffer.byteLength(v)), 0);
      this.stats.largestRowBytes = Math.max(this.stats.largestRowBytes, bytes);
      // Type and text not documented beyond the guide's title "Packet for query is too large".
      if (bytes > this.#maxRowBytes) throw new ServiceError('BadRequestException', `Packet for query is too large (${bytes} > ${this.#maxRowBytes}).`);
    }
    if (body.formatRecordsAs === 'JSON') {
      const objects = rows.map((row) => Object.fromEntries(row.map((v, i) => [fields[i].name, jsonValue(v, fields[i].typeName)])));
      // JSON mode carries no column metadata, whatever includeResultMetadata says.
      return { numberOfRecordsUpdated, formattedRecords: JSON.stringify(objects) };
    }
    const response: Record<string, unknown> = { numberOfRecordsUpdated };
    if (fields.length > 0) response.records = rows.map((row) => row.map((v, i) => wireField(v, fields[i].typeName)));
    if (body.includeResultMetadata && fields.length > 0) {
      response.columnMetadata = fields.map((f) => columnMetadata(f.name, f.typeName));
    }
    return response;
  }
}

interface Transaction {
  release: () => void;
  /** A call naming this transaction is being answered. */
  running: boolean;
  /** The fake's clock when a call last used the transaction. */
  lastUsed: number;
}

function emptyStats(): FakeDataApiStats {
  return { calls: 0, statements: 0, largestResponseBytes: 0, largestRowBytes: 0, simulatedMs: 0 };
}

/** A wire parameter as bound text plus the type oid the Data API would declare for it. */
function bindParameter(p: WireParameter): [string | null, number] {
  const v = p.value ?? {};
  if (v.isNull) return [null, 0];
  if (v.booleanValue !== undefined) return [v.booleanValue ? 't' : 'f', OID.bool];
  if (v.longValue !== undefined) return [String(v.longValue), OID.int8];
  if (v.doubleValue !== undefined) return [String(v.doubleValue), OID.float8];
  if (v.blobValue !== undefined) return [`\\x${Buffer.from(v.blobValue, 'base64').toString('hex')}`, OID.bytea];
  if (v.arrayValue !== undefined) throw new ServiceError('BadRequestException', 'Array parameters are not supported.');
  if (v.stringValue !== undefined) {
    if (p.typeHint && !(p.typeHint in TYPE_HINT_OID)) throw new ServiceError('BadRequestException', `Unknown typeHint ${p.typeHint}`);
    const oid = p.typeHint ? TYPE_HINT_OID[p.typeHint] : OID.varchar;
    if (p.typeHint === 'TIMESTAMP' && !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})?$/.test(v.stringValue)) {
      throw new ServiceError('BadRequestException', `Invalid TIMESTAMP value "${v.stringValue}": use YYYY-MM-DD HH:MM:SS[.FFF]`);
    }
    return [v.stringValue, oid];
  }
  throw new ServiceError('BadRequestException', `parameter ${p.name} has no value`);
}

function sqlError(error: unknown): ServiceError {
  const e = error as { message?: string; code?: string; detail?: string };
  const detail = e.detail ? `\n  Detail: ${e.detail}` : '';
  return new ServiceError('BadRequestException', `ERROR: ${e.message ?? String(error)}${detail}; SQLState: ${e.code ?? 'XX000'}`);
}

/** Postgres prints `2024-01-02 03:04:05.123+00`; the Data API prints UTC without the offset. */
function timestampText(text: string, typeName: string): string {
  return typeName === 'timestamptz' ? text.replace(/[+-]00(:00)?$/, '') : text;
}

function elementParser(typeName: string): (x: string) => unknown {
  if (LONG_TYPES.has(typeName) || DOUBLE_TYPES.has(typeName)) return Number;
  if (typeName === 'bool') return (x) => x === 't';
  return (x) => timestampText(x, typeName);
}

function wireArray(values: unknown[], typeName: string): WireArray {
  if (values.some(Array.isArray)) return { arrayValues: values.map((v) => wireArray(v as unknown[], typeName)) };
  if (LONG_TYPES.has(typeName)) return { longValues: values as number[] };
  if (DOUBLE_TYPES.has(typeName)) return { doubleValues: values as number[] };
  if (typeName === 'bool') return { booleanValues: values as boolean[] };
  return { stringValues: values as string[] };
}

function parseArray(text: string, typeName: string): unknown[] {
  // The third argument only matters for `box[]` (whose delimiter is `;`).
  return types.arrayParser(text, elementParser(typeName.slice(1)), 0) as unknown[];
}

function wireField(text: string | null, typeName: string): WireField {
  if (text === null) return { isNull: true };
  if (typeName.startsWith('_')) return { arrayValue: wireArray(parseArray(text, typeName), typeName.slice(1)) };
  if (typeName === 'bool') return { booleanValue: text === 't' };
  if (LONG_TYPES.has(typeName)) return { longValue: Number(text) };
  if (DOUBLE_TYPES.has(typeName)) return { doubleValue: Number(text) };
  if (typeName === 'bytea') return { blobValue: Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64') };
  return { stringValue: timestampText(text, typeName) };
}

function jsonValue(text: string | null, typeName: string): unknown {
  if (text === null) return null;
  if (typeName.startsWith('_')) return parseArray(text, typeName);
  if (typeName === 'bool') return text === 't';
  if (LONG_TYPES.has(typeName) || DOUBLE_TYPES.has(typeName)) return Number(text);
  if (typeName === 'bytea') return Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64');
  return timestampText(text, typeName);
}

function columnMetadata(name: string, typeName: string): Record<string, unknown> {
  return {
    name,
    label: name,
    typeName,
    type: typeName.startsWith('_') ? 2003 : (JDBC_TYPE[typeName] ?? 1111),
    arrayBaseColumnType: 0,
    isAutoIncrement: false,
    isCaseSensitive: !['bool', 'int2', 'int4', 'int8', 'float4', 'float8', 'numeric'].includes(typeName),
    isCurrency: false,
    isSigned: ['int2', 'int4', 'int8', 'float4', 'float8', 'numeric'].includes(typeName),
    nullable: 2,
    precision: 0,
    scale: 0,
    schemaName: '',
    tableName: '',
  };
}
