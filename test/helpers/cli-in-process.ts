/**
 * `prospector(args, env)` with the same signature and result as test/crash/cli.ts, run in this
 * process: the CLI's `main` with the child's environment, argv, stdout and stderr swapped in for
 * the call. A child costs seconds (Node, the bundle, and PGlite opening the home every command);
 * here the modules load once and each home's database stays open between commands (the lock is
 * still taken by each command). Calls run one at a time.
 *
 * Keep child processes where the process is the point: signals, crashes, the home lock between
 * processes, the bundle, a first run on an empty home (test/crash/cli.ts).
 */
import { resolve } from 'node:path';
import { format } from 'node:util';
import { migrate } from '#core/db/migrate.ts';
import type { Sql } from '#core/ports.ts';
import { closeDatabasePool, pooledDatabase, poolDatabases } from '#local/cli-context.ts';
import { main } from '#local/cli.ts';
import { BIN, type CliResult } from '#test/crash/cli.ts';

export { cliEnv, lastJson, researchParts, type CliResult } from '#test/crash/cli.ts';

// Process-level listeners a command may add only for its own duration (or, for `main`'s EPIPE
// watch, once per process): more of them after a call than before is a leak.
const WATCHED: [NodeJS.EventEmitter, string, string][] = [
  [process, 'exit', 'process'],
  [process, 'SIGINT', 'process'],
  [process, 'SIGTERM', 'process'],
  [process, 'uncaughtException', 'process'],
  [process, 'unhandledRejection', 'process'],
  [process.stdout, 'error', 'process.stdout'],
  [process.stderr, 'error', 'process.stderr'],
];

let queue: Promise<unknown> = Promise.resolve();
let calls = 0;

/**
 * Runs `prospector ARGS` in this process with `env` as its whole environment and returns what a
 * child would have: the exit code, and everything written to stdout and stderr (console too).
 * `timeoutMs` is accepted for the child helper's signature; the test's own timeout bounds a call.
 */
export function prospector(args: string[], env: NodeJS.ProcessEnv, _timeoutMs?: number): Promise<CliResult> {
  const result = queue.then(() => runInProcess(args, env));
  queue = result.catch(() => undefined);
  return result;
}

/**
 * The database of `home` as the in-process commands see it (opened into the pool if need be), for
 * a test's own queries between commands: a second connection to the folder is refused.
 */
export async function homeDatabase(home: string): Promise<Sql> {
  await queue;
  poolDatabases();
  const sql = (await pooledDatabase(resolve(home)))!;
  // As a command's runtime would have it (a home without the template's copy starts empty).
  await migrate(sql);
  return sql;
}

/** Closes the home databases the commands kept open; call it before removing a home (also run after all tests). */
export async function closeCliDatabases(): Promise<void> {
  await queue;
  await closeDatabasePool();
}

// After every file that used it: test/setup.ts calls this hook. A module-level afterAll would run
// only after the first file of a worker that shares its modules across files.
(globalThis as { closeCliDatabasesAfterFile?: () => Promise<void> }).closeCliDatabasesAfterFile = closeCliDatabases;

async function runInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  poolDatabases();
  let stdout = '';
  let stderr = '';
  const before = WATCHED.map(([emitter, event]) => emitter.listenerCount(event));
  const restore = [
    swapEnv(env),
    swapArgv([process.execPath, BIN, ...args]),
    captureWrites(process.stdout, (text) => (stdout += text)),
    captureWrites(process.stderr, (text) => (stderr += text)),
    captureConsole((text) => (stdout += text), (text) => (stderr += text)),
  ];
  const savedExitCode = process.exitCode;
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(process.argv);
  } catch (error) {
    // What Node does with an error nothing caught: its stack on stderr, exit code 1.
    stderr += `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
    code = 1;
  } finally {
    process.exitCode = savedExitCode;
    for (const undo of restore.reverse()) undo();
  }
  calls += 1;
  // The first call may add what `main` adds once per process.
  if (calls > 1) {
    const leaked = WATCHED.filter(([emitter, event], i) => emitter.listenerCount(event) > before[i]).map(([, event, on]) => `${on} '${event}'`);
    if (leaked.length > 0) throw new Error(`prospector ${args.join(' ')} left listener(s) behind on ${leaked.join(', ')}`);
  }
  return { code, signal: null, stdout, stderr };
}

/** Makes `env` the whole of process.env (in place, so references to it see the change). */
function swapEnv(env: NodeJS.ProcessEnv): () => void {
  const saved = { ...process.env };
  const replace = (next: NodeJS.ProcessEnv) => {
    for (const key of Object.keys(process.env)) delete process.env[key];
    for (const [key, value] of Object.entries(next)) if (value !== undefined) process.env[key] = value;
  };
  replace(env);
  return () => replace(saved);
}

function swapArgv(argv: string[]): () => void {
  const saved = process.argv;
  process.argv = argv;
  return () => {
    process.argv = saved;
  };
}

/** Sends a stream's writes to `sink` instead (a callback passed to write still runs). */
function captureWrites(stream: NodeJS.WriteStream, sink: (text: string) => void): () => void {
  const own = Object.hasOwn(stream, 'write');
  const original = stream.write;
  stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void) => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8'));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (done) process.nextTick(done);
    return true;
  }) as typeof stream.write;
  return () => {
    if (own) stream.write = original;
    else delete (stream as { write?: unknown }).write;
  };
}

const CONSOLE_OUT = ['log', 'info', 'debug', 'dir', 'table'] as const;
const CONSOLE_ERR = ['error', 'warn', 'trace'] as const;

/** Sends console output where a child's would go: log and info to stdout, warn and error to stderr. */
function captureConsole(out: (text: string) => void, err: (text: string) => void): () => void {
  const saved = new Map<string, unknown>();
  const c = console as unknown as Record<string, unknown>;
  for (const [names, sink] of [[CONSOLE_OUT, out], [CONSOLE_ERR, err]] as const) {
    for (const name of names) {
      saved.set(name, c[name]);
      c[name] = (...values: unknown[]) => sink(`${format(...values)}\n`);
    }
  }
  return () => {
    for (const [name, fn] of saved) c[name] = fn;
  };
}
