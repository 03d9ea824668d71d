/**
 * `prospector`: the local command line. Every command opens the embedded runtime under
 * PROSPECTOR_HOME, does one thing, and closes it (PGlite must be closed or Node never exits).
 */
import '#core/polyfills.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ProspectorError, ValidationError } from '#core/errors.ts';
import { HomeLockedError } from './lock.ts';
import { formatSummary, table } from './format.ts';
import { checkOutFile, writeOutFile } from './out-file.ts';
import { progress } from './progress.ts';
import { cliContext, setWorkspaceFlag } from './cli-context.ts';
import { extraCommands } from './commands/index.ts';
import { chosenWorkspace, latestRunOrFail, resolveRunId, resolveWorkspace } from './commands/resolve.ts';
import type { LocalRuntime } from './runner.ts';
import type { ImportSummary } from '#core/onboarding/import.ts';

export const SAMPLE_ONBOARDING = join(import.meta.dirname, 'data', 'sample-onboarding.yaml');

/** Parses `--limit`: a whole number from 1 to 10000. */
export function parseLimit(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > 10_000) {
    throw new InvalidArgumentError(`"${text}" is not a number of runs: give a whole number from 1 to 10000, e.g. --limit 5`);
  }
  return Number(text);
}

export { parseInterval } from './interval.ts';
import { parseInterval } from './interval.ts';

const { withRuntime } = cliContext;
let stdoutClosed = false;
/** Writes to stdout unless the reader has gone (EPIPE): then the command ends quietly. */
const write = (text: string) => {
  if (!stdoutClosed && !process.stdout.destroyed) process.stdout.write(text);
};
const print = (text: string) => write(`${text}\n`);
const chosen = () => cliContext.workspace();

async function onboard(rt: LocalRuntime, file: string, json: boolean): Promise<void> {
  const { importOnboarding, loadOnboardingFile } = await import('#core/onboarding/import.ts');
  const onboarding = await loadOnboardingFile(file);
  const result = await importOnboarding(rt.deps.sql, onboarding, { lake: rt.deps.lake });
  if (json) print(JSON.stringify(result));
  else {
    print(
      `${result.created ? 'Onboarded' : 'Updated'} workspace "${onboarding.workspace.slug}": ${result.icps} ICPs, ` +
        `${result.personas} personas, ${result.products} products, ${result.users} users, ${result.suppressions} suppressions, ` +
        `${result.knowledge.documents} knowledge documents (${result.knowledge.passages} passages).`,
    );
    if (result.sequencesStopped.length) {
      print(`Stopped ${result.sequencesStopped.length} open sequence(s) whose leads the onboarding now leaves out:`);
      for (const s of result.sequencesStopped) print(`  ${s.sequenceId.slice(0, 8)} to ${s.lead}: ${s.reason}`);
    }
    for (const line of await importNotes(result)) print(line);
  }
}

/**
 * What an import leaves to do, a line each: a user it removed, with the work they leave and the
 * command that hands it over; then its warnings.
 */
async function importNotes(result: Pick<ImportSummary, 'usersRemoved' | 'warnings'>): Promise<string[]> {
  const warnings = result.warnings.map((w) => `Warning: ${w}.`);
  if (result.usersRemoved.length === 0) return warnings;
  const { workLeft } = await import('#core/outreach/hand-over.ts');
  return [...result.usersRemoved.map((u) => {
    const left = workLeft(u);
    const sending = u.sending ? ` ${u.sending} approved or sending sequence(s) go on from their mailbox (--stop-sending stops them).` : '';
    return `Removed user ${u.email}.${left ? ` ${left} wait for another rep: prospector reps hand-over ${u.email} --to REP.` : ''}${sending}`;
  }), ...warnings];
}

/**
 * Ctrl-C (SIGINT) or SIGTERM during a run: the first asks the run to stop at a safe point; a
 * second quits at once (the next command closes the run as interrupted).
 */
function stopOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write('\nquitting now; the next command closes the run as interrupted\n');
      process.exit(name === 'SIGTERM' ? 143 : 130);
    }
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The exit code for a stop by `reason` (128 + the signal number, as shells report it). */
const stopExitCode = (reason: unknown) => (reason === 'SIGTERM' ? 143 : 130);

