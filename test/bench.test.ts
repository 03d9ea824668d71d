/**
 * A smoke run of the benchmark harness at tiny sizes: the one JSON object `npm run bench -- --json`
 * prints has every figure the benchmarks promise, each in its range. No timing is asserted: the
 * figures of a tiny run on a shared machine mean nothing; the harness working end to end does.
 *
 * The command itself runs once, in a child process (one JSON line on stdout, exit code 0, the
 * tokens benchmark in a process of its own as the command runs it); the other benchmarks run
 * through the same `runBenchmarks` in this process, with the same flags, so the suite starts one
 * TypeScript process tree instead of one per benchmark.
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parseArgs, runBenchmarks, type RunOptions } from '../bench/run.ts';
import { formatSuiteFiles, parseProbeLines, suiteFilesCommand, summariseProbe } from '../bench/suite-files.ts';
import { reapedChildrenCpuSeconds, startFileProbe, type FileProbe } from './helpers/file-probe.ts';
import { migratedHome } from './helpers/home.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const TINY = ['--leads', '6', '--pages', '2', '--passes', '1', '--starts', '1', '--sites', '2'];

/** What every report holds: the machine it ran on. */
function expectMachine(r: Record<string, any>): void {
  expect(r.machine).toMatchObject({ cpuModel: expect.any(String), cores: expect.any(Number), memoryGiB: expect.any(Number), node: process.version });
  expect(r.machine.cores).toBeGreaterThan(0);
}

