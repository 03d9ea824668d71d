/**
 * The local composition root: PGlite under PROSPECTOR_HOME, a folder lake, the bundled lead
 * directory and sample web on loopback, Groq when GROQ_API_KEY is set and the offline heuristic
 * researcher otherwise. Builds `Deps` once and runs the state machine over them.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { DirectoryLeadSearch } from '#adapters/directory-lead-search.ts';
import { FolderLake } from '#adapters/folder-lake.ts';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { GroqBatch } from '#adapters/groq-batch.ts';
import { GuardedWeb } from '#adapters/guarded-web.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { clusterCacheDir, PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { ProspectorError, ValidationError } from '#core/errors.ts';
import { plainWords } from '#core/issue-words.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import { jsonLog } from '#core/log.ts';
import { parseAllowList } from '#core/net/allow-list.ts';
import type { LlmBatch } from '#core/llm/batch.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { finishRun, summarizeRun, type RunSummary } from '#core/pipeline/finish-run.ts';
import { MAX_SEARCH_RESULTS } from '#core/pipeline/search-leads.ts';
import { sha256 } from '#core/pipeline/util.ts';
import type { Lake, LeadCandidate, LeadSearch, Llm, Log, Sql, Web } from '#core/ports.ts';
import { loadLocalConfig, type LocalConfig } from './config.ts';
// The state machine interpreter (aws-local-stepfunctions, the AWS SDK's Lambda client, an ASL
// validator) and the sample web load only when a run needs them, not for `runs` or `show`.
import type { ExecuteOptions } from './state-machine.ts';
import type { StepHandler } from '#handlers/runtime.ts';

export interface OpenLocalOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides for tests and benchmarks: any port adapter can be swapped. */
  llm?: Llm;
  /** Groq's Batch API for batch-mode runs (default: on Groq's key, when no `llm` is given). */
  llmBatch?: LlmBatch;
  web?: Web;
  leadSearch?: LeadSearch;
  log?: Log;
  /** Serve the bundled sample web on loopback (default true). */
  sampleWeb?: boolean;
  sampleWebSlowMs?: number;
  /** Serve the sample web from this folder of sites instead of the bundled one (tests that edit a site). */
  sampleWebRoot?: string;
  /** Open this database folder instead of PROSPECTOR_HOME/db (a copy of a read-only home's). */
  dbDir?: string;
  /** A database already open (kept between commands): used instead of opening one, and left open by `close()`. */
  sql?: Sql;
}

export interface LocalRuntime {
  config: LocalConfig;
  deps: Deps;
  sampleWebOrigin?: string;
  close(): Promise<void>;
}

