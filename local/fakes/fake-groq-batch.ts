/**
 * The Batch API of the fake Groq server (local/fakes/fake-groq.ts): files and batches on the
 * same loopback origin, in the shapes groq-sdk 1.6.0 types them (`resources/files.d.ts`,
 * `resources/batches.d.ts`). Sources, read December 2026:
 * - console.groq.com/docs/batch: a JSONL file, one request a line with `custom_id` (unique),
 *   `method` (POST only), `url` (`/v1/chat/completions`) and `body` (the synchronous request);
 *   uploaded to `POST /openai/v1/files` with `purpose=batch`; `POST /openai/v1/batches` with
 *   `input_file_id`, `endpoint`, `completion_window`; `GET /openai/v1/batches/{id}` for status;
 *   the results in an output file (and failed requests in an error file), read with
 *   `GET /openai/v1/files/{id}/content`; "no impact to your standard rate limits".
 * - groq-sdk 1.6.0's `batches.list()`: `GET /openai/v1/batches`, `{object: "list", data}` (see
 *   the handler for what is unknown about it); `metadata` on create, returned on every batch.
 * - groq-sdk 1.6.0's doc comments: `completion_window` "Durations from `24h` to `7d` are
 *   supported"; the input file "can be up to 100 MB in size"; statuses `validating`, `failed`,
 *   `in_progress`, `finalizing`, `completed`, `expired`, `cancelling`, `cancelled`;
 *   `request_counts {total, completed, failed}`, `output_file_id`, `error_file_id`,
 *   `errors {object, data: [{code, message, line, param}]}`.
 * - the error envelope for a refused request is Groq's usual `{error: {message, type, code?, param?}}`
 *   (console.groq.com/docs/errors), status 400 (404 for an unknown id).
 *
 * Not documented in what was read, so modelled on OpenAI's Batch API (which Groq's mirrors),
 * and marked where used: the most lines a file may hold (OpenAI: 50,000; `maxLines` here), the
 * output and error lines' shape (`{id, custom_id, response: {status_code, request_id, body},
 * error}`), the error code of a request an expired batch never ran (`batch_expired`), and which
 * models a batch accepts (here: every model the fake serves; a line naming another fails
 * validation with the line number).
 *
 * Time is by status reads, not the clock: every `GET /batches/{id}` moves a batch one step
 * (validating → in_progress → finalizing → completed), so a test or a local run polls a known
 * number of times; `fate` can fail or expire a batch instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What happens to a batch (default `complete`). */
export type BatchFate =
  /** every line runs; failed lines go to the error file */
  | 'complete'
  /** validation fails as if the file were malformed (status `failed`, `errors` set) */
  | 'fail'
  /** the window passes after `ranBeforeExpiry` lines ran (default 0): the rest go to the error file as `batch_expired` */
  | { expire: true; ranBeforeExpiry?: number };

export interface FakeBatchOptions {
  /** the most lines a batch file may hold (default 50,000, OpenAI's documented limit; Groq's not read) */
  maxLines?: number;
  /** the largest file accepted, bytes (default 100 MB, groq-sdk's doc comment) */
  maxFileBytes?: number;
  /** what happens to each batch, decided when it is created */
  fate?: (batch: { id: string; lines: number; index: number }) => BatchFate;
}

interface StoredFile {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: 'batch' | 'batch_output';
  content: Buffer;
}

type Status = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

