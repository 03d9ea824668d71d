/** `prospector report RUN_ID [--out FILE]`: a self-contained HTML report of a run for reps. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { latestRunOrFail, resolveRunId } from './resolve.ts';

/** Registers `prospector report`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('write an HTML report of a run: leads ranked by fit with reasons, hooks, email angle, every quoted fact and what drafting made of each lead')
    .argument('[runId]', 'the run (its id or first 6+ characters); default the latest run')
    .option('--out <file>', 'where to write the HTML, in a folder that exists (default <PROSPECTOR_HOME>/reports/run-<id>.html)')
    .option('--json', 'print {file, runId, leads, measures} as JSON instead of a sentence (measures: outreach per ICP and variant, see README)')
    .addHelpText(
      'after',
      `
The page is one file with inline CSS, no script and nothing loaded from elsewhere: open it in
any browser, attach it to an email or a ticket. Each fact links to the source page and to the
cleaned page text stored in the lake (a relative link, so keep the report next to the home
folder or use the default location). Text from web pages and models is shown as text, never run.

Examples:
  $ prospector report                                  # the latest run
  $ prospector report 3f2c9a1e --out ~/Desktop/leads.html
  $ prospector runs && prospector report 3f2c9a1e-8d7b-4c1e-9f00-5b2d7e6a1c44`,
    )
    .action(async (runId: string | undefined, opts: { out?: string; json?: boolean }) => {
      // refused before the report is built
      if (opts.out !== undefined) await (await import('../out-file.ts')).checkOutFile(opts.out, 'report.html');
      await ctx.withRuntime(async (rt) => {
        const id = runId ? await resolveRunId(rt.deps.sql, runId, ctx.workspace()) : await latestRunOrFail(rt.deps.sql, ctx.workspace());
        const { writeRunReport } = await import('../report.ts');
        const written = await writeRunReport(rt, id, opts.out);
        if (opts.json) ctx.print(JSON.stringify({ file: written.file, runId: id, leads: written.leads, measures: written.measures }));
        else ctx.print(`Report of run ${id} (${written.leads} leads with research, ${written.summary.leadsFailed} failed, ${written.summary.leadsSkipped} skipped): ${written.file}`);
      }, { sampleWeb: false });
    });
}