/** Opens the embedded database (migrated), the lake and the adapters. */
export async function openLocal(options: OpenLocalOptions = {}): Promise<LocalRuntime> {
  const config = loadLocalConfig(options.env ?? process.env);
  await mkdir(config.home, { recursive: true });
  const log = options.log ?? jsonLog({ level: config.logLevel });
  const sql = options.sql ?? (await PgliteSql.open({ dataDir: options.dbDir ?? join(config.home, 'db'), clusterCache: clusterCacheDir() }));
  const closers: (() => Promise<void>)[] = options.sql ? [] : [() => sql.close()];
  try {
    await migrate(sql);
    const lake = new FolderLake(join(config.home, 'lake'));

    let sampleWebOrigin: string | undefined;
    let web = options.web;
    if (!web) {
      const allow = parseAllowList(config.fetchAllow);
      const connectTo: Record<string, string> = {};
      if (options.sampleWeb !== false) {
        const { startSampleWeb } = await import('./sample-web/server.ts');
        const server = await startSampleWeb({ slowMs: options.sampleWebSlowMs, root: options.sampleWebRoot, version: config.sampleWebVersion });
        closers.push(() => server.close());
        sampleWebOrigin = server.origin;
        // The sample web's hosts are reached on loopback through an explicit allow-list entry
        // for exactly that address and port; the SSRF guard stays on for everything else.
        allow.push(...parseAllowList(`${server.host}:${server.port}`));
        // Only the sample web's own hosts are mapped; any other name goes through the normal
        // (offline: refused) resolution, as an unregistered domain would.
        for (const domain of server.domains) {
          connectTo[domain] = `http://${server.host}:${server.port}`;
          connectTo[`www.${domain}`] = `http://${server.host}:${server.port}`;
        }
      }
      web = new GuardedWeb({
        allow,
        connectTo,
        offline: !config.online,
        hostDelayMs: config.hostDelayMs,
        totalTimeoutMs: config.fetchTimeoutMs,
        logger: log,
      });
    }

    const llm =
      options.llm ??
      (config.groqApiKey
        ? new GroqLlm({ apiKey: config.groqApiKey, baseURL: config.groqBaseUrl, onDailyLimit: config.onDailyLimit })
        : new HeuristicLlm());

    const deps: Deps = {
      sql,
      lake,
      llm,
      ...(options.llmBatch ? { llmBatch: options.llmBatch } : config.groqApiKey && !options.llm ? { llmBatch: new GroqBatch({ apiKey: config.groqApiKey, baseURL: config.groqBaseUrl }) } : {}),
      leadSearch: options.leadSearch ?? new DirectoryLeadSearch(),
      web,
      log,
      clock: { now: () => new Date() },
      newId: randomUUID,
      config: config.pipeline,
    };
    return {
      config,
      deps,
      sampleWebOrigin,
      close: async () => {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

const LeadRow = z.object({
  company_name: z.string().max(500),
  company_website: z.string().max(2000),
  lead_email: z.string().max(500),
  lead_name: z.string().max(500),
});
const LEAD_COLUMNS = ['company_name', 'company_website', 'lead_email', 'lead_name'];

/** The expected column closest to a misspelt one (`lead_emial` → `lead_email`), if plausibly a typo. */
export function closestColumn(found: string, expected = LEAD_COLUMNS): string | undefined {
  const distance = (a: string, b: string) => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
    return prev[b.length];
  };
  const scored = expected.map((e) => ({ e, d: distance(found.toLowerCase(), e) })).sort((a, b) => a.d - b.d);
  return scored[0] && scored[0].d <= Math.max(2, Math.floor(found.length / 4)) ? scored[0].e : undefined;
}

const DELIMITERS: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** The delimiter of a CSV header line: the candidate that splits it into the most fields. */
export function detectDelimiter(header: string): string {
  let best = ',';
  for (const d of Object.keys(DELIMITERS)) if (header.split(d).length > header.split(best).length) best = d;
  return best;
}

export interface ReadLeadsOptions {
  /** Told about a file that is valid but holds no leads. */
  onWarning?: (message: string) => void;
}

/**
 * Reads a CSV (header company_name,company_website,lead_email,lead_name; comma, semicolon, tab or
 * pipe delimited) or a JSON array of leads. Errors name the file and say what was found and
 * what was expected.
 */
export async function readLeadsFile(path: string, options: ReadLeadsOptions = {}): Promise<LeadCandidate[]> {
  const fail = (where: string, message: string): never => {
    throw new ValidationError('leads file', [{ path: where, message }]);
  };
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(path, code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? 'error'})`);
  }
  text = text.replace(/^\uFEFF/, '');
  let rows: unknown;
  if (extname(path).toLowerCase() === '.json' || /^\s*[[{]/.test(text)) {
    try {
      rows = JSON.parse(text);
    } catch (error) {
      fail(path, `is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(rows)) {
      const arrays = rows && typeof rows === 'object' ? Object.entries(rows).filter(([, v]) => Array.isArray(v)).map(([k]) => k) : [];
      fail(
        path,
        `holds a JSON ${rows === null ? 'null' : typeof rows === 'object' ? 'object' : typeof rows} where a list of leads was expected: ` +
          `write a JSON array, [{"company_name": …, "company_website": …, "lead_email": …, "lead_name": …}, …]` +
          (arrays.length ? ` (the list under "${arrays[0]}" may be what you meant)` : ''),
      );
    }
  } else {
    const header = text.split(/\r?\n/, 1)[0];
    const delimiter = detectDelimiter(header);
    const columns = header.split(delimiter).map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
    const missing = LEAD_COLUMNS.filter((h) => !columns.includes(h));
    if (missing.length) {
      const hints = columns
        .filter((c) => !LEAD_COLUMNS.includes(c))
        .map((c) => [c, closestColumn(c)] as const)
        .filter(([, e]) => e && missing.includes(e))
        .map(([c, e]) => `found \`${c}\`; did you mean \`${e}\`?`);
      fail(
        `${path}: header`,
        `missing column(s) ${missing.join(', ')}; found ${columns.map((c) => `\`${c}\``).join(', ')} (${DELIMITERS[delimiter]}-delimited)` +
          (hints.length ? `; ${hints.join('; ')}` : `; expected ${LEAD_COLUMNS.join(', ')}`),
      );
    }
    try {
      rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, delimiter });
    } catch (error) {
      fail(path, `is not valid CSV (${DELIMITERS[delimiter]}-delimited): ${(error as Error).message}`);
    }
  }
  const count = (rows as unknown[]).length;
  if (count > MAX_SEARCH_RESULTS) {
    fail(path, `holds ${count.toLocaleString('en-US')} leads; one run takes at most ${MAX_SEARCH_RESULTS.toLocaleString('en-US')} from a file: split it and run each part (\`prospector run --leads PART\`)`);
  }
  const parsed = z.array(LeadRow).safeParse(rows, { error: plainWords(rows) });
  if (!parsed.success) {
    // "row 1: company_website is missing"
    throw new ValidationError(
      'leads file',
      parsed.error.issues.map((i) =>
        i.path.length ? { path: `row ${Number(i.path[0]) + 1}`, message: i.path.length > 1 ? `${i.path.slice(1).join('.')} ${i.message}` : i.message } : { path, message: i.message },
      ),
    );
  }
  if (parsed.data.length === 0) options.onWarning?.(`leads file ${path} has no rows: the run has no leads to research`);
  return parsed.data;
}