interface StoredBatch {
  id: string;
  object: 'batch';
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: Status;
  created_at: number;
  expires_at: number;
  in_progress_at?: number;
  finalizing_at?: number;
  completed_at?: number;
  failed_at?: number;
  expired_at?: number;
  cancelling_at?: number;
  cancelled_at?: number;
  output_file_id?: string;
  error_file_id?: string;
  errors?: { object: 'list'; data: { code: string; message: string; line: number | null; param: string | null }[] };
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

/** A batch the fake was asked to run, with the custom ids of its lines (what tests count). */
export interface SubmittedBatch {
  id: string;
  customIds: string[];
  fate: BatchFate;
}

/** Runs one line's body as a synchronous request would run (the fake's chat completions). */
export type RunLine = (body: unknown, batchId: string) => Promise<{ status: number; requestId: string; body: unknown }>;

const now = () => Math.floor(Date.now() / 1000);
const bad = (message: string, param?: string, code = 'invalid_request_error') => ({ error: { message, type: 'invalid_request_error', code, ...(param ? { param } : {}) } });

/** Parses a completion window: `24h` to `7d` (groq-sdk 1.6.0), in seconds; undefined when refused. */
export function completionWindowSeconds(window: unknown): number | undefined {
  const m = typeof window === 'string' ? /^(\d+)(h|d)$/.exec(window) : null;
  if (!m) return undefined;
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3600 : 86_400);
  return seconds >= 86_400 && seconds <= 7 * 86_400 ? seconds : undefined;
}

export class FakeBatchApi {
  readonly files = new Map<string, StoredFile>();
  readonly batches = new Map<string, StoredBatch>();
  readonly submitted: SubmittedBatch[] = [];
  /** how many times the batches were listed (`GET /openai/v1/batches`) */
  listed = 0;
  private readonly fates = new Map<string, BatchFate>();
  private counter = 0;

  constructor(
    private readonly runLine: RunLine,
    private readonly served: () => Set<string>,
    private readonly options: FakeBatchOptions = {},
  ) {}

  private nextId(prefix: string): string {
    return `${prefix}_${String(++this.counter).padStart(26, '0')}`;
  }

