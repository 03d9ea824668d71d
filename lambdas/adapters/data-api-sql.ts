/**
 * The `Sql` port on the RDS Data API (Aurora PostgreSQL): the cloud runtime.
 *
 * Parameters. `:name` placeholders are native to the Data API, so the SQL text is sent as is;
 * only the parameters the text references are sent (the same rule as `PgliteSql`: a referenced
 * name that is missing or `undefined` is an error naming it, unreferenced params are ignored).
 * Values become typed `SqlParameter`s:
 * - string → stringValue (the Data API types it varchar, which is why the SQL casts `::uuid`,
 *   `::timestamptz`, `::jsonb` where the column type matters);
 * - integer → longValue, other numbers → doubleValue; boolean → booleanValue; null → isNull;
 * - Date → stringValue `YYYY-MM-DD HH:MM:SS.sss` (UTC) with typeHint TIMESTAMP; a
 *   `:at::timestamptz` cast then reads it in the session time zone, which is UTC on Aurora
 *   unless a parameter group changes `timezone`;
 * - arrays and objects → their JSON text with typeHint JSON.
 *
 * Rows. Results are requested as typed records with column metadata, not `formatRecordsAs:
 * 'JSON'`: in JSON mode the Data API leaves `columnMetadata` empty and returns json/jsonb
 * columns as strings, so nothing could tell a jsonb column from a text column holding `{...}`.
 * With the metadata, rows come back in the same JSON shape as `PgliteSql`: json/jsonb parsed,
 * timestamps as ISO-8601 UTC strings, int8 and numeric as numbers, arrays as arrays.
 *
 * Limits turned into named errors (names are API: the state machine retries on them):
 * - a response over 1 MiB → `DatabaseResponseTooLarge` (add LIMIT or page with keyset queries);
 * - a result row over 64 KB → `DatabaseRowTooLarge` (select less, or clip in SQL);
 * - a call cancelled after 45 s → `DatabaseTimeout`;
 * - a paused (auto-pause, min capacity 0) or unavailable cluster → `DatabaseUnavailable`, which
 *   the state machine retries; a cluster that says it is resuming is first waited for here,
 *   because such a call never reached the database and is safe to repeat.
 * SQL errors keep their SQLSTATE in `code` (from the Data API's `SQLState: NNNNN` suffix).
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type ArrayValue,
  type ColumnMetadata,
  type Field,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { DatabaseError, DatabaseUnavailableError } from '#core/errors.ts';
import { missingParameters, rewriteParameters, statementHead as head, statementRefused, unbindable } from '#core/db/sql-text.ts';
import type { Json, Sql, SqlParams, SqlResult, SqlRow, SqlValue } from '#core/ports.ts';

// The base and the error the state machine routes live in core/errors.ts with the other routed names.
export { DatabaseError, DatabaseUnavailableError };

/** A SQL error reported by PostgreSQL; `code` is the SQLSTATE (`23505` unique violation...). */
export class DataApiSqlError extends DatabaseError {
  readonly code: string | undefined;
  /** The server's DETAIL line, kept out of the message as PgliteSql keeps it: it quotes row values. */
  readonly detail: string | undefined;
  constructor(statement: string, message: string, code: string | undefined, options?: { cause?: unknown; detail?: string }) {
    super(statement, `${statement}: ${message}`, options);
    // Same name as PgliteSql's error, so a recorded failure reads the same in both runtimes.
    this.name = 'SqlError';
    this.code = code;
    this.detail = options?.detail;
  }
}

/**
 * Splits the Data API's text of a PostgreSQL error into the message PgliteSql gives for it and the
 * DETAIL line. The service answers in the PostgreSQL JDBC driver's form, `ERROR: <message>`, then
 * indented `Detail:`, `Hint:`, `Position:` or `Where:` lines, then `; SQLState: NNNNN`; AWS does
 * not document the form, so anything that does not match is kept whole. The DETAIL line quotes
 * row values (`Key (email)=(jane@acme.example) already exists.`), which would otherwise go into
 * every log line and lead failure that records the message.
 */
export function splitServerMessage(text: string): { message: string; detail?: string } {
  const body = text.replace(/;\s*SQLState:\s*[0-9A-Z]{5}\s*$/i, '');
  const match = /^ERROR:\s+([^\n]*)((?:\n\s+[A-Za-z]+:[^\n]*)*)\s*$/.exec(body);
  if (!match) return { message: body };
  const detail = /\n\s+Detail:\s*([^\n]*)/i.exec(match[2])?.[1];
  return { message: match[1], ...(detail ? { detail } : {}) };
}

