/** `prospector replay --run RUN_ID`: re-research a run from the lake and show what changed. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { latestRunOrFail, resolveRunId } from './resolve.ts';

/** Registers `prospector replay`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description('re-clean and re-research a run\'s leads from the pages stored in the lake (no fetch, no writes) and show what changed')
    .option('--run <id>', 'the run to replay (its id or first 6+ characters); default the latest run')
    .option('--lead <email...>', 'only these leads (each must be a lead of the run)')
    .option('--json', 'print the whole comparison as JSON')
    .option('--verbose', 'list every added and dropped fact, and the leads that could not be replayed')
    .option('--exit-code', 'exit with status 1 when anything changed (for checks before shipping a prompt or cleaner change)')
    .addHelpText(
      'after',
      `
Replay reads the raw HTML the run stored (raw/html, through the run's page snapshots), cleans it
with the current cleaner and researches it with the current prompts, then compares each lead
with the research stored for it: facts added, facts dropped (by quote), fit score moved
(old → new) and status changed, with totals. Nothing is fetched and nothing is written to the
database or the lake: it is a harness for changing prompts, cleaning or budgets without fear.

The researcher is the configured one: the offline heuristic by default (free and
deterministic, so an untouched run replays with no differences); with GROQ_API_KEY set, replay
calls Groq and spends tokens. Engine settings come from the environment, e.g.
PROSPECTOR_PROMPT_TOKEN_BUDGET.

Examples:
  $ prospector replay --run 3f2c9a1e
  $ PROSPECTOR_PROMPT_TOKEN_BUDGET=2500 prospector replay --run 3f2c9a1e --verbose
  $ prospector replay --run 3f2c9a1e --lead dana.ruiz@keelhaul-freight.example --json
  $ prospector replay --exit-code    # the latest run; status 1 if anything changed`,
    )
    .action(async (opts: { run?: string; lead?: string[]; json?: boolean; verbose?: boolean; exitCode?: boolean }) => {
      let changed = false;
      await ctx.withRuntime(async (rt) => {
        const runId = opts.run ? await resolveRunId(rt.deps.sql, opts.run, ctx.workspace()) : await latestRunOrFail(rt.deps.sql, ctx.workspace());
        const { formatReplay, replayRun } = await import('../replay.ts');
        const tty = Boolean(process.stderr.isTTY) && !opts.json;
        const report = await replayRun(rt, runId, {
          leads: opts.lead,
          onLead: tty ? (_l, done, total) => process.stderr.write(`\r\x1b[2Kreplaying ${done}/${total}`) : undefined,
        });
        if (tty) process.stderr.write('\r\x1b[2K');
        changed = report.totals.changed > 0;
        ctx.print(opts.json ? JSON.stringify(report) : formatReplay(report, { verbose: opts.verbose }));
      }, { sampleWeb: false });
      if (opts.exitCode && changed) process.exitCode = 1;
    });
}
