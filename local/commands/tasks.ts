/**
 * `prospector tasks [--json]` lists the open rep tasks that replies opened (an interested
 * prospect, questions to answer, an objection), soonest due first; `prospector tasks done ID`
 * closes one.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { resolveWorkspace } from './resolve.ts';

/** Registers `prospector tasks`. */
export function register(program: Command, ctx: CliContext): void {
  const tasks = program
    .command('tasks')
    .description('list open tasks that replies opened for reps (interested, questions, objections), soonest due first')
    .option('--json', 'print {workspace, tasks: [...]} as JSON')
    .addHelpText(
      'after',
      `
An interested reply, a reply with questions (needs_info) or an objection stops the sequence and
opens one task for the rep who owns the thread (the sequence's rep, else the rep whose mailbox the
reply reached), due one business day after the mail (two for an objection). Importing the same
reply again opens nothing new.

Examples:
  $ prospector tasks
  $ prospector tasks --json | jq '.tasks[] | {id, title, dueOn}'
  $ prospector tasks done 3f2c9a1e`,
    )
    .action(async (opts: { json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { listOpenTasks } = await import('#core/replies/tasks.ts');
        const open = await listOpenTasks(sql, workspace.id);
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, tasks: open }));
          return;
        }
        if (open.length === 0) {
          ctx.print(`No open task in ${workspace.slug}: replies open them (\`prospector replies import PATH\`).`);
          return;
        }
        ctx.print(`${open.length} open task(s) in ${workspace.slug}:`);
        ctx.print(
          table(
            open.map((t) => ({ id: t.id.slice(0, 8), due: t.dueOn, owner: t.owner ?? '(anyone)', kind: t.kind, task: t.title })),
            100,
          ),
        );
      }, { sampleWeb: false });
    });

  tasks
    .command('done <id>')
    .description('close a task (its id or first 6+ characters)')
    .option('--json', 'print {workspace, task, alreadyDone} as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await ctx.withRuntime(async (rt) => {
        const sql = rt.deps.sql;
        const workspace = await resolveWorkspace(sql, ctx.workspace());
        const { completeTask } = await import('#core/replies/tasks.ts');
        const done = await completeTask(sql, workspace.id, id, rt.deps.clock.now());
        if (opts.json) {
          ctx.print(JSON.stringify({ workspace: workspace.slug, ...done }));
          return;
        }
        ctx.print(done.alreadyDone ? `Task ${done.task.id.slice(0, 8)} was already done (${done.task.doneAt}).` : `Done: ${done.task.title}`);
      }, { sampleWeb: false, write: true });
    });
}
