/**
 * `prospector ui [--port N] [--host 127.0.0.1] [--as EMAIL]`: serves the web app (lambdas/web)
 * over the local runtime's ports and prints its URL and a one-time login link.
 */
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { ProspectorError } from '#core/errors.ts';
import type { Lake, Llm, Log, Sql } from '#core/ports.ts';
import type { CliContext } from '../cli-context.ts';
import { resolveWorkspace } from './resolve.ts';

export interface UiServer {
  url: string;
  loginUrl: string;
  /** Another one-time link, for `as` (a user's email) or the default user: for a second person, or after a sign-out. */
  newLoginUrl(as?: string): Promise<{ email: string; url: string }>;
  close(): Promise<void>;
}

/** Starts the app on host:port (0: any free port) and makes a login link for the workspace's user. */
export async function startUi(
  ports: { sql: Sql; lake: Lake; log?: Log; /** Groq writes the onboarding tone preview when this is it (GROQ_API_KEY set) */ llm?: Llm },
  options: { host: string; port: number; workspaceId: string; as?: string; redrive?: (input: { workspaceId: string; runId: string }) => Promise<unknown> },
): Promise<UiServer> {
  const [{ serve }, { createWebApp }, { createLoginLink, userForLogin }] = await Promise.all([
    import('@hono/node-server'),
    import('#web/app.ts'),
    import('#web/sessions.ts'),
  ]);
  const user = await userForLogin(ports.sql, options.workspaceId, options.as);
  const app = createWebApp({ sql: ports.sql, lake: ports.lake, log: ports.log, secure: false, redrive: options.redrive, toneLlm: ports.llm?.provider === 'groq' ? ports.llm : null });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  const linkFor = async (who: { id: string }) => `${url}/login?token=${(await createLoginLink(ports.sql, who.id)).token}`;
  return {
    url,
    loginUrl: await linkFor(user),
    newLoginUrl: async (as?: string) => {
      const who = await userForLogin(ports.sql, options.workspaceId, as ?? options.as);
      return { email: who.email, url: await linkFor(who) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // keep-alive connections from a browser would hold close() open
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Registers `prospector ui`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('ui')
    .description('serve the web app for reps (review queue, inbox, leads, runs, suppression list, onboarding) on loopback and print a one-time login link')
    .option('--port <n>', 'port to listen on (0: any free port)', '8787')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--as <email>', "the user the login link signs in (default: the workspace's first admin)")
    .addHelpText(
      'after',
      `
The link works once and for 15 minutes; the session it opens lasts 12 hours. For another link
(a second person, or after signing out) press Enter in its terminal, or type a user's email and
Enter for theirs. The app holds the home while it runs (like \`prospector run\`): stop it with
Ctrl-C before another command writes.

Examples:
  $ prospector ui
  $ prospector ui --port 8080 --as maya.okafor@tallyhand.com
  $ prospector ui --workspace tallyhand`,
    )
    .action(async (opts: { port: string; host: string; as?: string }) => {
      if (!/^\d{1,5}$/.test(opts.port) || Number(opts.port) > 65535) throw new ProspectorError(`--port ${opts.port}: give a port number from 0 to 65535`);
      if (!LOOPBACK.has(opts.host)) {
        throw new ProspectorError(`--host ${opts.host}: the local app serves plain HTTP, so it listens on loopback only (127.0.0.1 or ::1)`);
      }
      await ctx.withRuntime(async (rt) => {
        const workspace = await resolveWorkspace(rt.deps.sql, ctx.workspace());
        const { runOnce } = await import('../runner.ts');
        // The Runs page's redrive button runs what `prospector redrive` runs, in this process (which holds the home).
        const redrive = ({ runId }: { runId: string }) => runOnce(rt, { redriveRunId: runId, workspace: workspace.slug });
        const ui = await startUi(rt.deps, { host: opts.host, port: Number(opts.port), workspaceId: workspace.id, as: opts.as, redrive });
        ctx.print(`Prospector web app for workspace ${workspace.slug}: ${ui.url}`);
        ctx.print(`Sign in (one-time link, valid 15 minutes): ${ui.loginUrl}`);
        ctx.print("Enter prints another link (type a user's email first for theirs). Ctrl-C stops it.");
        // another link on request: the home is held, so no other command could make one
        const { createInterface } = await import('node:readline');
        const lines = createInterface({ input: process.stdin, terminal: false });
        lines.on('line', (line) => {
          ui.newLoginUrl(line.trim() || undefined).then(
            (link) => ctx.print(`Sign in as ${link.email} (one-time link, valid 15 minutes): ${link.url}`),
            (error: Error) => ctx.print(`No link: ${error.message.replace(/^--as /, '')}`),
          );
        });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        lines.close();
        process.stdin.pause();
        await ui.close();
      }, { write: true });
    });
}
