/**
 * The `prospector` command as a user runs it over a temporary PROSPECTOR_HOME: a child process
 * where the process is the point (the bin's help and version, the first command on an empty home,
 * output piped into head, a home the user cannot write), the other commands in this process
 * (test/helpers/cli-in-process.ts: the same exit code, stdout and stderr, without a Node start and
 * a PGlite open a command). The in-process commands keep the home's database open; it is closed
 * before a child opens the home.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { cliEnv, closeCliDatabases, prospector as inProcess } from '#test/helpers/cli-in-process.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'local', 'bin', 'prospector.mjs');

/** `prospector ARGS` as a child process. */
async function child(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  await closeCliDatabases();
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: cliEnv(home),
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `prospector ARGS` in this process, with the environment a child gets. */
async function prospector(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await inProcess(args, cliEnv(home));
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe('prospector CLI', { timeout: 120_000 }, () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-cli-'));
  });
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('--help lists the commands with examples', async () => {
    const { code, stdout } = await child(home, ['--help']);
    expect(code).toBe(0);
    for (const cmd of ['onboard', 'run', 'runs', 'export', 'query', 'redrive']) expect(stdout).toContain(cmd);
    expect(stdout).toContain('Examples:');
  });

  test('an onboarding file with three mistakes reports all three paths, exits non-zero and writes nothing', async () => {
    const good = await readFile(SAMPLE_ONBOARDING, 'utf8');
    const bad = good
      .replace(/formality: [0-9.]+/, 'formality: 1.4')
      .replace(/(\n\s+email: )[^\n]+/, '$1bob')
      .replace(/dailyLeadQuota: \d+/, 'dailyLeadQuota: 0');
    expect(bad).not.toBe(good);
    const file = join(home, 'bad.yaml');
    await writeFile(file, bad);
    // the first command on the empty home
    const { code, stderr } = await child(home, ['onboard', file]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('tone.formality');
    expect(stderr).toMatch(/users\[0\]\.email/);
    expect(stderr).toMatch(/icps\[0\]\.dailyLeadQuota/);
    const count = await prospector(home, ['query', 'SELECT count(*)::int AS n FROM workspace', '--json']);
    expect(count.code).toBe(0);
    expect(JSON.parse(count.stdout.trim())).toEqual([{ n: 0 }]);
  });

  test('onboard FILE --sample is refused, naming both, and writes nothing', async () => {
    const file = join(home, 'seller.yaml');
    await writeFile(file, await readFile(SAMPLE_ONBOARDING, 'utf8'));
    const both = await prospector(home, ['onboard', file, '--sample']);
    expect(both.code).toBe(2);
    expect(both.stdout).toBe('');
    expect(both.stderr).toBe(`error: give an onboarding FILE or --sample, not both: \`prospector onboard ${file}\` onboards the file, \`prospector onboard --sample\` the bundled sample seller\n`);
    const count = await prospector(home, ['query', 'SELECT count(*)::int AS n FROM workspace', '--json']);
    expect(JSON.parse(count.stdout.trim())).toEqual([{ n: 0 }]);
  });

  test('onboard --sample then runs --json lists nothing yet', async () => {
    const onboard = await prospector(home, ['onboard', '--sample']);
    expect(onboard.code).toBe(0);
    expect(onboard.stdout).toMatch(/Onboarded workspace "tallyhand"/);
    const runs = await prospector(home, ['runs', '--json']);
    expect(runs.code).toBe(0);
    expect(JSON.parse(runs.stdout.trim())).toEqual([]);
  });

  test('run --leads with a CSV researches those leads and prints the JSON summary last', async () => {
    const csv = join(home, 'leads.csv');
    await writeFile(
      csv,
      'company_name,company_website,lead_email,lead_name\n' +
        'Not A Site,javascript:alert(1),eve@evil.example,Eve\n',
    );
    const { code, stdout } = await prospector(home, ['run', '--leads', csv, '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ leadsFound: 1, leadsResearched: 0, leadsFailed: 1, llmCalls: 0 });
    expect(summary.failures[0]).toMatchObject({ lead: 'eve@evil.example', stage: 'search', error: 'InvalidLead' });
    expect(summary.failures[0].message).toMatch(/javascript/);
    for (const key of ['runId', 'leadsFound', 'leadsNew', 'leadsResearched', 'leadsSkipped', 'leadsFailed', 'llmCalls', 'promptTokens', 'completionTokens', 'failures']) {
      expect(summary).toHaveProperty(key);
    }
  });

  test('export --run takes a run id prefix as show does; an unknown id and a bad --limit are usage errors', async () => {
    const runs = JSON.parse((await prospector(home, ['runs', '--json'])).stdout) as { runId: string; workspace: string }[];
    expect(runs[0].workspace).toBe('tallyhand');
    const prefix = runs[0].runId.slice(0, 8);
    const exported = await prospector(home, ['export', '--run', prefix]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toBe('');
    // The prefix names the same run as the full id (this run's one lead was refused at search time).
    expect((await prospector(home, ['export', '--run', runs[0].runId])).stdout).toBe(exported.stdout);
    const unknown = await prospector(home, ['export', '--run', '00000000']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no run id starts with 00000000: list recent runs with `prospector runs`/);
    expect(unknown.stdout).toBe('');
    // the text table counts what the run drafted beside what it found
    const table = (await prospector(home, ['runs'])).stdout.split('\n');
    expect(table[0].trim().split(/\s+/)).toEqual(['run', 'workspace', 'status', 'kind', 'started', 'researcher', 'found', 'researched', 'skipped', 'failed', 'duplicates', 'new', 'drafted', 'tokens']);
    expect(table[2].trim().split(/\s+/).slice(-2)).toEqual(['0', '0']);
    const limit = await prospector(home, ['runs', '--limit', 'abc']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toMatch(/"abc" is not a number of runs/);
  });

  test('a run id prefix takes 6 characters, as the help says; a shorter one is told how many', async () => {
    const runs = JSON.parse((await prospector(home, ['runs', '--json'])).stdout) as { runId: string }[];
    const six = runs[0].runId.slice(0, 6);
    const shown = await prospector(home, ['show', six, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout.trim()).run.runId).toBe(runs[0].runId);
    const four = runs[0].runId.slice(0, 4);
    const short = await prospector(home, ['show', four]);
    expect(short.code).toBe(2);
    expect(short.stderr).toBe(`error: "${four}" is too short to name a run: give at least 6 characters of the id (list runs with \`prospector runs\`), or a lead's email\n`);
    const exported = await prospector(home, ['export', '--run', four]);
    expect(exported.code).toBe(2);
    expect(exported.stderr).toBe(`error: "${four}" is too short to name a run: give at least 6 characters of the id (list recent runs with \`prospector runs\`)\n`);
    for (const command of [['show'], ['export'], ['redrive'], ['report']]) {
      const help = (await prospector(home, [...command, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(help, command[0]).toContain('first 6+ characters');
      expect(help, command[0]).not.toContain('8+');
    }
  });

  test('a lead the search refused is explained by show, with the reason, not "no such lead"', async () => {
    const shown = await prospector(home, ['show', 'eve@evil.example']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/eve@evil\.example was refused by the search before it was stored as a lead, so it has no research: .*javascript/);
  });

  test('piped into head, output ends quietly with exit 0 (no EPIPE)', async () => {
    await closeCliDatabases();
    // Far more than a pipe buffer, so the writer really meets a closed pipe.
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" query "SELECT generate_series(1, 200000) AS n" --json | head -c 300 >/dev/null; exit \${PIPESTATUS[0]}`], {
      env: { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(0);
  });

  test('--version prints the version; a database error is said plainly, --debug adds the detail', async () => {
    const version = await child(home, ['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const bad = await prospector(home, ['query', 'SELECT nope FROM nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('error: the database refused the statement: relation "nowhere" does not exist');
    const debug = await prospector(home, ['query', 'SELECT nope FROM nowhere', '--debug']);
    expect(debug.stderr).toMatch(/SqlError: SELECT nope FROM nowhere/);
  });

  test('a lake statement DuckDB refuses is said plainly, as the database\'s is', async () => {
    const syntax = await prospector(home, ['lake', 'query', 'SELEC x']);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/^error: DuckDB refused the statement: Parser Error: syntax error at or near "SELEC"\n\nLINE 1: SELEC x\n/);
    const table = await prospector(home, ['lake', 'query', 'SELECT * FROM nosuchtable']);
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/^error: DuckDB refused the statement: Catalog Error: Table with name nosuchtable does not exist!/);
    expect(table.stderr).toContain('(the lake has the tables research and signals)');
    expect(table.stderr + syntax.stderr).not.toContain('something unexpected');
    const debug = await prospector(home, ['lake', 'query', 'SELEC x', '--debug']);
    expect(debug.stderr).toMatch(/caused by: LakeSqlError: Parser Error/);
  });

  test('a PROSPECTOR_HOME that is a file, or under one, is named as not a folder', async () => {
    const file = join(home, 'not-a-folder.txt');
    await writeFile(file, 'x');
    const runs = await inProcess(['runs'], cliEnv(file));
    expect(runs.code).toBe(2);
    expect(runs.stderr).toBe(`error: PROSPECTOR_HOME ${file} is a file, not a folder: point PROSPECTOR_HOME at a folder (a missing one is created)\n`);
    const under = await inProcess(['run'], cliEnv(join(file, 'home')));
    expect(under.code).toBe(2);
    expect(under.stderr).toBe(`error: PROSPECTOR_HOME ${join(file, 'home')} cannot be a folder: ${file} is a file: point PROSPECTOR_HOME at a folder (a missing one is created)\n`);
  });

  // Only root can drop to another user to make a home truly read-only (root ignores modes).
  const canDropPrivileges = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
  test.runIf(canDropPrivileges)('a read-only PROSPECTOR_HOME: read-only commands read a copy and say so; writers name the variable', async () => {
    const ro = await mkdtemp(join(tmpdir(), 'prospector-ro-'));
    await closeCliDatabases();
    try {
      await cp(home, ro, { recursive: true });
      await rm(join(ro, 'prospector.lock'), { force: true });
      const freeze = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          if (e.isDirectory()) await freeze(join(dir, e.name));
          else await chmod(join(dir, e.name), 0o444);
        }
        await chmod(dir, 0o555);
      };
      await freeze(ro);
      const asNobody = (args: string[]) =>
        spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
          env: { ...process.env, HOME: tmpdir(), PROSPECTOR_HOME: ro, PROSPECTOR_LOG_LEVEL: 'silent' },
          encoding: 'utf8',
          timeout: 120_000,
        });
      const runs = asNobody(['runs', '--json']);
      expect(runs.status, runs.stderr).toBe(0);
      expect(JSON.parse(runs.stdout).length).toBeGreaterThan(0);
      expect(runs.stderr).toMatch(new RegExp(`PROSPECTOR_HOME ${ro} is read-only \\(EACCES\\): reading a copy of its database`));
      const onboard = asNobody(['onboard', '--sample']);
      expect(onboard.status).toBe(2);
      expect(onboard.stderr).toMatch(/PROSPECTOR_HOME .* is read-only \(EACCES\): this command writes; point PROSPECTOR_HOME at a folder you can write/);
    } finally {
      await chmod(ro, 0o755);
      spawnSync('chmod', ['-R', 'u+w', ro]);
      await rm(ro, { recursive: true, force: true });
    }
  });

  test('a leads file with a wrong header is refused with the missing columns named', async () => {
    const csv = join(home, 'bad-leads.csv');
    await writeFile(csv, 'company,website,email\nA,https://a.example,a@a.example\n');
    const { code, stderr } = await prospector(home, ['run', '--leads', csv]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/missing column\(s\) company_name, company_website, lead_email, lead_name; found `company`, `website`, `email` \(comma-delimited\)/);
  });
});
