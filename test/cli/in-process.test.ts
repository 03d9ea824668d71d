/**
 * The in-process CLI helper gives what a child process would: the exit code, stdout and stderr of
 * one command, with the command's environment and argv swapped in only for its duration; calls
 * run one at a time; the test process's own exit code, environment and listeners are left as
 * they were; a home's database stays open between commands until the pool is closed.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, closeCliDatabases, homeDatabase, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';

describe('prospector in-process', () => {
  let home: string;
  beforeAll(async () => {
    home = await migratedHome('prospector-in-process-');
  });
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  it('returns the exit code and what went to stdout and stderr, as a child would', async () => {
    const version = await prospector(['--version'], cliEnv(home));
    expect(version).toEqual({ code: 0, signal: null, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/), stderr: '' });
    const unknown = await prospector(['nosuch'], cliEnv(home));
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain("error: unknown command 'nosuch'");
  });

  it('swaps the environment and argv in for the command only, and leaves the exit code alone', async () => {
    const before = { ...process.env };
    const argv = process.argv;
    process.exitCode = undefined;
    // PROSPECTOR_WORKSPACE names a workspace that does not exist: the command must see it.
    const r = await prospector(['runs'], cliEnv(home, { PROSPECTOR_WORKSPACE: 'nope' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PROSPECTOR_WORKSPACE nope');
    expect(process.env).toEqual(before);
    expect(process.argv).toBe(argv);
    expect(process.exitCode).toBeUndefined();
  });

  it('runs calls one at a time, in the order given, over the same open database', async () => {
    const [onboard, runs, query] = await Promise.all([
      prospector(['onboard', '--sample', '--json'], cliEnv(home)),
      prospector(['runs', '--json'], cliEnv(home)),
      prospector(['query', 'SELECT slug FROM workspace', '--json'], cliEnv(home)),
    ]);
    expect(onboard.code, onboard.stderr).toBe(0);
    expect(lastJson(runs)).toEqual([]);
    expect(lastJson(query)).toEqual([{ slug: 'tallyhand' }]);
    // The test reads the same database the commands wrote, without a second connection.
    const sql = await homeDatabase(home);
    expect((await sql.query<{ slug: string }>('SELECT slug FROM workspace')).rows).toEqual([{ slug: 'tallyhand' }]);
  });

  it('onboarding a seller without a postal address warns that nothing will be sent, and imports', async () => {
    // the knowledge documents' paths are relative to the file: point them at the sample's
    const text = (await readFile(SAMPLE_ONBOARDING, 'utf8'))
      .replace(/^  postalAddress: .*\n/m, '')
      .replaceAll('path: knowledge/', `path: ${join(dirname(SAMPLE_ONBOARDING), 'knowledge')}/`);
    expect(text).not.toContain('postalAddress');
    const file = join(home, 'no-postal.yaml');
    await writeFile(file, text);
    const r = await prospector(['onboard', file], cliEnv(home));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Updated workspace "tallyhand"');
    expect(r.stdout).toContain("Warning: company.postalAddress is empty: every email carries the seller's postal address in its footer, so no email is sent until it is added (drafting and approval go on).");
    const again = await prospector(['onboard', '--sample'], cliEnv(home));
    expect(again.stdout).not.toContain('Warning');
  });

  it('leaves no process listener behind, however many commands run', async () => {
    const counts = () => ['exit', 'SIGINT', 'SIGTERM'].map((e) => process.listenerCount(e)).concat(process.stdout.listenerCount('error'));
    await prospector(['runs'], cliEnv(home));
    const before = counts();
    for (let i = 0; i < 12; i++) await prospector(['runs'], cliEnv(home));
    expect(counts()).toEqual(before);
  });

  it('closes the pooled database, and the next command opens it again', async () => {
    await closeCliDatabases();
    const r = await prospector(['query', 'SELECT count(*)::int AS n FROM workspace', '--json'], cliEnv(home));
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson(r)).toEqual([{ n: 1 }]);
  });
});