/** The Data API cancelled the call after 45 seconds. */
export class DatabaseTimeoutError extends DatabaseError {
  constructor(statement: string, message: string, options?: { cause?: unknown }) {
    super(statement, `${statement}: the Data API cancelled the statement after its 45 s limit (${message}); make it cheaper or split the work`, options);
    this.name = 'DatabaseTimeout';
  }
}

/** The result was over the Data API's 1 MiB response limit. */
export class DatabaseResponseTooLargeError extends DatabaseError {
  constructor(statement: string, message: string, options?: { cause?: unknown }) {
    super(statement, `${statement}: the result is over the Data API's 1 MiB response limit (${message}); select fewer columns, add LIMIT, or page with a keyset (WHERE id > :after ORDER BY id LIMIT n)`, options);
    this.name = 'DatabaseResponseTooLarge';
  }
}

/** One row of the result was over the Data API's 64 KB row limit. */
export class DatabaseRowTooLargeError extends DatabaseError {
  constructor(statement: string, message: string, options?: { cause?: unknown }) {
    super(statement, `${statement}: a result row is over the Data API's 64 KB row limit (${message}); select fewer or shorter columns (left(text, n)) or keep large values in the lake`, options);
    this.name = 'DatabaseRowTooLarge';
  }
}

export interface DataApiSqlOptions {
  /** The Aurora cluster's ARN. */
  resourceArn: string;
  /** The ARN of the Secrets Manager secret holding the database credentials. */
  secretArn: string;
  database: string;
  /** Default: a new `RDSDataClient({})`, destroyed by `close()`. */
  client?: RDSDataClient;
  /** Waits before repeating a call the cluster refused while resuming; default 2, 4, 8, 16 s. */
  resumeDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
}

interface Target {
  resourceArn: string;
  secretArn: string;
  database: string;
}

const DEFAULT_RESUME_DELAYS_MS = [2000, 4000, 8000, 16000];

/** The `Sql` port on the RDS Data API. */
export class DataApiSql implements Sql {
  readonly #target: Target;
  readonly #client: RDSDataClient;
  readonly #ownsClient: boolean;
  readonly #transactionId: string | undefined;
  readonly #resumeDelaysMs: number[];
  readonly #sleep: (ms: number) => Promise<void>;
  #closed = false;

  constructor(options: DataApiSqlOptions);
  /** @internal a view of an open transaction that shares the parent's client. */
  constructor(options: DataApiSqlOptions, transactionId: string);
  constructor(options: DataApiSqlOptions, transactionId?: string) {
    const { resourceArn, secretArn, database, client, resumeDelaysMs, sleep } = {
      resumeDelaysMs: DEFAULT_RESUME_DELAYS_MS,
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      ...options,
    };
    this.#target = { resourceArn, secretArn, database };
    this.#client = client ?? new RDSDataClient({});
    this.#ownsClient = client === undefined && transactionId === undefined;
    this.#transactionId = transactionId;
    this.#resumeDelaysMs = resumeDelaysMs;
    this.#sleep = sleep;
  }