  /** Answers a Batch API request; false when the request is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, rawBody: () => Promise<Buffer>): Promise<boolean> {
    const path = req.url?.split('?')[0] ?? '';
    if (!path.startsWith('/openai/v1/files') && !path.startsWith('/openai/v1/batches')) return false;
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
    };
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/openai/v1/files') {
      const buf = await rawBody();
      const maxBytes = this.options.maxFileBytes ?? 100 * 1024 * 1024;
      let form: FormData;
      try {
        form = await new Request('http://fake/upload', { method: 'POST', headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body: new Uint8Array(buf) }).formData();
      } catch {
        send(400, bad('request body must be multipart/form-data with a file and a purpose'));
        return true;
      }
      const file = form.get('file');
      const purpose = form.get('purpose');
      if (purpose !== 'batch') return send(400, bad(`purpose must be "batch", got ${JSON.stringify(purpose)}`, 'purpose')), true;
      if (!(file instanceof Blob)) return send(400, bad('file is required', 'file')), true;
      const content = Buffer.from(await file.arrayBuffer());
      if (content.length > maxBytes) return send(400, bad(`file is ${content.length} bytes; the limit is ${maxBytes}`, 'file')), true;
      const stored: StoredFile = { id: this.nextId('file'), object: 'file', bytes: content.length, created_at: now(), filename: (file as File).name ?? 'batch.jsonl', purpose: 'batch', content };
      this.files.set(stored.id, stored);
      send(200, this.fileInfo(stored));
      return true;
    }
    if (req.method === 'GET' && path === '/openai/v1/files') return send(200, { object: 'list', data: [...this.files.values()].map((f) => this.fileInfo(f)) }), true;
    if ((m = /^\/openai\/v1\/files\/([^/]+)(\/content)?$/.exec(path))) {
      const f = this.files.get(decodeURIComponent(m[1]));
      if (!f) return send(404, bad(`file ${m[1]} not found`, undefined, 'not_found')), true;
      if (req.method === 'DELETE' && !m[2]) {
        this.files.delete(f.id);
        return send(200, { id: f.id, object: 'file', deleted: true }), true;
      }
      if (req.method === 'GET') return send(200, m[2] ? f.content : this.fileInfo(f), m[2] ? 'application/octet-stream' : 'application/json'), true;
    }
    if (req.method === 'POST' && path === '/openai/v1/batches') {
      const body = JSON.parse((await rawBody()).toString('utf8') || '{}') as Record<string, unknown>;
      if (body.endpoint !== '/v1/chat/completions') return send(400, bad('endpoint must be /v1/chat/completions', 'endpoint')), true;
      const windowSeconds = completionWindowSeconds(body.completion_window);
      if (windowSeconds === undefined) return send(400, bad(`completion_window must be a duration from 24h to 7d, got ${JSON.stringify(body.completion_window)}`, 'completion_window')), true;
      const input = this.files.get(String(body.input_file_id));
      if (!input) return send(400, bad(`input file ${String(body.input_file_id)} not found`, 'input_file_id')), true;
      const created = now();
      const batch: StoredBatch = {
        id: this.nextId('batch'), object: 'batch', endpoint: '/v1/chat/completions', input_file_id: input.id,
        completion_window: String(body.completion_window), status: 'validating', created_at: created, expires_at: created + windowSeconds,
        request_counts: { total: 0, completed: 0, failed: 0 }, metadata: (body.metadata as Record<string, string> | undefined) ?? null,
      };
      const lines = input.content.toString('utf8').split('\n').filter((l) => l.trim());
      const fate = this.options.fate?.({ id: batch.id, lines: lines.length, index: this.submitted.length }) ?? 'complete';
      this.fates.set(batch.id, fate);
      this.submitted.push({ id: batch.id, customIds: lines.map((l) => { try { return String((JSON.parse(l) as { custom_id?: unknown }).custom_id); } catch { return ''; } }), fate });
      this.batches.set(batch.id, batch);
      send(200, batch);
      return true;
    }
    // List: groq-sdk 1.6.0 `batches.list(options?)` → `GET /openai/v1/batches`, typed
    // `BatchListResponse {object: 'list', data: Batch[]}` (resources/batches.d.ts), each with its
    // `metadata`. Unknown (not in what was read): whether Groq pages the list (the SDK sends no
    // cursor or limit), its order, and how old a batch it still lists; here every batch, oldest first.
    if (req.method === 'GET' && path === '/openai/v1/batches') {
      this.listed++;
      return send(200, { object: 'list', data: [...this.batches.values()] }), true;
    }
    if ((m = /^\/openai\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path))) {
      const batch = this.batches.get(decodeURIComponent(m[1]));
      if (!batch) return send(404, bad(`batch ${m[1]} not found`, undefined, 'not_found')), true;
      if (req.method === 'POST' && m[2]) {
        if (['validating', 'in_progress', 'finalizing'].includes(batch.status)) Object.assign(batch, { status: 'cancelling', cancelling_at: now() });
        return send(200, batch), true;
      }
      if (req.method === 'GET' && !m[2]) {
        await this.advance(batch);
        return send(200, batch), true;
      }
    }
    send(404, bad(`Unknown request URL: ${req.method} ${req.url}`, undefined, 'unknown_url'));
    return true;
  }

  private fileInfo(f: StoredFile) {
    const { content: _content, ...info } = f;
    return info;
  }

  private writeFile(lines: unknown[], name: string): string {
    const content = Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''));
    const f: StoredFile = { id: this.nextId('file'), object: 'file', bytes: content.length, created_at: now(), filename: name, purpose: 'batch_output', content };
    this.files.set(f.id, f);
    return f.id;
  }

  /** One step of the lifecycle, taken when the batch's status is read. */
  private async advance(batch: StoredBatch): Promise<void> {
    const fate = this.fates.get(batch.id) ?? 'complete';
    switch (batch.status) {
      case 'cancelling':
        Object.assign(batch, { status: 'cancelled', cancelled_at: now() });
        return;
      case 'validating': {
        const errors = this.validate(batch);
        if (fate === 'fail' && errors.length === 0) errors.push({ code: 'invalid_file', message: 'the batch input file could not be validated', line: null, param: null });
        if (errors.length) {
          Object.assign(batch, { status: 'failed', failed_at: now(), errors: { object: 'list', data: errors } });
          return;
        }
        batch.request_counts.total = this.lines(batch).length;
        Object.assign(batch, { status: 'in_progress', in_progress_at: now() });
        return;
      }
      case 'in_progress': {
        const lines = this.lines(batch);
        const ranBefore = typeof fate === 'object' ? (fate.ranBeforeExpiry ?? 0) : lines.length;
        const output: unknown[] = [];
        const failed: unknown[] = [];
        for (const [i, line] of lines.entries()) {
          const reqId = `batch_req_${batch.id.slice(-8)}_${i}`;
          if (i >= ranBefore) {
            // the code for a request the window closed on is OpenAI's; Groq's is not documented
            failed.push({ id: reqId, custom_id: line.custom_id, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } });
            continue;
          }
          const r = await this.runLine(line.body, batch.id);
          const out = { id: reqId, custom_id: line.custom_id, response: { status_code: r.status, request_id: r.requestId, body: r.body }, error: null };
          (r.status === 200 ? output : failed).push(out);
        }
        batch.request_counts.completed = output.length;
        batch.request_counts.failed = failed.length;
        if (output.length) batch.output_file_id = this.writeFile(output, `batch_${batch.id}_output.jsonl`);
        if (failed.length) batch.error_file_id = this.writeFile(failed, `batch_${batch.id}_error.jsonl`);
        if (typeof fate === 'object') Object.assign(batch, { status: 'expired', expired_at: now() });
        else Object.assign(batch, { status: 'finalizing', finalizing_at: now() });
        return;
      }
      case 'finalizing':
        Object.assign(batch, { status: 'completed', completed_at: now() });
        return;
      default:
        return;
    }
  }

  private lines(batch: StoredBatch): { custom_id: string; body: unknown }[] {
    const f = this.files.get(batch.input_file_id);
    return (f?.content.toString('utf8').split('\n').filter((l) => l.trim()) ?? []).map((l) => JSON.parse(l) as { custom_id: string; body: unknown });
  }

  /** The file-level checks a batch goes through while `validating`. */
  private validate(batch: StoredBatch): NonNullable<StoredBatch['errors']>['data'] {
    const errors: NonNullable<StoredBatch['errors']>['data'] = [];
    const f = this.files.get(batch.input_file_id);
    const raw = f?.content.toString('utf8').split('\n') ?? [];
    const maxLines = this.options.maxLines ?? 50_000;
    const lines = raw.map((l, i) => ({ l, line: i + 1 })).filter((x) => x.l.trim());
    if (lines.length === 0) return [{ code: 'empty_file', message: 'the input file has no requests', line: null, param: null }];
    if (lines.length > maxLines) return [{ code: 'too_many_requests', message: `the input file has ${lines.length} requests; the limit is ${maxLines}`, line: null, param: null }];
    const seen = new Set<string>();
    for (const { l, line } of lines) {
      let parsed: { custom_id?: unknown; method?: unknown; url?: unknown; body?: { model?: unknown; stream?: unknown } };
      try {
        parsed = JSON.parse(l) as typeof parsed;
      } catch {
        errors.push({ code: 'invalid_json_line', message: 'this line is not valid JSON', line, param: null });
        continue;
      }
      if (typeof parsed.custom_id !== 'string' || !parsed.custom_id) errors.push({ code: 'missing_required_parameter', message: 'custom_id is required', line, param: 'custom_id' });
      else if (seen.has(parsed.custom_id)) errors.push({ code: 'duplicate_custom_id', message: `custom_id ${parsed.custom_id} appears twice`, line, param: 'custom_id' });
      else seen.add(parsed.custom_id);
      if (parsed.method !== 'POST') errors.push({ code: 'invalid_value', message: 'method must be POST', line, param: 'method' });
      if (parsed.url !== '/v1/chat/completions') errors.push({ code: 'invalid_url', message: 'url must be /v1/chat/completions', line, param: 'url' });
      if (!parsed.body || typeof parsed.body.model !== 'string' || !this.served().has(parsed.body.model)) errors.push({ code: 'model_not_found', message: `model ${String(parsed.body?.model)} is not available for batch`, line, param: 'body.model' });
      if (parsed.body?.stream === true) errors.push({ code: 'invalid_value', message: 'stream is not supported in a batch', line, param: 'body.stream' });
    }
    return errors;
  }
}
