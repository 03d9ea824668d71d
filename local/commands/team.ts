/**
 * `prospector reps [--json]`: what each rep of the workspace carries (lambdas/core/views/team.ts),
 * for whoever shares the leads out and looks after the mailboxes' caps.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { resolveWorkspace } from './resolve.ts';

/** Registers `prospector reps` and `prospector reps hand-over`. */
export function register(program: Command, ctx: CliContext): void {
  const reps = program
    .command('reps')
    .description("each rep's share: the ICPs whose new leads go to them, open sequences by status, responses waiting, emails sent today against the mailbox's cap, open tasks")
    .option('--json', 'print {workspace, reps: [...]} as JSON')
    .addHelpText(
      'after',
      `
A new lead goes to the rep who already has its company, else to the one of its ICP's reps with
the fewest open sequences (an ICP's \`reps\` in the onboarding file; every user whose role is rep
when it names none). Someone still named on open sequences who is no longer a user is listed as
"no longer a user": their drafts would go out from their mailbox under their signature.

When a rep leaves, \`prospector reps hand-over\` gives their drafts and open tasks to another rep.

Examples:
  $ prospector reps
  $ prospector reps --json | jq '.reps[] | {email, drafts: .sequences.draft}'
  $ prospector reps hand-over lukas.brenner@tallyhand.com --to maya.okafor@tallyhand.com --dry-run`,
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
              responses: m.responses,
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

  reps
    .command('hand-over')
    .argument('<from>', "the rep whose drafts and open tasks move (a user, or an address open sequences still name)")
    .description("give a rep's drafts (re-signed) and open tasks to another rep; sequences already approved go on from their mailbox")
    // required, but checked in the action: commander checks required options before arguments,
    // so with neither FROM nor --to it would ask for --to first
    .option('--to <email>', 'the user who takes them over (required)')
    .option('--stop-sending', "also stop FROM's approved, sending and paused sequences (their queued emails are cancelled) instead of letting them go on from FROM's mailbox")
    .option('--dry-run', 'say what would move and what would not, and change nothing')
    .option('--by <email>', 'who hands over (a user of the workspace), recorded on each draft and response moved')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Each draft (a sequence not yet approved) moves to --to, its emails re-signed with their
signature and checked again by the grounding checker; the review queue shows it came from the old
rep. A draft stays with the old rep, with the reason, when an email no longer ends with their
signature or a message names them elsewhere: edit it, then hand over again. Open tasks from
replies move too. Sequences already approved are not moved: their words were approved as the old
rep's and go out from the old rep's mailbox (the output counts them); --stop-sending stops them
instead, for when that mailbox is gone.

Examples:
  $ prospector reps hand-over lukas.brenner@tallyhand.com --to ana.silva@tallyhand.com --dry-run
  $ prospector reps hand-over lukas.brenner@tallyhand.com --to ana.silva@tallyhand.com
  $ prospector reps hand-over lukas.brenner@tallyhand.com --to ana.silva@tallyhand.com --stop-sending`,
    )
    .action(async (from: string, _opts: unknown, cmd: Command) => {
      // `reps` has a --json of its own, which takes the flag wherever it stands
      const opts = cmd.optsWithGlobals<{ to?: string; dryRun?: boolean; stopSending?: boolean; by?: string; json?: boolean }>();
      const to = opts.to;
      if (to === undefined) return cmd.error("error: required option '--to <email>' not specified", { code: 'commander.missingMandatoryOptionValue' });
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { handOver } = await import('#core/outreach/hand-over.ts');
        const r = await handOver(sql, workspace.id, from, to, { dryRun: opts.dryRun, stopSending: opts.stopSending, by: opts.by, now: rt.deps.clock.now() });
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, ...r }));
          return;
        }
        const verb = r.dryRun ? 'would move' : 'moved';
        const what = (kind: 'sequence' | 'response') => (kind === 'sequence' ? 'draft' : 'response');
        ctx.print(`${r.from} → ${r.to}${r.dryRun ? ' (dry run: nothing changed)' : ''}`);
        ctx.print(`drafts and responses ${verb}: ${r.handedOver.length}${r.handedOver.length ? '' : ' (none)'}`);
        for (const d of r.handedOver) {
          ctx.print(`  ${what(d.kind)} ${d.id.slice(0, 8)}  ${d.lead}, ${d.company}: ${d.resigned} email(s) re-signed, ${d.grounding ?? 'no messages'}`);
        }
        if (r.kept.length) {
          ctx.print(`left with ${r.from}: ${r.kept.length}`);
          for (const k of r.kept) ctx.print(`  ${what(k.kind)} ${k.id.slice(0, 8)}  ${k.lead}, ${k.company}: ${k.reason}`);
        }
        ctx.print(`open tasks ${verb}: ${r.tasks}`);
        const s = r.stillSending;
        if (opts.stopSending) {
          ctx.print(
            r.dryRun
              ? `approved, sending and paused sequences that would be stopped: ${r.stopped}`
              : `approved, sending and paused sequences stopped: ${r.stopped} (their queued emails cancelled)`,
          );
        } else if (s.approved + s.active + s.paused > 0) {
          ctx.print(
            `not moved: ${s.approved} approved, ${s.active} sending and ${s.paused} paused sequence(s) go on from ${r.from}'s mailbox (their words were approved as theirs)`,
          );
        }
      }, { sampleWeb: false });
    });
}
