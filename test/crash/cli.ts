/** Running the `prospector` command as a user does: a child process over a temporary PROSPECTOR_HOME. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'local', 'bin', 'prospector.mjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI child: the test's, minus anything that could reach a real service. */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_ONLINE: '0', GROQ_API_KEY: '', GROQ_BASE_URL: '' };
  return { ...env, ...extra };
}

/** Starts the CLI; the caller may kill it. */
export function startProspector(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the CLI to the end (killed after `timeoutMs`). */
export async function prospector(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<CliResult> {
  const { child, done } = startProspector(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** The JSON the CLI printed as its last stdout line (`--json`). */
export function lastJson<T>(result: CliResult): T {
  const line = result.stdout.trim().split('\n').at(-1);
  if (!line) throw new Error(`no JSON on stdout (exit ${result.code}, signal ${result.signal}):\n${result.stderr.slice(-3000)}`);
  return JSON.parse(line) as T;
}

/** Lines of the lake's research table under `home` (one JSON object per lead and run). */
export async function researchParts(home: string): Promise<{ run_id: string; lead_id: string; status: string; domain: string; lead_email: string; icp: string | null; failure_stage: string | null }[]> {
  const root = join(home, 'lake', 'research');
  const out: { run_id: string; lead_id: string; status: string; domain: string; lead_email: string; icp: string | null; failure_stage: string | null }[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.name.endsWith('.jsonl')) {
        const text = await readFile(full, 'utf8').catch(() => '');
        for (const line of text.split('\n')) if (line.trim()) out.push(JSON.parse(line) as (typeof out)[number]);
      }
    }
  };
  await walk(root);
  return out;
}
