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
import { GuardedWeb } from '#adapters/guarded-web.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { PgliteSql } from '#adapters/pglite-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { ValidationError } from '#core/errors.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import { jsonLog } from '#core/log.ts';
import { parseAllowList } from '#core/net/allow-list.ts';
import type { Deps } from '#core/pipeline/deps.ts';
import { finishRun, summarizeRun, type RunSummary } from '#core/pipeline/finish-run.ts';
import { sha256 } from '#core/pipeline/util.ts';
import type { Lake, LeadCandidate, LeadSearch, Llm, Log, Web } from '#core/ports.ts';
import { loadLocalConfig, type LocalConfig } from './config.ts';
import { startSampleWeb } from './sample-web/server.ts';
import { executeLocally, type ExecuteOptions } from './state-machine.ts';

export interface OpenLocalOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides for tests and benchmarks: any port adapter can be swapped. */
  llm?: Llm;
  web?: Web;
  leadSearch?: LeadSearch;
  log?: Log;
  /** Serve the bundled sample web on loopback (default true). */
  sampleWeb?: boolean;
  sampleWebSlowMs?: number;
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
  const sql = await PgliteSql.open({ dataDir: join(config.home, 'db') });
  const closers: (() => Promise<void>)[] = [() => sql.close()];
  try {
    await migrate(sql);
    const lake = new FolderLake(join(config.home, 'lake'));

    let sampleWebOrigin: string | undefined;
    let web = options.web;
    if (!web) {
      const allow = parseAllowList(config.fetchAllow);
      const connectTo: Record<string, string> = {};
      if (options.sampleWeb !== false) {
        const server = await startSampleWeb({ slowMs: options.sampleWebSlowMs });
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

/** Reads a CSV (header company_name,company_website,lead_email,lead_name) or JSON array of leads. */
export async function readLeadsFile(path: string): Promise<LeadCandidate[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError('leads file', [{ path, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  let rows: unknown;
  if (extname(path).toLowerCase() === '.json' || /^\s*\[/.test(text)) {
    try {
      rows = JSON.parse(text);
    } catch (error) {
      throw new ValidationError('leads file', [{ path, message: `is not valid JSON: ${(error as Error).message}` }]);
    }
  } else {
    try {
      rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
    } catch (error) {
      throw new ValidationError('leads file', [{ path, message: `is not valid CSV: ${(error as Error).message}` }]);
    }
    const header = text.split(/\r?\n/, 1)[0].replace(/^\uFEFF/, '').split(',').map((h) => h.trim());
    const missing = ['company_name', 'company_website', 'lead_email', 'lead_name'].filter((h) => !header.includes(h));
    if (missing.length) throw new ValidationError('leads file', [{ path: `${path}: header`, message: `missing column(s) ${missing.join(', ')}` }]);
  }
  const parsed = z.array(LeadRow).safeParse(rows);
  if (!parsed.success) {
    throw new ValidationError(
      'leads file',
      parsed.error.issues.map((i) => ({ path: i.path.length ? `row ${Number(i.path[0]) + 1}${i.path.length > 1 ? `.${i.path.slice(1).join('.')}` : ''}` : path, message: i.message })),
    );
  }
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
 * path closes a failed run: the run fails with the reason and its unfinished leads fail with a
 * lead_failure row, so history stays truthful and `redrive` can pick them up.
 */
export async function closeInterruptedRuns(deps: Deps): Promise<number> {
  const runs = await deps.sql.query<{ id: string }>(`SELECT id FROM run WHERE status = 'running'`);
  for (const { id } of runs.rows) {
    await finishRun(deps, { runId: id, error: { Error: 'Interrupted', Cause: 'the process ended before the run finished' } });
  }
  return runs.rows.length;
}

export interface RunOptions extends ExecuteOptions {
  leadsFile?: string;
  /** Leads given directly instead of a file (staged in the lake the same way). */
  leads?: LeadCandidate[];
  workspace?: string;
  redriveRunId?: string;
}

/** One execution of the state machine on the local runtime; returns the run summary. */
export async function runOnce(rt: LocalRuntime, options: RunOptions = {}): Promise<RunSummary> {
  // One process owns the embedded database, so any run still marked running was interrupted.
  await closeInterruptedRuns(rt.deps);
  const input: Record<string, unknown> = { trigger: 'manual' };
  if (options.workspace) input.workspace = options.workspace;
  const leads = options.leads ?? (options.leadsFile ? await readLeadsFile(options.leadsFile) : undefined);
  if (leads) input.leadsKey = await stageLeads(rt.deps.lake, leads);
  if (options.redriveRunId) input.redrive = { runId: options.redriveRunId };
  const output = (await executeLocally(rt.deps, input, options)) as { runId: string };
  // The execution returns counts only; the full summary (which names leads) comes from the database.
  return summarizeRun(rt.deps.sql, output.runId);
}
