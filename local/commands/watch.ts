/**
 * `prospector watch [--json] [--all]`: re-checks the companies already researched whose
 * `watchEvery` has passed (statemachine/watch.asl.json, in-process), with conditional requests,
 * and researches again only those with a relevant change.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { resolveWorkspace } from './resolve.ts';

/** Registers `prospector watch`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('watch')
    .description('re-check researched companies with conditional requests; research again only those with a relevant change')
    .option('--json', 'print {runId, companies: [{domain, status, pages, notModified, sameHash, changedPages, signals, researched, reason}], notDue, reusedShare, llmCalls, tokens}')
    .option('--all', "re-check every researched company now, whatever its ICP's watchEvery")
    .action(async (opts: { json?: boolean; all?: boolean }) => {
      await ctx.withRuntime(
        async (rt) => {
          const { watchOnce, formatWatch } = await import('../watch.ts');
          const workspace = await resolveWorkspace(rt.deps.sql, ctx.workspace());
          const report = await watchOnce(rt, { workspace: workspace.slug, all: opts.all === true });
          ctx.print(opts.json ? JSON.stringify(report) : formatWatch(report));
        },
        { write: true },
      );
    });
}