/** `npm run bench -- --json --only <name>` at tiny sizes, as a command: exactly one JSON line on stdout. */
async function benchCommand(only: string): Promise<Record<string, any>> {
  const { stdout } = await exec(process.execPath, [join(ROOT, 'local', 'bin', 'run-ts.mjs'), 'bench/run.ts', '--json', '--only', only, ...TINY], {
    cwd: ROOT,
    timeout: 280_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const r = JSON.parse(lines[0]);
  expectMachine(r);
  return r;
}

/** One benchmark at tiny sizes through the command's own `runBenchmarks`, in this process; the report as the command prints it. */
async function bench(only: string, options: RunOptions = {}): Promise<Record<string, any>> {
  const report = await runBenchmarks(parseArgs(['--json', '--only', only, ...TINY]), () => {}, { isolate: false, ...options });
  const r = JSON.parse(JSON.stringify(report));
  expectMachine(r);
  return r;
}

describe('npm run bench --json at tiny sizes prints one JSON object with every figure in range', () => {
  test('cleanup', async () => {
    const r = await bench('cleanup');
    expect(r.cleanup.pages).toBe(2);
    expect(r.cleanup.speedupVsJsdom).toBeGreaterThan(0);
    expect(r.cleanup.memoryRatioVsJsdom).toBeGreaterThan(0);
    expect(r.cleanup.f1).toBeGreaterThanOrEqual(0);
    expect(r.cleanup.f1).toBeLessThanOrEqual(1);
  }, 300_000);

  test('tokens (the command, in a child process)', async () => {
    const r = await benchCommand('tokens');
    expect(r.tokens.leads).toBeGreaterThan(0);
    expect(r.tokens.leads).toBeLessThanOrEqual(2);
    expect(r.tokens.rawToPromptRatio).toBeGreaterThan(1);
    expect(r.tokens.totals.promptTokens).toBeGreaterThan(0);
    expect(r.tokens.medianPerLead.rawHtmlTokens).toBeGreaterThan(r.tokens.medianPerLead.cleanTextTokens);
  }, 300_000);

  test('data-api: the calls a lead sends to the Data API, by operation and by step, drafting included', async () => {
    const r = await bench('data-api');
    const d = r.dataApi;
    expect(d.leads).toBeGreaterThan(0);
    expect(d.leadsResearched).toBeGreaterThan(0);
    // a step that fails on the Data API's types (a bigint where SQL wants integer) drafts nothing
    expect(d.leadsDrafted).toBeGreaterThan(0);
    expect(r.checks.dataApiLeadsDrafted).toBe(true);
    const ops = d.byOperation as Record<string, number>;
    expect(Object.values(ops).reduce((a, b) => a + b, 0)).toBe(d.calls);
    expect(ops.ExecuteStatement).toBeGreaterThan(0);
    expect(ops.CommitTransaction + (ops.RollbackTransaction ?? 0)).toBe(ops.BeginTransaction);
    const steps = d.bySteps as { step: string; calls: number; perLead: number }[];
    expect(steps.reduce((a, s) => a + s.calls, 0)).toBe(d.calls);
    for (const step of ['SearchLeads', 'FetchSite', 'CleanPages', 'ResearchLead', 'CommitResearch', 'DraftOutreach']) {
      expect(steps.find((s) => s.step === step)?.calls, step).toBeGreaterThan(0);
    }
    expect(d.callsPerLead).toBeCloseTo(d.calls / d.leads, 1);
  }, 300_000);

  test('pipeline', async () => {
    const r = await bench('pipeline');
    const p = r.pipeline;
    expect(p).toMatchObject({ leads: 6, leadsResearched: 6, leadsFailed: 0, leadsLostTo429: 0, steady: false });
    expect(p.tokensPerLead).toBeGreaterThan(0);
    expect(p.boundLeadsPerMinute).toBeGreaterThan(0);
    // the limits are per model: the bound is the TPM over the tokens a lead needs on the model
    // that needs the most, part of the lead's tokens in all (two research passes, two models)
    expect(p.bindingModel.model).toMatch(/\S/);
    expect(p.bindingModel.tokensPerLead).toBeGreaterThan(0);
    expect(p.bindingModel.tokensPerLead).toBeLessThan(p.tokensPerLead);
    expect(p.boundLeadsPerMinute).toBeCloseTo(p.tokensPerMinute / p.bindingModel.tokensPerLead, 0);
    expect(p.boundUtilization).toBeGreaterThan(0);
    expect(p.boundUtilization).toBeLessThanOrEqual(1);
    expect(p.tokenUtilization).toBeGreaterThan(0);
    expect(p.tokenUtilization).toBeLessThanOrEqual(1);
    expect(p.responses429).toBeGreaterThanOrEqual(0);
    expect(p.orchestrationOverheadMsPerLead.median).toBeGreaterThanOrEqual(0);
    expect(Object.keys(p.handlerMsPerLead)).toEqual(expect.arrayContaining(['FetchSite', 'CleanPages', 'ResearchLead', 'CommitResearch']));
    expect(p.peakRssMb).toBeGreaterThan(0);

    expect(r.checks.pipelineLeadsLostTo429IsZero).toBe(true);
  }, 300_000);

  test('scale: every lead accounted for, memory and overhead reported', async () => {
    const r = await bench('scale');
    expect(r.scale).toMatchObject({ leads: 6, accountedFor: 6, unfinished: {}, batch: 10, manifestWindows: 1 });
    expect(r.scale.leadsResearched + r.scale.leadsSkipped + r.scale.leadsFailed).toBe(6);
    expect(r.scale.peakRssMb).toBeGreaterThanOrEqual(r.scale.baselineRssMb);
    expect(r.scale.orchestrationOverheadMsPerLead.median).toBeGreaterThanOrEqual(0);
    expect(r.checks.scaleEveryLeadAccountedFor).toBe(true);
  }, 300_000);

  test('startup', async () => {
    // Onboarded into a home whose database is already migrated (test/helpers/home.ts).
    const home = await migratedHome('prospector-bench-startup-');
    const r = await bench('startup', { startupHome: home }).finally(() => rm(home, { recursive: true, force: true }));
    expect(r.startup.npx).toMatchObject({ command: 'npx prospector --help', starts: 1 });
    expect(r.startup.bin.medianMs).toBeGreaterThan(0);
    // the bundle and the sources through tsx, for --help and for a read-only command; a new home with and without the cluster cache
    for (const k of ['binTsx', 'runs', 'runsTsx', 'newHome', 'newHomeNoCache']) expect(r.startup[k].medianMs, k).toBeGreaterThan(0);
    expect(typeof r.startup.bundle.fresh).toBe('boolean');
  }, 300_000);
});

describe('npm run bench', () => {
  test('flags: --only narrows the set, unknown names and flags are refused', () => {
    expect(parseArgs(['--only', 'tokens,pipeline', '--leads', '50']).only).toEqual(['tokens', 'pipeline']);
    expect(parseArgs(['--json']).only).toEqual(['cleanup', 'tokens', 'pipeline', 'startup']);
    expect(parseArgs(['--only', 'tokens', '--sites', '2']).sites).toBe(2);
    expect(parseArgs(['--leads', '50']).pipelineArgs).toEqual(['--leads', '50']);
    expect(() => parseArgs(['--only', 'gpu'])).toThrow(/--only takes cleanup\|tokens\|pipeline\|startup\|scale/);
    expect(parseArgs(['--only', 'scale', '--leads', '20000', '--batch', '25']).pipelineArgs).toEqual(['--leads', '20000', '--batch', '25']);
    expect(() => parseArgs(['--leads', 'many'])).toThrow(/positive number/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown flag --fast/);
  });
});

describe('where a test run went, file by file (PROSPECTOR_TEST_PROBE)', () => {
  test("a file's line holds its worker's CPU time and the CPU time of the children it waited for", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prospector-probe-'));
    try {
      const out = join(dir, 'files.jsonl');
      const done = startFileProbe(out, ROOT);
      // a child that spins 300 ms of CPU, reaped before the line is written
      const spin = spawnSync(process.execPath, ['-e', 'const t = process.cpuUsage(); for (let u = t; u.user + u.system < 300_000; u = process.cpuUsage(t));']);
      expect(spin.status).toBe(0);
      done(join(ROOT, 'test', 'example.test.ts'));
      const [line] = parseProbeLines(await readFile(out, 'utf8'));
      expect(line).toMatchObject({ file: 'test/example.test.ts', pid: process.pid });
      expect(line.children).toBeGreaterThanOrEqual(0.25);
      expect(line.end).toBeGreaterThanOrEqual(line.start);
      expect(line.cpu).toBeGreaterThanOrEqual(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // where /proc is not there, no children are counted rather than an error
    expect(reapedChildrenCpuSeconds(join(ROOT, 'no-such-proc-stat'))).toBe(0);
  });

  test('the summary splits file-seconds into workers, children and waiting, per worker and for the longest files', () => {
    const at = 1_800_000_000_000;
    const rows: FileProbe[] = [
      { file: 'test/a.test.ts', pid: 1, start: at, end: at + 10_000, cpu: 4, children: 1 },
      { file: 'test/b.test.ts', pid: 1, start: at + 10_000, end: at + 12_000, cpu: 2, children: 0 },
      { file: 'test/c.test.ts', pid: 2, start: at + 1_000, end: at + 9_000, cpu: 3, children: 4 },
    ];
    const s = summariseProbe(rows, { top: 2, cores: 2 });
    expect(s).toMatchObject({ files: 3, span: 12, fileSeconds: 20, workerCpu: 9, childrenCpu: 5, waiting: 6, cores: 2, packedSeconds: 7 });
    expect(s.workers).toEqual([
      { pid: 1, files: 2, firstStart: 0, lastEnd: 12, wall: 12, cpu: 6, children: 1 },
      { pid: 2, files: 1, firstStart: 1, lastEnd: 9, wall: 8, cpu: 3, children: 4 },
    ]);
    expect(s.longest).toEqual([
      { file: 'test/a.test.ts', wall: 10, cpu: 4, children: 1, waiting: 5 },
      { file: 'test/c.test.ts', wall: 8, cpu: 3, children: 4, waiting: 1 },
    ]);
    const text = formatSuiteFiles(s);
    expect(text).toContain('3 files over 12 s: 20 file-seconds = 9 CPU in the workers + 5 in their children + 6 waiting');
    expect(text).toContain('the same CPU time on 2 cores with no wait: 7 s');
    expect(text).toMatch(/^ +10\.0 +4\.0 +1\.0 +5\.0 {2}test\/a\.test\.ts$/m);
  });

  test('a line that is not a probe line is refused with its number and field; no lines at all says what to set', () => {
    expect(() => parseProbeLines('{"file":"a","pid":1,"start":0,"end":1,"cpu":0,"children":0}\nnot json')).toThrow(/^line 2: not JSON: not json$/);
    expect(() => parseProbeLines('{"file":"a","pid":1,"start":0,"end":1,"cpu":"fast","children":0}')).toThrow(/^line 1: "cpu" must be a number$/);
    expect(() => parseProbeLines('{"pid":1,"start":0,"end":1,"cpu":0,"children":0}')).toThrow(/^line 1: "file" must be a string$/);
    expect(() => summariseProbe(parseProbeLines('\n'))).toThrow(/PROSPECTOR_TEST_PROBE/);
  });

  test('the command names the file and what is wrong with it, and prints the summary or its JSON', () => {
    const line = JSON.stringify({ file: 'test/a.test.ts', pid: 7, start: 0, end: 4000, cpu: 1.5, children: 0.5 });
    const files: Record<string, string> = { 'good.jsonl': `${line}\n`, 'bad.jsonl': `${line}\n{"file":"b"}\n` };
    const read = (f: string) => {
      if (f in files) return files[f];
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${f}'`), { code: 'ENOENT' });
    };
    expect(suiteFilesCommand([], read)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^usage: /) });
    expect(suiteFilesCommand(['good.jsonl', '--top', 'x'], read)).toMatchObject({ code: 2, stderr: '--top takes a positive whole number, not "x"\n' });
    expect(suiteFilesCommand(['gone.jsonl'], read)).toMatchObject({ code: 1, stderr: 'cannot read gone.jsonl: no such file (run the tests with PROSPECTOR_TEST_PROBE set to it first)\n' });
    expect(suiteFilesCommand(['bad.jsonl'], read)).toMatchObject({ code: 1, stderr: 'bad.jsonl: line 2: "pid" must be a number\n' });
    const text = suiteFilesCommand(['--top', '1', 'good.jsonl'], read);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain('1 files over 4 s: 4 file-seconds = 1.5 CPU in the workers + 0.5 in their children + 2 waiting');
    const json = suiteFilesCommand(['good.jsonl', '--json'], read);
    expect(JSON.parse(json.stdout)).toMatchObject({ files: 1, waiting: 2, longest: [{ file: 'test/a.test.ts', waiting: 2 }] });
  });
});
