/**
 * Where a whole run's time goes, file by file: with `PROSPECTOR_TEST_PROBE=<file.jsonl>`,
 * test/setup.ts appends one JSON line per test file when the file ends, with its worker's pid,
 * its wall-clock start and end, the CPU time its worker spent on it (`process.cpuUsage`) and the
 * CPU time of the child processes it started and waited for (`cutime` + `cstime` from
 * /proc/self/stat, which counts a child once it has been reaped, its own children included).
 * `bench/suite-files.ts` reads the lines back into per-worker totals and the longest files (the
 * README's Tests section has the commands).
 *
 * Nothing is measured or written without the variable. A file's wall time that is neither its
 * worker's CPU nor its children's is time the worker waited: on a timer, a socket, a child still
 * running, or the cores (the other worker and its children held both).
 */
import { appendFileSync, readFileSync } from 'node:fs';

export interface FileProbe {
  file: string;
  pid: number;
  /** epoch milliseconds */
  start: number;
  end: number;
  /** the worker's CPU-seconds (user + system) while the file ran */
  cpu: number;
  /** CPU-seconds of the children the file's worker reaped while the file ran */
  children: number;
}

/** Linux's clock ticks a second for /proc times (USER_HZ: 100 on every Linux build that runs Node). */
const USER_HZ = 100;

/** CPU-seconds of this process's reaped children so far (0 where /proc is not there). */
export function reapedChildrenCpuSeconds(stat = '/proc/self/stat'): number {
  try {
    // Fields after the command name (which may hold spaces, so cut at its closing parenthesis):
    // state is field 3, cutime field 16 and cstime field 17 (proc(5)).
    const text = readFileSync(stat, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / USER_HZ;
  } catch {
    return 0;
  }
}

/** Starts measuring a file; the returned function writes its line to `out` (relative paths from `root`). */
export function startFileProbe(out: string, root: string): (file: string | undefined) => void {
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  const children0 = reapedChildrenCpuSeconds();
  return (file) => {
    const cpu = process.cpuUsage(cpu0);
    const line: FileProbe = {
      file: file && file.startsWith(root) ? file.slice(root.length).replace(/^[\\/]/, '') : (file ?? '?'),
      pid: process.pid,
      start,
      end: Date.now(),
      cpu: (cpu.user + cpu.system) / 1e6,
      children: reapedChildrenCpuSeconds() - children0,
    };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  };
}
