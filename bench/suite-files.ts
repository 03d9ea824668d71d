/**
 * Where a whole test run's time went, from the lines `PROSPECTOR_TEST_PROBE` had each test file
 * write (test/helpers/file-probe.ts):
 *
 *   PROSPECTOR_TEST_PROBE=/tmp/files.jsonl npm test
 *   node local/bin/run-ts.mjs bench/suite-files.ts /tmp/files.jsonl [--top 25] [--json]
 *
 * Per worker: its files' wall time, its own CPU time and its reaped children's. For the run: the
 * file-seconds, split into CPU in the workers, CPU in their children, and the rest, which is
 * waiting (on timers, sockets, children still running, or the cores); and the shortest wall time
 * the same CPU time could take on the machine's cores with no wait at all. Then the longest files.
 * Nothing here is timed: it reads what the run measured, and compares only figures of that run.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { FileProbe } from '../test/helpers/file-probe.ts';

export interface WorkerTotals {
  pid: number;
  files: number;
  /** seconds from its first file's start to its last file's end, from the run's first start */
  firstStart: number;
  lastEnd: number;
  wall: number;
  cpu: number;
  children: number;
}

export interface FileRow {
  file: string;
  wall: number;
  cpu: number;
  children: number;
  /** wall time that was neither the worker's CPU nor its children's (negative when children ran beside the worker) */
  waiting: number;
}

export interface SuiteFiles {
  files: number;
  /** seconds from the first file's start to the last file's end */
  span: number;
  fileSeconds: number;
  workerCpu: number;
  childrenCpu: number;
  waiting: number;
  cores: number;
  /** the CPU time spread over every core with no wait: no run of this work can be shorter */
  packedSeconds: number;
  workers: WorkerTotals[];
  longest: FileRow[];
}

const round = (n: number) => Math.round(n * 10) / 10;

/** One probe line (test/helpers/file-probe.ts's `FileProbe`). */
const ProbeLine = z.object({
  file: z.string(),
  pid: z.number().finite(),
  start: z.number().finite(),
  end: z.number().finite(),
  cpu: z.number().finite(),
  children: z.number().finite(),
}) satisfies z.ZodType<FileProbe>;

/** Parses the probe's lines, naming the line and field of any that is not one. */
export function parseProbeLines(text: string): FileProbe[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new Error(`line ${n}: not JSON: ${line.slice(0, 80)}`);
      }
      const row = ProbeLine.safeParse(json);
      if (row.success) return row.data;
      const [issue] = row.error.issues;
      const key = String(issue.path[0]);
      throw new Error(`line ${n}: "${key}" must be ${key === 'file' ? 'a string' : 'a number'}`);
    });
}

/** Wall, worker CPU and children's CPU seconds of some files, summed. */
function totals(files: readonly FileProbe[]): { wall: number; cpu: number; children: number } {
  return files.reduce((t, f) => ({ wall: t.wall + (f.end - f.start) / 1000, cpu: t.cpu + f.cpu, children: t.children + f.children }), { wall: 0, cpu: 0, children: 0 });
}

/** The run's totals, its workers' and its `top` longest files. */
export function summariseProbe(rows: FileProbe[], options: { top?: number; cores?: number } = {}): SuiteFiles {
  if (rows.length === 0) throw new Error('no test file was recorded: was PROSPECTOR_TEST_PROBE set for the run?');
  const cores = options.cores ?? cpus().length;
  const t0 = Math.min(...rows.map((r) => r.start));
  const since = (at: number) => round((at - t0) / 1000);
  const byPid = new Map<number, FileProbe[]>();
  for (const r of rows) {
    const files = byPid.get(r.pid) ?? [];
    files.push(r);
    byPid.set(r.pid, files);
  }
  const workers = [...byPid].map(([pid, files]) => {
    const t = totals(files);
    return {
      pid,
      files: files.length,
      firstStart: since(Math.min(...files.map((f) => f.start))),
      lastEnd: since(Math.max(...files.map((f) => f.end))),
      wall: round(t.wall),
      cpu: round(t.cpu),
      children: round(t.children),
    };
  });
  const run = totals(rows);
  const longest = rows
    .map((r) => ({ file: r.file, ...totals([r]) }))
    .sort((a, b) => b.wall - a.wall)
    .slice(0, options.top ?? 25)
    .map((r) => ({ file: r.file, wall: round(r.wall), cpu: round(r.cpu), children: round(r.children), waiting: round(r.wall - r.cpu - r.children) }));
  return {
    files: rows.length,
    span: since(Math.max(...rows.map((r) => r.end))),
    fileSeconds: round(run.wall),
    workerCpu: round(run.cpu),
    childrenCpu: round(run.children),
    waiting: round(run.wall - run.cpu - run.children),
    cores,
    packedSeconds: round((run.cpu + run.children) / cores),
    workers: workers.sort((a, b) => b.wall - a.wall),
    longest,
  };
}

/** The summary as text. */
export function formatSuiteFiles(s: SuiteFiles): string {
  const lines = [
    `${s.files} files over ${s.span} s: ${s.fileSeconds} file-seconds = ${s.workerCpu} CPU in the workers + ${s.childrenCpu} in their children + ${s.waiting} waiting`,
    `the same CPU time on ${s.cores} cores with no wait: ${s.packedSeconds} s`,
    '',
    'worker    files  first   last   wall    cpu  children',
    ...s.workers.map((w) => `${String(w.pid).padEnd(9)} ${String(w.files).padStart(5)} ${w.firstStart.toFixed(1).padStart(6)} ${w.lastEnd.toFixed(1).padStart(6)} ${w.wall.toFixed(1).padStart(6)} ${w.cpu.toFixed(1).padStart(6)} ${w.children.toFixed(1).padStart(9)}`),
    '',
    '  wall    cpu  children  waiting  file',
    ...s.longest.map((r) => `${r.wall.toFixed(1).padStart(6)} ${r.cpu.toFixed(1).padStart(6)} ${r.children.toFixed(1).padStart(9)} ${r.waiting.toFixed(1).padStart(8)}  ${r.file}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The command: its exit code and what it prints, for the arguments after the script's name. */
export function suiteFilesCommand(args: string[], read: (file: string) => string = (f) => readFileSync(f, 'utf8')): { code: number; stdout: string; stderr: string } {
  const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
  if (!file) return { code: 2, stdout: '', stderr: 'usage: node local/bin/run-ts.mjs bench/suite-files.ts <probe.jsonl> [--top N] [--json]\n' };
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : undefined;
  if (top !== undefined && !(Number.isInteger(top) && top > 0)) return { code: 2, stdout: '', stderr: `--top takes a positive whole number, not ${JSON.stringify(args[topAt + 1])}\n` };
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (run the tests with PROSPECTOR_TEST_PROBE set to it first)' : (error as Error).message;
    return { code: 1, stdout: '', stderr: `cannot read ${file}: ${why}\n` };
  }
  try {
    const summary = summariseProbe(parseProbeLines(text), { top });
    return { code: 0, stdout: args.includes('--json') ? `${JSON.stringify(summary)}\n` : formatSuiteFiles(summary), stderr: '' };
  } catch (error) {
    return { code: 1, stdout: '', stderr: `${file}: ${(error as Error).message}\n` };
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const r = suiteFilesCommand(process.argv.slice(2));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}
