/**
 * `prospector outcome LEAD_EMAIL KIND [--note TEXT] [--by REP_EMAIL] [--json]`: what came of a
 * lead after the replies (meeting booked, opportunity, won, lost, not a fit), recorded on the
 * lead's latest approved sequence (sent or not), else its latest one. The same row a CRM sync may
 * INSERT directly (README).
 */
import type { Command } from 'commander';
import { RECORDED_OUTCOMES } from '#core/outreach/outcomes.ts';
import type { CliContext } from '../cli-context.ts';
import { resolveWorkspace } from './resolve.ts';

/** Registers `prospector outcome`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('outcome <leadEmail> <kind>')
    .description(`record what came of a lead: ${RECORDED_OUTCOMES.join(' | ')}`)
    .option('--note <text>', 'a note kept with the outcome (at most 2000 characters)')
    .option('--by <repEmail>', 'the rep recording it (a user of the workspace)')
    .option('--json', 'print {workspace, outcome} as JSON (outcome.emailSent false: calibration leaves it out)')
    .addHelpText(
      'after',
      `
The outcome is kept on the lead's latest approved sequence, whether or not it has sent anything
yet (a lead with none approved: its latest draft or rejected one), once per kind (recording the
same kind again changes nothing). A meeting, an opportunity, a win, a loss or "not a fit" stops
that sequence if it is still running. The calibration report (\`prospector calibration\`) counts
meetings by fit score and variant from these rows, for sequences that sent an email only: when
the sequence it is kept on sent none, the command says so.

Examples:
  $ prospector outcome priya.nair@umbrella.example meeting_booked --note "demo on Tuesday"
  $ prospector outcome priya.nair@umbrella.example won --json`,
    )
    .action(async (leadEmail: string, kind: string, opts: { note?: string; by?: string; json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { recordOutcome } = await import('#core/outreach/outcomes.ts');
        const outcome = await recordOutcome(sql, workspace.id, { leadEmail, kind, note: opts.note ?? null, by: opts.by ?? null });
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, outcome }));
          return;
        }
        ctx.print(
          outcome.recorded
            ? `Recorded ${outcome.kind} for ${outcome.leadEmail} (sequence ${outcome.sequenceId.slice(0, 8)})${outcome.stoppedSequence ? '; the sequence is stopped' : ''}.`
            : `${outcome.leadEmail} already has ${outcome.kind} on sequence ${outcome.sequenceId.slice(0, 8)}: nothing changed.`,
        );
        if (!outcome.emailSent) {
          ctx.print(
            `No email of sequence ${outcome.sequenceId.slice(0, 8)} was sent: \`prospector calibration\` counts only sequences that sent one, so it leaves this ${outcome.kind} out.`,
          );
        }
      }, { sampleWeb: false, write: true });
    });
}