/** Stores leads in the lake (content-addressed) and returns the key an execution input names. */
export async function stageLeads(lake: Lake, leads: LeadCandidate[]): Promise<string> {
  const body = JSON.stringify(leads);
  const key = lakeKeys.leadsInput(sha256(body));
  await lake.put(key, body, { contentType: 'application/json' });
  return key;
}

/**
 * Closes runs left `running` by a process that died, exactly as the state machine's RunFailed
 * path closes a failed run: the run is `interrupted` and its unfinished leads fail with a
 * lead_failure row, so history stays truthful and `redrive` can pick them up. The run ends at
 * its last recorded activity (not now), so its duration is the time it really ran.
 */
export async function closeInterruptedRuns(deps: Deps): Promise<number> {
  const runs = await deps.sql.query<{ id: string; last: string }>(
    `SELECT r.id, greatest(r.started_at,
              (SELECT max(updated_at) FROM run_lead WHERE run_id = r.id),
              (SELECT max(created_at) FROM llm_call WHERE run_id = r.id),
              (SELECT max(executed_at) FROM search_query WHERE run_id = r.id)) AS last
     FROM run r WHERE r.status = 'running'`,
  );
  for (const { id, last } of runs.rows) {
    const at = new Date(last);
    await finishRun({ ...deps, clock: { now: () => at } }, { runId: id, error: { Error: 'Interrupted', Cause: 'the process ended before the run finished' } });
  }
  return runs.rows.length;
}

/** A run stopped before StartRun recorded it: there is nothing to close or redrive. */
export class InterruptedBeforeStartError extends ProspectorError {
  constructor() {
    super('interrupted before the run started: nothing was recorded');
    this.name = 'InterruptedBeforeStartError';
  }
}

/** How often a local batch-mode run reads its Groq batch's status (the state machine's WaitForLlmBatch). */
export const LOCAL_BATCH_POLL_MS = 30_000;

export interface RunOptions extends ExecuteOptions {
  leadsFile?: string;
  /** Leads given directly instead of a file (staged in the lake the same way). */
  leads?: LeadCandidate[];
  workspace?: string;
  /** One ICP's slug: the leads file's leads belong to it, or the run searches for it alone (StartRun's `icp`). */
  icp?: string;
  redriveRunId?: string;
  /** Batch mode: the research goes to Groq's Batch API in rounds (needs GROQ_API_KEY). */
  groqBatch?: boolean;
  /**
   * Stops the run at a safe point when aborted: no step starts after it, a fetch in flight is
   * given up at once (it only waits on a site and commits nothing), the other steps in flight
   * get `graceMs` to finish (each commits on its own), then the execution is abandoned and the
   * run closed as `interrupted`, its unfinished leads failed so that `redrive` re-processes them.
   */
  stop?: AbortSignal;
  /** How long steps in flight may take to finish after `stop` (default 5 s). */
  graceMs?: number;
  /** Told about something the user should know that does not stop the run (an empty leads file). */
  onWarning?: (message: string) => void;
  /** Called once `stop` is seen, with how many steps are in flight. */
  onStopping?: (inFlight: number) => void;
}

