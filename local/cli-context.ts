/** What command modules share: opening the runtime (under the home's lock) and printing. */
import { mkdir } from 'node:fs/promises';
import { acquireHomeLock } from './lock.ts';
import type { LocalRuntime, OpenLocalOptions } from './runner.ts';
import type { WorkspaceChoice } from './commands/resolve.ts';

export interface RuntimeOptions extends Pick<OpenLocalOptions, 'sampleWeb'> {
  /** The command writes the home (run, onboard…): it never waits for another holder. */
  write?: boolean;
}

export interface CliContext {
  /**
   * Takes the home's lock, opens the local runtime, runs `fn`, and always closes it (PGlite must
   * be closed) and lets the lock go. A home held by another process is refused with its holder.
   */
  withRuntime<T>(fn: (rt: LocalRuntime) => Promise<T>, options?: RuntimeOptions): Promise<T>;
  /** Writes a line to stdout. */
  print(text: string): void;
  /** The workspace named with --workspace (or else PROSPECTOR_WORKSPACE), if any. */
  workspace(): WorkspaceChoice | undefined;
}

let workspaceFlag: string | undefined;

/** Records the global --workspace flag (set by the program before each command runs). */
export function setWorkspaceFlag(slug: string | undefined): void {
  workspaceFlag = slug;
}

/** The command line after `prospector`, as the lock file names its holder. */
export function commandLine(argv = process.argv): string {
  return argv.slice(2).join(' ').slice(0, 200) || '(no command)';
}

export const cliContext: CliContext = {
  async withRuntime(fn, options = {}) {
    // Imported here so that commands which never open the runtime (--help) do not load zod & co.
    const { loadLocalConfig } = await import('./config.ts');
    const config = loadLocalConfig();
    await mkdir(config.home, { recursive: true });
    const lock = await acquireHomeLock(config.home, { command: commandLine(), readOnly: !options.write });
    try {
      const { openLocal } = await import('./runner.ts');
      const rt = await openLocal({ sampleWeb: options.sampleWeb });
      try {
        return await fn(rt);
      } finally {
        await rt.close();
      }
    } finally {
      await lock.release();
    }
  },
  print: (text) => {
    // After EPIPE (`prospector runs --json | head -c 300`) nothing more is written.
    if (!process.stdout.destroyed) process.stdout.write(`${text}\n`);
  },
  workspace: () => {
    if (workspaceFlag) return { slug: workspaceFlag, from: '--workspace' };
    const env = process.env.PROSPECTOR_WORKSPACE;
    return env ? { slug: env, from: 'PROSPECTOR_WORKSPACE' } : undefined;
  },
};
