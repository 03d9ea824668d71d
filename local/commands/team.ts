/**
 * `prospector reps [--json]`: what each rep of the workspace carries (lambdas/core/views/team.ts),
 * for whoever shares the leads out and looks after the mailboxes' caps.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { resolveWorkspace } from './resolve.ts';

/** Registers `prospector reps`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('reps')
    .description("each rep's share: the ICPs whose new leads go to them, open sequences by status, emails sent today against the mailbox's cap, open tasks")
    .option('--json', 'print {workspace, reps: [...]} as JSON')
    .addHelpText(
      'after',
      `
A new lead goes to the rep who already has its company, else to the one of its ICP's reps with
the fewest open sequences (an ICP's \`reps\` in the onboarding file; every user whose role is rep
when it names none). Someone still named on open sequences who is no longer a user is listed as
"no longer a user": their drafts would go out from their mailbox under their signature.

Examples:
  $ prospector reps
  $ prospector reps --json | jq '.reps[] | {email, drafts: .sequences.draft}'`,
    )
    .action(async (opts: { json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { loadTeam } = await import('#core/views/team.ts');
        const team = await loadTeam(sql, workspace.id, rt.deps.clock.now());
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, reps: team }));
          return;
        }
        ctx.print(
          table(
            team.map((m) => ({
              rep: m.email,
              role: m.role ?? 'no longer a user',
              'new leads from': m.icps.join(', ') || '–',
              drafts: m.sequences.draft,
              approved: m.sequences.approved,
              active: m.sequences.active,
              paused: m.sequences.paused,
              'sent today': m.mailbox ? `${m.mailbox.sentToday}/${m.mailbox.capToday}${m.mailbox.active ? '' : ' (mailbox off)'}` : 'no mailbox yet',
              tasks: m.openTasks,
            })),
            60,
          ),
        );
      }, { sampleWeb: false });
    });
}