  /** Runs one statement with named `:params`. */
  async query<R extends object = SqlRow>(text: string, params?: SqlParams): Promise<SqlResult<R>> {
    const names = parameterNames(text);
    const missing = missingParameters(names, params);
    if (missing) throw statementRefused(text, missing);
    const parameters = names.map((name) => toSqlParameter(name, params![name] as SqlValue, text));
    const command = new ExecuteStatementCommand({
      ...this.#target,
      sql: text,
      parameters,
      includeResultMetadata: true,
      ...(this.#transactionId ? { transactionId: this.#transactionId } : {}),
    });
    // Inside a transaction the connection is already up: a resume error there is not retried.
    const response = await this.#send(text, () => this.#client.send(command), this.#transactionId === undefined);
    const rows = decodeRecords(response.records, response.columnMetadata) as unknown as R[];
    // Writes report the rows they touched, reads the rows they returned (as PgliteSql does).
    const updated = response.numberOfRecordsUpdated ?? 0;
    return { rows, rowCount: updated > 0 ? updated : rows.length };
  }

  /** Runs `fn` in one transaction: commit if it resolves, roll back if it throws. */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    // Already in a transaction: `fn` joins it (as PgliteSql does).
    if (this.#transactionId) return fn(this);
    const begun = await this.#send('BEGIN', () => this.#client.send(new BeginTransactionCommand({ ...this.#target })), true);
    const transactionId = begun.transactionId;
    if (!transactionId) throw new DatabaseError('BEGIN', 'BEGIN: the Data API returned no transaction id');
    const tx = new DataApiSql({ ...this.#target, client: this.#client, resumeDelaysMs: [], sleep: this.#sleep }, transactionId);
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      await this.#rollback(transactionId);
      throw error;
    }
    try {
      await this.#send('COMMIT', () => this.#client.send(new CommitTransactionCommand({ resourceArn: this.#target.resourceArn, secretArn: this.#target.secretArn, transactionId })), false);
    } catch (error) {
      await this.#rollback(transactionId);
      throw error;
    }
    return result;
  }

  /** Releases the client if this adapter created it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.destroy();
  }

  /** Rolls back, keeping the original error: a failed rollback ends when the Data API expires the transaction. */
  async #rollback(transactionId: string): Promise<void> {
    try {
      await this.#client.send(new RollbackTransactionCommand({ resourceArn: this.#target.resourceArn, secretArn: this.#target.secretArn, transactionId }));
    } catch {
      // The Data API rolls back a transaction left idle for 3 minutes; the caller's error matters more.
    }
  }

  async #send<T>(statement: string, call: () => Promise<T>, mayWaitForResume: boolean): Promise<T> {
    const delays = mayWaitForResume ? this.#resumeDelaysMs : [];
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const translated = translateError(error, head(statement));
        if (translated instanceof DatabaseUnavailableError && isResuming(error) && attempt < delays.length) {
          await this.#sleep(delays[attempt]);
          continue;
        }
        throw translated;
      }
    }
  }
}

/** Formats a Date as the Data API's TIMESTAMP literal, `YYYY-MM-DD HH:MM:SS.sss` in UTC. */
export function formatTimestamp(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}

/** Maps one named value to a typed Data API parameter. */
export function toSqlParameter(name: string, value: SqlValue, statement = ''): SqlParameter {
  const refused = unbindable(name, value);
  if (refused) throw statementRefused(statement, refused);
  if (value === null) return { name, value: { isNull: true } };
  if (value instanceof Date) return { name, value: { stringValue: formatTimestamp(value) }, typeHint: 'TIMESTAMP' };
  switch (typeof value) {
    case 'string':
      return { name, value: { stringValue: value } };
    case 'boolean':
      return { name, value: { booleanValue: value } };
    case 'number':
      // Integers beyond 2^53 are already imprecise in JS; send them as doubles rather than lie.
      return Number.isSafeInteger(value) ? { name, value: { longValue: value } } : { name, value: { doubleValue: value } };
    default:
      return { name, value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
  }
}

function isResuming(error: unknown): boolean {
  const { name, message } = errorParts(error);
  return name === 'DatabaseResumingException' || /resuming/i.test(message);
}

function errorParts(error: unknown): { name: string; message: string; code: string | undefined } {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    return {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: typeof e.message === 'string' ? e.message : String(error),
      code: typeof e.code === 'string' ? e.code : undefined,
    };
  }
  return { name: 'Error', message: String(error), code: undefined };
}

const UNAVAILABLE_NAMES = new Set([
  'DatabaseResumingException',
  'DatabaseUnavailableException',
  'ServiceUnavailableError',
  'InternalServerErrorException',
  'ThrottlingException',
  'TimeoutError',
]);
// Aurora Serverless v2 auto-pause and a failing-over writer answer BadRequest with these.
const UNAVAILABLE_TEXT = /communications link failure|resuming|auto-?paus|is not currently available|last packet sent successfully|connection (was )?(closed|refused|reset)/i;
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** Turns a Data API (or network) failure into one of this adapter's named errors. */
export function translateError(error: unknown, statement: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const { name, message, code } = errorParts(error);
  // Texts from the troubleshooting page's titles (data-api.troubleshooting.html) and the service.
  if (/more than the allowed response size limit|response exceeded (the )?size limit/i.test(message)) return new DatabaseResponseTooLargeError(statement, message, { cause: error });
  if (/packet for query is too large/i.test(message)) return new DatabaseRowTooLargeError(statement, message, { cause: error });
  if (name === 'StatementTimeoutException' || /statement timeout|query timed? ?out|request timed out/i.test(message)) {
    return new DatabaseTimeoutError(statement, message, { cause: error });
  }
  if (UNAVAILABLE_NAMES.has(name) || (code && NETWORK_CODES.has(code)) || UNAVAILABLE_TEXT.test(message)) {
    return new DatabaseUnavailableError(statement, `${name}: ${message}`, { cause: error });
  }
  const sqlState = /SQLState:\s*([0-9A-Z]{5})/i.exec(message)?.[1];
  const { message: text, detail } = splitServerMessage(message);
  return new DataApiSqlError(statement, text, sqlState, { cause: error, detail });
}

