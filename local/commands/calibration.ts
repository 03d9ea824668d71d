/** `prospector calibration [--json]`: positive-reply and meeting rates by fit band and by variant. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { resolveWorkspace } from './resolve.ts';

/** Registers `prospector calibration`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('calibration')
    .description('positive-reply and meeting rates by fit-score band and by variant: does the score mean anything?')
    .option('--json', 'print {workspace, calibration} as JSON')
    .action(async (opts: { json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { formatCalibration, loadCalibration } = await import('../report-calibration.ts');
        const calibration = await loadCalibration(sql, workspace.id);
        ctx.print(opts.json ? JSON.stringify({ workspace: workspace.slug, calibration }) : formatCalibration(calibration));
      }, { sampleWeb: false });
    });
}