async function runAndReport(
  rt: LocalRuntime,
  opts: { leads?: string; icp?: string; json?: boolean; workspace?: string; redrive?: string; groqBatch?: boolean },
  stop: AbortSignal,
): Promise<number> {
  const started = Date.now();
  const bar = progress(process.stderr);
  const { runOnce } = await import('./runner.ts');
  const summary = await runOnce(rt, {
    leadsFile: opts.leads,
    ...(opts.icp !== undefined ? { icp: opts.icp } : {}),
    workspace: opts.workspace,
    redriveRunId: opts.redrive,
    ...(opts.groqBatch ? { groqBatch: true } : {}),
    onEvent: (e) => bar.onEvent(e),
    onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    stop,
    onStopping: (n) =>
      process.stderr.write(`\nstopping: no new lead starts; fetches stop now; ${n} step(s) in flight get up to 5 s to finish (Ctrl-C again quits at once)\n`),
  });
  bar.done();
  if (opts.json) print(JSON.stringify(summary));
  else print(formatSummary(summary, { seconds: (Date.now() - started) / 1000, lake: rt.deps.lake.location }));
  if (summary.status === 'interrupted') {
    process.stderr.write(`Run ${summary.runId.slice(0, 8)} interrupted: ${summary.leadsFailed} lead(s) not finished. Resume them with \`prospector redrive ${summary.runId.slice(0, 8)}\`\n`);
    return stopExitCode(stop.reason);
  }
  return summary.status === 'succeeded' ? 0 : 1;
}

/**
 * The workspace `start` runs: the chosen one; else the only one; else (none yet) the sample
 * seller, onboarded now; with several and none chosen, the sample seller if it is one of them
 * (said on stderr), since `start` is the quick start over the sample directory.
 */