/** One execution of the state machine on the local runtime; returns the run summary. */
export async function runOnce(rt: LocalRuntime, options: RunOptions = {}): Promise<RunSummary> {
  // The home's lock (local/lock.ts) admits one process, so any run still marked running was
  // interrupted: its process died.
  await closeInterruptedRuns(rt.deps);
  const input: Record<string, unknown> = { trigger: 'manual' };
  if (options.workspace) input.workspace = options.workspace;
  if (options.icp !== undefined) input.icp = options.icp;
  const leads = options.leads ?? (options.leadsFile ? await readLeadsFile(options.leadsFile, { onWarning: options.onWarning }) : undefined);
  if (leads) input.leadsKey = await stageLeads(rt.deps.lake, leads);
  if (options.redriveRunId) input.redrive = { runId: options.redriveRunId };
  if (options.groqBatch) input.groqBatch = true;

  const stop = options.stop;
  let runId: string | undefined = options.redriveRunId;
  const inFlight = new Set<Promise<unknown>>();
  const abandon = new AbortController();
  let interrupted = false;
  const wrap = (state: string, fn: StepHandler): StepHandler => {
    const inner = options.wrap ? options.wrap(state, fn) : fn;
    return async (event) => {
      // After a stop no step starts: it waits until the execution is abandoned, then fails. A
      // step that never settled would keep its state's TimeoutSeconds timer (up to 5 minutes),
      // and with it the process, alive after the run was closed.
      if (stop?.aborted) return untilAbandoned(abandon.signal);
      const call = inner(event);
      inFlight.add(call);
      try {
        const out = await call;
        if (state === 'StartRun') runId = (out as { runId?: string }).runId ?? runId;
        return out;
      } finally {
        inFlight.delete(call);
      }
    };
  };
  const onStop = () => {
    options.onStopping?.(inFlight.size);
    void (async () => {
      const deadline = Date.now() + (options.graceMs ?? 5000);
      while (inFlight.size > 0 && Date.now() < deadline) await Promise.race([...inFlight, sleep(100)]).catch(() => undefined);
      interrupted = true;
      abandon.abort();
    })();
  };
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  try {
    const { executeLocally } = await import('./state-machine.ts');
    // Batch mode polls Groq's batch every 30 s locally (the cloud's Wait is 10 minutes).
    const waitTimeOverrides = options.groqBatch ? { WaitForLlmBatch: LOCAL_BATCH_POLL_MS, ...options.waitTimeOverrides } : options.waitTimeOverrides;
    const deps = stop ? { ...rt.deps, web: webUntil(rt.deps.web, stop) } : rt.deps;
    const output = (await executeLocally(deps, input, { ...options, waitTimeOverrides, wrap, signal: abandon.signal })) as { runId: string };
    // The execution returns counts only; the full summary (which names leads) comes from the database.
    return await summarizeRun(rt.deps.sql, output.runId);
  } catch (error) {
    if (!interrupted) {
      // The state machine's RunFailed path closed the run with its reason: report it as a
      // failed run (its summary says why), not as the interpreter's ExecutionError.
      const closed = runId ? await rt.deps.sql.query<{ status: string }>(`SELECT status FROM run WHERE id = :runId::uuid`, { runId }) : undefined;
      if (closed?.rows[0]?.status === 'failed') return summarizeRun(rt.deps.sql, runId!);
      throw error;
    }
    if (!runId) throw new InterruptedBeforeStartError();
    const by = stop?.reason instanceof Error ? stop.reason.message : typeof stop?.reason === 'string' ? stop.reason : 'a stop request';
    await finishRun(rt.deps, { runId, error: { Error: 'Interrupted', Cause: `stopped by ${by}` } });
    return summarizeRun(rt.deps.sql, runId);
  } finally {
    stop?.removeEventListener('abort', onStop);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settles only by failing, once `signal` is aborted (the execution abandoned): nothing runs meanwhile. */
function untilAbandoned(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const fail = () => reject(Object.assign(new Error('not started: the run was stopped'), { name: 'Abandoned' }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/**
 * The web with every fetch and robots.txt check given up when `stop` is aborted: the step in
 * flight gets FetchStoppedError at once, which no step records as the page's or lead's failure.
 */
function webUntil(web: Web, stop: AbortSignal): Web {
  return {
    fetch: (url, options) => web.fetch(url, { ...options, signal: stop }),
    allowedByRobots: (url) => web.allowedByRobots(url, { signal: stop }),
  };
}