/** The `:name` parameters a statement references, in first-use order (the Data API takes them as named). */
export function parameterNames(text: string): string[] {
  return rewriteParameters(text, (name) => `:${name}`).names;
}

type Kind = 'json' | 'timestamptz' | 'timestamp' | 'number' | 'plain';

/** What a column's PostgreSQL type name says about decoding its values. */
function kindOf(typeName: string): Kind {
  const t = typeName.toLowerCase().replace(/"/g, '');
  if (t === 'json' || t === 'jsonb') return 'json';
  if (t === 'timestamptz' || t === 'timestamp with time zone') return 'timestamptz';
  if (t === 'timestamp' || t === 'timestamp without time zone') return 'timestamp';
  if (/^(int[248]|smallint|integer|bigint|(big|small)?serial[248]?|numeric|decimal|float[48]|real|double precision|oid)$/.test(t)) return 'number';
  return 'plain';
}

/** `_text` and `text[]` are PostgreSQL's two spellings of an array type. */
function elementTypeName(typeName: string): string | undefined {
  if (typeName.startsWith('_')) return typeName.slice(1);
  if (typeName.endsWith('[]')) return typeName.slice(0, -2);
  return undefined;
}

/**
 * Reads a timestamp as the Data API prints it (`2024-01-02 03:04:05.123456`, UTC, sometimes with
 * an offset) and returns ISO-8601 with `Z`, millisecond precision, as PgliteSql does.
 */
function toIso(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  let iso = text.trim().replace(' ', 'T');
  if (/[+-]\d\d$/.test(iso)) iso += ':00';
  else if (!/(Z|[+-]\d\d:?\d\d)$/i.test(iso)) iso += 'Z';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

function decodeScalar(value: Json, kind: Kind): Json {
  if (value === null) return null;
  switch (kind) {
    case 'json':
      return typeof value === 'string' ? (JSON.parse(value) as Json) : value;
    case 'timestamptz':
    case 'timestamp':
      return typeof value === 'string' ? toIso(value) : value;
    case 'number':
      return typeof value === 'string' ? Number(value) : value;
    default:
      return value;
  }
}

function rawField(field: Field): Json {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64');
  if (field.arrayValue !== undefined) return rawArray(field.arrayValue);
  return null;
}

function rawArray(array: ArrayValue): Json[] {
  if (array.stringValues) return array.stringValues;
  if (array.longValues) return array.longValues;
  if (array.doubleValues) return array.doubleValues;
  if (array.booleanValues) return array.booleanValues;
  if (array.arrayValues) return array.arrayValues.map((a) => (a ? rawArray(a) : null));
  return [];
}

function decodeArray(values: Json, kind: Kind): Json {
  if (!Array.isArray(values)) return values;
  return values.map((v) => (Array.isArray(v) ? decodeArray(v, kind) : decodeScalar(v, kind)));
}

/** Turns typed records plus column metadata into JSON-shaped rows keyed by column label. */
export function decodeRecords(records: Field[][] | undefined, columns: ColumnMetadata[] | undefined): SqlRow[] {
  if (!records || records.length === 0) return [];
  const meta = (columns ?? []).map((c, i) => {
    const typeName = (c.typeName ?? '').toLowerCase();
    const element = elementTypeName(typeName);
    return { key: c.label || c.name || `?column?${i}`, element: element !== undefined, kind: kindOf(element ?? typeName) };
  });
  return records.map((record) => {
    const row: SqlRow = {};
    record.forEach((field, i) => {
      const m = meta[i] ?? { key: `?column?${i}`, element: false, kind: 'plain' as Kind };
      const raw = rawField(field);
      row[m.key] = m.element || Array.isArray(raw) ? decodeArray(raw, m.kind) : decodeScalar(raw, m.kind);
    });
    return row;
  });
}