async function startWorkspace(rt: LocalRuntime): Promise<string> {
  const choice = chosen();
  if (choice) return (await resolveWorkspace(rt.deps.sql, choice)).slug;
  const all = await rt.deps.sql.query<{ slug: string }>(`SELECT slug FROM workspace ORDER BY slug`);
  if (all.rows.length === 0) {
    await onboard(rt, SAMPLE_ONBOARDING, false);
    return (await resolveWorkspace(rt.deps.sql, undefined)).slug;
  }
  if (all.rows.length === 1) return all.rows[0].slug;
  const { loadOnboardingFile } = await import('#core/onboarding/import.ts');
  const sample = (await loadOnboardingFile(SAMPLE_ONBOARDING)).workspace.slug;
  if (all.rows.some((w) => w.slug === sample)) {
    process.stderr.write(`several workspaces are onboarded (${all.rows.map((w) => w.slug).join(', ')}): start runs the sample seller "${sample}"; choose another with --workspace SLUG\n`);
    return sample;
  }
  return (await resolveWorkspace(rt.deps.sql, undefined)).slug;
}

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('prospector')
    .description('Lead research with evidence: find leads, fetch their sites into a lake, research them, commit grounded facts.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .option('--debug', 'print the details of an error (as PROSPECTOR_LOG_LEVEL=debug does)')
    .option('--workspace <slug>', 'the workspace (seller) to act on; needed once several are onboarded (default: $PROSPECTOR_WORKSPACE, or the only one)')
    .configureHelp({ showGlobalOptions: true })
    .hook('preAction', (_program, action) => setWorkspaceFlag(action.optsWithGlobals<{ workspace?: string }>().workspace))
    .addHelpText(
      'after',
      `
Environment:
  PROSPECTOR_HOME       where the embedded database and the lake live (default ./.prospector)
  PROSPECTOR_WORKSPACE  the workspace to act on when --workspace is not given
  GROQ_API_KEY          research with Groq; without it the offline heuristic researcher is used

Examples:
  $ prospector onboard --sample
  $ prospector run
  $ prospector run --leads leads.csv --json
  $ prospector export --format csv > research.csv`,
    );

  program
    .command('onboard')
    .description('validate an onboarding file (YAML or JSON) and store it; nothing is written if it is invalid')
    .argument('[file]', 'onboarding file (.yaml, .yml or .json)')
    .option('--sample', 'onboard the bundled sample seller (Tallyhand) instead of a FILE')
    .option('--json', 'print the result as JSON')
    .option('--data-api', 'write to Aurora through the RDS Data API instead of the embedded database (uses --cluster-arn, --secret-arn, --database)')
    .option('--cluster-arn <arn>', 'Aurora cluster ARN (default: $DB_CLUSTER_ARN)', process.env.DB_CLUSTER_ARN)
    .option('--secret-arn <arn>', 'database credentials secret ARN (default: $DB_SECRET_ARN)', process.env.DB_SECRET_ARN)
    .option('--database <name>', 'database name (default: $DB_NAME or prospector)', process.env.DB_NAME ?? 'prospector')
    .addHelpText(
      'after',
      '\nExamples:\n  $ prospector onboard seller.yaml\n  $ prospector onboard --sample\n  $ prospector onboard seller.yaml --data-api --cluster-arn arn:aws:rds:… --secret-arn arn:aws:secretsmanager:…',
    )
    .action(async (file: string | undefined, opts: { sample?: boolean; json?: boolean; dataApi?: boolean; clusterArn?: string; secretArn?: string; database: string }) => {
      if (!file && !opts.sample) throw new ProspectorError('give an onboarding FILE or --sample');
      if (file && opts.sample) throw new ProspectorError(`give an onboarding FILE or --sample, not both: \`prospector onboard ${file}\` onboards the file, \`prospector onboard --sample\` the bundled sample seller`);
      const path = file ?? SAMPLE_ONBOARDING;
      // Validate before opening the database: a bad file must not touch anything.
      const { importOnboarding, loadOnboardingFile } = await import('#core/onboarding/import.ts');
      const onboarding = await loadOnboardingFile(path);
      if (opts.dataApi) {
        if (!opts.clusterArn || !opts.secretArn) throw new ProspectorError('--data-api needs --cluster-arn and --secret-arn (or DB_CLUSTER_ARN and DB_SECRET_ARN)');
        const { DataApiSql } = await import('#adapters/data-api-sql.ts');
        const sql = new DataApiSql({ resourceArn: opts.clusterArn, secretArn: opts.secretArn, database: opts.database });
        try {
          const result = await importOnboarding(sql, onboarding);
          print(
            opts.json
              ? JSON.stringify(result)
              : `Onboarded workspace "${onboarding.workspace.slug}" into Aurora: ${result.icps} ICPs, ${result.personas} personas.` +
                  (result.sequencesStopped.length ? ` Stopped ${result.sequencesStopped.length} open sequence(s) whose leads it now leaves out.` : ''),
          );
          if (!opts.json) for (const line of await importNotes(result)) print(line);
        } finally {
          await sql.close();
        }
        return;
      }
      await withRuntime((rt) => onboard(rt, path, Boolean(opts.json)), { sampleWeb: false, write: true });
    });

  program
    .command('run')
    .description('run the state machine once (or on an interval): search, fetch, clean, research, commit')
    .option('--leads <file>', 'take leads from a CSV (company_name,company_website,lead_email,lead_name) or JSON array instead of the search')
    .option('--every <interval>', 'keep running on this interval until stopped (e.g. 15m)', parseInterval)
    .option('--json', 'print the run summary as JSON (last line of stdout)')
    .option('--icp <slug>', "one ICP: with --leads the file's leads belong to it (fit, tone and drafts as its own search's), without it the run searches for that ICP alone (active or not)")
    .option('--groq-batch', "research through Groq's Batch API (half the price; answers within Groq's completion window, polled every 30 s): needs GROQ_API_KEY")
    .addHelpText(
      'after',
      '\nExamples:\n  $ prospector run\n  $ prospector run --leads leads.csv --json\n  $ prospector run --leads leads.csv --icp midmarket-logistics\n  $ prospector run --every 15m\n  $ GROQ_API_KEY=gsk_... prospector run --groq-batch',
    )
    .action(async (opts: { leads?: string; icp?: string; every?: number; workspace?: string; json?: boolean; groqBatch?: boolean }) => {
      if (opts.groqBatch && !process.env.GROQ_API_KEY) {
        throw new ValidationError('prospector run', [
          { path: '--groq-batch', message: "sends the research to Groq's Batch API, but GROQ_API_KEY is not set: the offline heuristics have no batch. Set GROQ_API_KEY, or run without --groq-batch" },
        ]);
      }
      let code = 0;
      const stop = stopOnSignals();
      try {
        await withRuntime(async (rt) => {
          let wake: (() => void) | undefined;
          stop.signal.addEventListener('abort', () => wake?.(), { once: true });
          const workspace = await resolveWorkspace(rt.deps.sql, chosen());
          // refused before a run opens, with the flag's name (StartRun refuses it as `icp`)
          if (opts.icp !== undefined) {
            const { namedIcp, workspaceIcps } = await import('#core/pipeline/start-run.ts');
            namedIcp(await workspaceIcps(rt.deps.sql, workspace.id), workspace.slug, opts.icp, '--icp', 'prospector run');
          }
          for (;;) {
            code = await runAndReport(rt, { ...opts, workspace: workspace.slug }, stop.signal);
            if (!opts.every || stop.signal.aborted) break;
            process.stderr.write(`next run in ${opts.every / 1000} s (Ctrl-C to stop)\n`);
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, opts.every).unref();
            });
            // Stopped while waiting between runs: nothing was interrupted.
            if (stop.signal.aborted) break;
          }
        }, { write: true });
      } finally {
        stop.dispose();
      }
      process.exitCode = code;
    });

  program
    .command('redrive')
    .description("re-process only the failed leads of a run (the same input works in the cloud: {\"redrive\":{\"runId\":…}})")
    .argument('<runId>', 'the run whose failed leads to re-process (its id or first 6+ characters)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText(
      'after',
      '\nAn interrupted run (Ctrl-C) is finished the same way: its unfinished leads are failed ones.\nA run with no failed lead is not started again: the command says so (on stderr with --json,\nwhich then prints no summary) and exits 0.\n\nExamples:\n  $ prospector runs                 # find the run\n  $ prospector redrive 3f2c9a1e\n  $ prospector redrive 3f2c9a1e --json',
    )
    .action(async (runId: string, opts: { json?: boolean }) => {
      let code = 0;
      const stop = stopOnSignals();
      try {
        await withRuntime(async (rt) => {
          const id = await resolveRunId(rt.deps.sql, runId, chosen());
          // A run whose process died is closed first (its unfinished leads fail), as the run would.
          const { closeInterruptedRuns } = await import('./runner.ts');
          await closeInterruptedRuns(rt.deps);
          const left = await rt.deps.sql.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM run_lead WHERE run_id = :id::uuid AND status IN ('failed', 'pending')`,
            { id },
          );
          if (left.rows[0].n === 0) {
            const nothing = `run ${id.slice(0, 8)} has no failed lead: nothing to redrive`;
            if (opts.json) process.stderr.write(`${nothing}\n`);
            else print(nothing);
            return;
          }
          code = await runAndReport(rt, { redrive: id, json: opts.json }, stop.signal);
        }, { write: true });
      } finally {
        stop.dispose();
      }
      process.exitCode = code;
    });

  program
    .command('start')
    .description('quick start: onboard the sample seller if needed, run once over the bundled directory and sample web, print a summary')
    .option('--json', 'print the run summary as JSON')
    .addHelpText(
      'after',
      '\nWith several sellers onboarded, start runs the sample seller (tallyhand) and says so; choose\nanother with --workspace.\n\nExamples:\n  $ npm start\n  $ prospector start --json\n  $ prospector start --workspace my-company')
    .action(async (opts: { json?: boolean }) => {
      let code = 0;
      const stop = stopOnSignals();
      try {
        await withRuntime(async (rt) => {
          code = await runAndReport(rt, { json: opts.json, workspace: await startWorkspace(rt) }, stop.signal);
        }, { write: true });
      } finally {
        stop.dispose();
      }
      process.exitCode = code;
    });

  program
    .command('runs')
    .description('recent runs with their workspace and counts (every workspace unless --workspace is given)')
    .option('--limit <n>', 'how many runs', parseLimit, 20)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ prospector runs\n  $ prospector runs --limit 5 --workspace tallyhand\n  $ prospector runs --json | jq \'.[0].runId\'')
    .action(async (opts: { limit: number; json?: boolean }) => {
      await withRuntime(async (rt) => {
        const workspace = await chosenWorkspace(rt.deps.sql, chosen());
        const { listRuns } = await import('#core/views/runs.ts');
        const summaries = await listRuns(rt.deps.sql, { workspaceId: workspace?.id ?? null, limit: opts.limit });
        if (opts.json) print(JSON.stringify(summaries));
        else
          print(
            table(
              summaries.map((s) => ({
                // a watch run re-checks companies already researched: it finds no lead
                run: s.runId, workspace: s.workspace, status: s.status, kind: s.leadSource === 'watch' ? 'watch' : s.leadSource.startsWith('file:') ? 'file' : 'search', started: s.startedAt.slice(0, 19).replace('T', ' '), researcher: s.llmProvider,
                found: s.leadsFound, researched: s.leadsResearched, skipped: s.leadsSkipped, failed: s.leadsFailed, duplicates: s.duplicates,
                new: s.leadsNew, drafted: s.leadsDrafted, tokens: s.promptTokens + s.completionTokens,
              })),
              40,
            ),
          );
      }, { sampleWeb: false });
    });

  program
    .command('export')
    .description('one research record per lead of a run (default: the latest run of the workspace)')
    .option('--run <id>', 'the run (its id or first 6+ characters)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--out <file>', 'write to a file instead of stdout (in a folder that exists)')
    .addHelpText('after', '\nExamples:\n  $ prospector export > research.jsonl\n  $ prospector export --run 7c9e6f1a --format csv --out research.csv\n  $ prospector export --workspace tallyhand | head -1')
    .action(async (opts: { run?: string; format: 'jsonl' | 'csv'; out?: string }) => {
      const example = `research.${opts.format}`;
      // refused before the export is built
      if (opts.out !== undefined) await checkOutFile(opts.out, example);
      await withRuntime(async (rt) => {
        const runId = opts.run ? await resolveRunId(rt.deps.sql, opts.run, chosen()) : await latestRunOrFail(rt.deps.sql, chosen());
        const { exportRun, renderExport } = await import('./export.ts');
        const text = renderExport(await exportRun(rt.deps.sql, runId), opts.format);
        if (opts.out !== undefined) await writeOutFile(opts.out, text, example);
        else write(text);
      }, { sampleWeb: false });
    });

  program
    .command('query')
    .description('run SQL against the embedded database')
    .argument('<sql>', 'one SQL statement')
    .option('--json', 'print rows as JSON')
    .addHelpText('after', `\nExamples:\n  $ prospector query "SELECT domain, count(*) FROM lead_company GROUP BY 1"\n  $ prospector query "SELECT * FROM fact LIMIT 5" --json`)
    .action(async (text: string, opts: { json?: boolean }) => {
      await withRuntime(async (rt) => {
        const res = await rt.deps.sql.query(text).catch((error: unknown) => {
          // The statement is the user's own: the database's words are what they need (the
          // statement echo and SQLSTATE stay for --debug).
          if (error instanceof Error && error.name === 'SqlError') {
            throw new ProspectorError(`the database refused the statement: ${error.cause instanceof Error ? error.cause.message : error.message}`, { cause: error });
          }
          throw error;
        });
        print(opts.json ? JSON.stringify(res.rows) : table(res.rows));
      }, { sampleWeb: false, write: true });
    });

  for (const register of extraCommands) register(program, cliContext);
  return program;
}

/** The package version (`prospector --version`). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The error the user should see: an execution's failure carries the step's own error. */
function rootCause(error: unknown): unknown {
  let e = error;
  for (let i = 0; i < 5 && e instanceof Error && !(e instanceof ProspectorError) && e.cause !== undefined; i++) e = e.cause;
  return e instanceof ProspectorError ? e : error;
}

/** The message for an error no command expected (a bug, or the environment): no internals. */
function unexpected(error: unknown, debug: boolean): string {
  const e = error as NodeJS.ErrnoException;
  const home = process.env.PROSPECTOR_HOME ?? './.prospector';
  if (e?.code === 'EROFS' || e?.code === 'EACCES' || e?.code === 'EPERM') {
    return `PROSPECTOR_HOME ${home} cannot be written (${e.code}${e.path ? ` at ${e.path}` : ''}): point PROSPECTOR_HOME at a folder you can write`;
  }
  if (e?.code === 'ENOSPC') return `the disk under PROSPECTOR_HOME ${home} is full (ENOSPC): free some space and try again`;
  return `something unexpected went wrong (${e?.name ?? 'Error'})${debug ? '' : ': run again with --debug (or PROSPECTOR_LOG_LEVEL=debug) for the details'}`;
}

let watchingStdout = false;

/**
 * Runs the CLI and returns its exit code (also left in `process.exitCode`); errors print one
 * clear message (and the field paths for bad input). It may run more than once in a process
 * (the test suites call it in-process): it adds its process listeners once.
 */
export async function main(argv = process.argv): Promise<number> {
  const debug = argv.includes('--debug') || process.env.PROSPECTOR_LOG_LEVEL === 'debug';
  if (!watchingStdout) {
    watchingStdout = true;
    // `prospector export | head -1`: the reader went away; stop writing and end quietly.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      stdoutClosed = true;
    });
  }
  // Nothing of an earlier call carries over: the global flag is set again before each action.
  setWorkspaceFlag(undefined);
  const program = buildProgram();
  try {
    await program.parseAsync(argv.filter((a) => a !== '--debug'));
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the usage error (or the help, or the version) already.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return process.exitCode;
    }
    const cause = rootCause(error);
    if (cause instanceof ProspectorError || cause instanceof InvalidArgumentError) {
      process.stderr.write(`error: ${cause.message}\n`);
    } else {
      process.stderr.write(`error: ${unexpected(cause, debug)}\n`);
    }
    if (debug) {
      for (let e: unknown = error, depth = 0; e !== undefined && depth < 6; e = e instanceof Error ? e.cause : undefined, depth++) {
        process.stderr.write(`${depth ? 'caused by: ' : ''}${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      }
    }
    process.exitCode = error instanceof HomeLockedError ? 75 : 2;
  }
  return Number(process.exitCode ?? 0);
}
