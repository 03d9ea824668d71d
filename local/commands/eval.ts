/** `prospector eval`: research quality on the sample web against the labelled gold set. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** Registers `prospector eval`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('eval')
    .description('research the sample web (one lead per gold-set company) in a temporary home and score it against the gold set')
    .option('--json', 'print the figures as JSON')
    .option('--details', 'list the gold facts the LLM never saw and any noise that reached it')
    .addHelpText(
      'after',
      '\nProgress goes to stderr (a line as leads finish), so stdout holds only the figures (--json: one JSON line).\n\nExamples:\n  $ prospector eval --json\n  $ GROQ_API_KEY=gsk_... prospector eval --details',
    )
    .action(async (opts: { json?: boolean; details?: boolean }) => {
      const { runEval } = await import('../eval.ts');
      const { progress } = await import('../progress.ts');
      // An eval takes minutes (hours on a rate-limited Groq key): say what it does while it runs.
      const bar = progress(process.stderr);
      const result = await runEval({
        onStart: (companies) => process.stderr.write(`eval: researching ${companies} gold-set companies on the sample web, in a temporary home\n`),
        onEvent: (e) => bar.onEvent(e),
      });
      bar.done();
      process.stderr.write('eval: scored against the gold set\n');
      const { missed, leaks, ...figures } = result;
      if (opts.json) {
        ctx.print(JSON.stringify(opts.details ? result : figures));
        return;
      }
      ctx.print(
        [
          `researcher: ${result.provider}${result.provider === 'offline-heuristic' ? ' (offline heuristic, not an LLM)' : ''}`,
          `companies ${result.companies} · researched ${result.leadsResearched}`,
          `evidence recall ${result.evidenceRecall} · median prompt tokens per lead ${result.medianPromptTokensPerLead}`,
          `verified fact rate ${result.verifiedFactRate} · hooks with evidence ${result.hooksWithEvidenceRate} · noise leaked ${result.noiseLeaked}`,
        ].join('\n'),
      );
      if (opts.details) {
        for (const m of missed) ctx.print(`missed  ${m.domain}  ${m.label}: ${m.evidence}`);
        for (const l of leaks) ctx.print(`leaked  ${l.domain}  ${l.snippet}`);
      }
    });
}
