/**
 * `prospector`: the local command line. Every command opens the embedded runtime under
 * PROSPECTOR_HOME, does one thing, and closes it (PGlite must be closed or Node never exits).
 */
import '#core/polyfills.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ProspectorError, ValidationError } from '#core/errors.ts';
import { findWorkspace, importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { summarizeRun } from '#core/pipeline/finish-run.ts';
import { exportRun, latestRunId, renderExport } from './export.ts';
import { formatSummary, table } from './format.ts';
import { progress } from './progress.ts';
import { cliContext } from './cli-context.ts';
import { extraCommands } from './commands/index.ts';
import { runOnce, type LocalRuntime } from './runner.ts';

export const SAMPLE_ONBOARDING = join(import.meta.dirname, 'data', 'sample-onboarding.yaml');

/** Parses `15m`, `2h`, `30s`, `1d` into milliseconds. */
export function parseInterval(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not an interval: use a number and a unit, e.g. 30s, 15m, 2h, 1d`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (ms < 10_000) throw new InvalidArgumentError('the interval must be at least 10s');
  return ms;
}

const { withRuntime, print } = cliContext;

async function onboard(rt: LocalRuntime, file: string, json: boolean): Promise<void> {
  const onboarding = await loadOnboardingFile(file);
  const result = await importOnboarding(rt.deps.sql, onboarding);
  if (json) print(JSON.stringify(result));
  else {
    print(
      `${result.created ? 'Onboarded' : 'Updated'} workspace "${onboarding.workspace.slug}": ${result.icps} ICPs, ` +
        `${result.personas} personas, ${result.products} products, ${result.users} users, ${result.suppressions} suppressions.`,
    );
  }
}

async function runAndReport(rt: LocalRuntime, opts: { leads?: string; json?: boolean; workspace?: string; redrive?: string }): Promise<number> {
  const started = Date.now();
  const bar = progress(process.stderr);
  const summary = await runOnce(rt, { leadsFile: opts.leads, workspace: opts.workspace, redriveRunId: opts.redrive, onEvent: (e) => bar.onEvent(e) });
  bar.done();
  if (opts.json) print(JSON.stringify(summary));
  else print(formatSummary(summary, { seconds: (Date.now() - started) / 1000, lake: rt.deps.lake.location }));
  return summary.status === 'succeeded' ? 0 : 1;
}

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('prospector')
    .description('Lead research with evidence: find leads, fetch their sites into a lake, research them, commit grounded facts.')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Environment:
  PROSPECTOR_HOME   where the embedded database and the lake live (default ./.prospector)
  GROQ_API_KEY      research with Groq; without it the offline heuristic researcher is used

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
    .option('--sample', 'onboard the bundled sample seller (Tallyhand)')
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
      if (!file && !opts.sample) throw new InvalidArgumentError('give an onboarding FILE or --sample');
      const path = file ?? SAMPLE_ONBOARDING;
      // Validate before opening the database: a bad file must not touch anything.
      const onboarding = await loadOnboardingFile(path);
      if (opts.dataApi) {
        if (!opts.clusterArn || !opts.secretArn) throw new InvalidArgumentError('--data-api needs --cluster-arn and --secret-arn (or DB_CLUSTER_ARN and DB_SECRET_ARN)');
        const { DataApiSql } = await import('#adapters/data-api-sql.ts');
        const sql = new DataApiSql({ resourceArn: opts.clusterArn, secretArn: opts.secretArn, database: opts.database });
        try {
          const result = await importOnboarding(sql, onboarding);
          print(opts.json ? JSON.stringify(result) : `Onboarded workspace "${onboarding.workspace.slug}" into Aurora: ${result.icps} ICPs, ${result.personas} personas.`);
        } finally {
          await sql.close();
        }
        return;
      }
      await withRuntime((rt) => onboard(rt, path, Boolean(opts.json)), { sampleWeb: false });
    });

  program
    .command('run')
    .description('run the state machine once (or on an interval): search, fetch, clean, research, commit')
    .option('--leads <file>', 'take leads from a CSV (company_name,company_website,lead_email,lead_name) or JSON array instead of the search')
    .option('--every <interval>', 'keep running on this interval until stopped (e.g. 15m)', parseInterval)
    .option('--workspace <slug>', 'workspace to run for (default: the only one)')
    .option('--json', 'print the run summary as JSON (last line of stdout)')
    .addHelpText('after', '\nExamples:\n  $ prospector run\n  $ prospector run --leads leads.csv --json\n  $ prospector run --every 15m')
    .action(async (opts: { leads?: string; every?: number; workspace?: string; json?: boolean }) => {
      let code = 0;
      await withRuntime(async (rt) => {
        if (!opts.every) {
          code = await runAndReport(rt, opts);
          return;
        }
        let stop = false;
        let wake: (() => void) | undefined;
        const onSignal = () => {
          stop = true;
          wake?.();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        while (!stop) {
          code = await runAndReport(rt, opts);
          if (stop) break;
          process.stderr.write(`next run in ${opts.every! / 1000} s (Ctrl-C to stop)\n`);
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, opts.every).unref();
          });
        }
      });
      process.exitCode = code;
    });

  program
    .command('redrive')
    .description("re-process only the failed leads of a run (the same input works in the cloud: {\"redrive\":{\"runId\":…}})")
    .argument('<runId>', 'the run whose failed leads to re-process')
    .option('--json', 'print the run summary as JSON')
    .action(async (runId: string, opts: { json?: boolean }) => {
      let code = 0;
      await withRuntime(async (rt) => {
        code = await runAndReport(rt, { redrive: runId, json: opts.json });
      });
      process.exitCode = code;
    });

  program
    .command('start')
    .description('quick start: onboard the sample seller if needed, run once over the bundled directory and sample web, print a summary')
    .option('--json', 'print the run summary as JSON')
    .action(async (opts: { json?: boolean }) => {
      let code = 0;
      await withRuntime(async (rt) => {
        if (!(await findWorkspace(rt.deps.sql))) {
          await onboard(rt, SAMPLE_ONBOARDING, false);
        }
        code = await runAndReport(rt, { json: opts.json });
      });
      process.exitCode = code;
    });

  program
    .command('runs')
    .description('recent runs with their counts')
    .option('--limit <n>', 'how many runs', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; json?: boolean }) => {
      await withRuntime(async (rt) => {
        const runs = await rt.deps.sql.query<{ id: string }>(`SELECT id FROM run ORDER BY started_at DESC LIMIT :limit`, { limit: opts.limit });
        const summaries = [];
        for (const r of runs.rows) {
          const { skipped: _s, failures: _f, ...counts } = await summarizeRun(rt.deps.sql, r.id);
          summaries.push(counts);
        }
        if (opts.json) print(JSON.stringify(summaries));
        else
          print(
            table(
              summaries.map((s) => ({
                run: s.runId, status: s.status, started: s.startedAt.slice(0, 19).replace('T', ' '), researcher: s.llmProvider,
                found: s.leadsFound, new: s.leadsNew, researched: s.leadsResearched, skipped: s.leadsSkipped, failed: s.leadsFailed,
                tokens: s.promptTokens + s.completionTokens,
              })),
              40,
            ),
          );
      }, { sampleWeb: false });
    });

  program
    .command('export')
    .description('one research record per lead of a run (default: the latest run)')
    .option('--run <id>', 'run id')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--out <file>', 'write to a file instead of stdout')
    .addHelpText('after', '\nExamples:\n  $ prospector export > research.jsonl\n  $ prospector export --run 7c9e… --format csv --out research.csv')
    .action(async (opts: { run?: string; format: 'jsonl' | 'csv'; out?: string }) => {
      await withRuntime(async (rt) => {
        const runId = opts.run ?? (await latestRunId(rt.deps.sql));
        if (!runId) throw new ProspectorError('nothing to export yet: run `prospector run` first');
        const text = renderExport(await exportRun(rt.deps.sql, runId), opts.format);
        if (opts.out) await writeFile(opts.out, text);
        else process.stdout.write(text);
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
        const res = await rt.deps.sql.query(text);
        print(opts.json ? JSON.stringify(res.rows) : table(res.rows));
      }, { sampleWeb: false });
    });

  for (const register of extraCommands) register(program, cliContext);
  return program;
}

/** Runs the CLI; errors print one clear message (and the field paths for bad input). */
export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof ValidationError) {
      process.stderr.write(`error: ${error.message}\n`);
    } else if (error instanceof ProspectorError || error instanceof InvalidArgumentError) {
      process.stderr.write(`error: ${error.message}\n`);
    } else {
      process.stderr.write(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    }
    process.exitCode = 2;
  }
}

