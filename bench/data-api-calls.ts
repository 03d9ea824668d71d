/**
 * Data API calls a lead: the quick start's run (the sample seller searching the bundled lead
 * directory for each of its ICPs, the sample web, the offline researcher), through
 * the LOCAL STATE MACHINE with the Data API adapter (`DataApiSql` and the real RDSDataClient)
 * against the loopback Data API (test/fakes/fake-data-api.ts): each statement is one call, and
 * each transaction a BeginTransaction and a CommitTransaction (or RollbackTransaction) more. This
 * is the figure the 1,000,000-leads-a-day model multiplies (README); counting statements on
 * PGlite would miss the transaction calls. Calls are counted as the client sends them (a
 * middleware on the RDSDataClient, once per API call: a retry of the same call is not counted).
 *
 * The run's leads are what a real one holds: most researched, some drafted (those whose fit
 * reaches their ICP's threshold), some skipped or failed early. Each call is put down to the step
 * that made it through the async context of the step's handler, so steps running at once (the
 * ICP searches, the leads of a batch) are told apart. The figures: calls a lead (the steps' calls
 * over the run's new leads), by operation and by step, and the leads researched and drafted.
 *
 *   node local/bin/run-ts.mjs bench/data-api-calls.ts [--json] [--leads N]
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLED_DIRECTORY_FILE, DirectoryLeadSearch, type DirectoryEntry } from '#adapters/directory-lead-search.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { dataApiSqlOn } from '#test/helpers/data-api-runtime.ts';
import { pgTemplates } from '#test/helpers/pg-templates.ts';
import { SAMPLE_ONBOARDING } from './tokens.ts';

export interface DataApiCallsOptions {
  /** the first N entries of the bundled lead directory (default all of it: 50, 40 of them new leads) */
  leads?: number;
  log?: (line: string) => void;
}

export interface DataApiCallsBench {
  leads: number;
  leadsResearched: number;
  leadsDrafted: number;
  /** every Data API call the run's steps made (what the Lambda functions would send; the local runner's own reads before and after are left out) */
  calls: number;
  callsPerLead: number;
  /** calls by Data API operation (ExecuteStatement, BeginTransaction, CommitTransaction, …) */
  byOperation: Record<string, number>;
  /** calls by state machine step, with calls a lead for each */
  bySteps: { step: string; calls: number; perLead: number }[];
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Runs the quick start's run (the directory's first `leads` entries) with the Data API as the database; counts the calls. */
export async function benchDataApiCalls(options: DataApiCallsOptions = {}): Promise<DataApiCallsBench> {
  const directory = JSON.parse(await readFile(BUNDLED_DIRECTORY_FILE, 'utf8')) as DirectoryEntry[];
  const entries = directory.slice(0, options.leads ?? directory.length);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const home = await mkdtemp(join(tmpdir(), 'bench-data-api-'));
  // migrated from the test run's template when there is one (the migrations are not what is counted)
  const fake = await FakeDataApi.start(pgTemplates() ? { schema: 'migrated' } : {});
  const client = fake.client();
  // the step whose handler is running, for every call made in its async context
  const stepOf = new AsyncLocalStorage<string>();
  const bySteps = new Map<string, number>();
  const byOperation: Record<string, number> = {};
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const step = stepOf.getStore();
      if (step) {
        const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
        byOperation[operation] = (byOperation[operation] ?? 0) + 1;
        bySteps.set(step, (bySteps.get(step) ?? 0) + 1);
        calls++;
      }
      return next(args);
    },
    { step: 'initialize', name: 'countCallsByStep' },
  );
  const sql = dataApiSqlOn(fake, client);
  try {
    log(`data API calls: ${entries.length} directory entries through the loopback Data API…`);
    const rt = await openLocal({
      env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_FETCH_TIMEOUT_MS: '5000' },
      sql,
      leadSearch: new DirectoryLeadSearch({ entries }),
    });
    try {
      await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
      const wrap = (state: string, fn: StepHandler): StepHandler => (event) => stepOf.run(state, () => fn(event));
      const summary = await runOnce(rt, { wrap });
      const leads = summary.leadsNew;
      return {
        leads,
        leadsResearched: summary.leadsResearched,
        leadsDrafted: summary.leadsDrafted,
        calls,
        callsPerLead: round(calls / Math.max(1, leads)),
        byOperation,
        bySteps: [...bySteps]
          .map(([step, calls]) => ({ step, calls, perLead: round(calls / Math.max(1, leads)) }))
          .sort((a, b) => b.calls - a.calls),
      };
    } finally {
      await rt.close();
    }
  } finally {
    await sql.close();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
}

export function formatDataApiCalls(r: DataApiCallsBench): string {
  const ops = Object.entries(r.byOperation).sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${n}`).join(' · ');
  return [
    `Data API calls: ${r.leads} leads (${r.leadsResearched} researched, ${r.leadsDrafted} drafted), ${r.calls} calls, ${r.callsPerLead} a lead`,
    `  ${ops}`,
    ...r.bySteps.filter((s) => s.calls > 0).map((s) => `  ${s.step.padEnd(22)} ${String(s.calls).padStart(6)} calls · ${s.perLead} a lead`),
  ].join('\n');
}

export function dataApiCallsOptionsFromArgs(args: string[]): DataApiCallsOptions {
  const i = args.indexOf('--leads');
  return i >= 0 ? { leads: Number(args[i + 1]) } : {};
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const result = await benchDataApiCalls(dataApiCallsOptionsFromArgs(args));
  console.log(args.includes('--json') ? JSON.stringify(result) : formatDataApiCalls(result));
}
