/** What command modules share: opening the runtime and printing. */
import { openLocal, type LocalRuntime, type OpenLocalOptions } from './runner.ts';

export interface CliContext {
  /** Opens the local runtime, runs `fn`, and always closes it (PGlite must be closed). */
  withRuntime<T>(fn: (rt: LocalRuntime) => Promise<T>, options?: Pick<OpenLocalOptions, 'sampleWeb'>): Promise<T>;
  /** Writes a line to stdout. */
  print(text: string): void;
}

export const cliContext: CliContext = {
  async withRuntime(fn, options = {}) {
    const rt = await openLocal({ sampleWeb: options.sampleWeb });
    try {
      return await fn(rt);
    } finally {
      await rt.close();
    }
  },
  print: (text) => {
    process.stdout.write(`${text}\n`);
  },
};
