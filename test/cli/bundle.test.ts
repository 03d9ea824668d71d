/**
 * The CLI bundle that `npm ci` builds (`prepare`): the bundled CLI behaves as the sources do
 * (it finds the migrations, the sample seller and the model table beside the sources, not beside
 * the bundle), and the bin may use a bundle only while every source it was built from is
 * unchanged, so an edit is never run stale.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain JavaScript module without types (it runs before any loader)
import { freshBundle } from '#local/bin/fresh-bundle.mjs';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = join(ROOT, 'local', 'bin', 'build-cli.mjs');

type Fresh = { entry?: string; stale?: string };
const fresh = freshBundle as (dir?: string, root?: string) => Fresh;

describe('the bundled CLI', () => {
  let dir: string;
  let out: string;
  let home: string;
  /** Runs the bundle's main() as the bin does, in a child process. */
  const bundled = (args: string[]) =>
    exec(process.execPath, [join(dir, 'bin.mjs'), ...args], {
      env: { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: '' },
    });

  beforeAll(async () => {
    // Inside the checkout (.build is ignored), as the real bundle is: its packages (commander,
    // zod, PGlite) resolve from the checkout's node_modules.
    await mkdir(join(ROOT, '.build'), { recursive: true });
    dir = await mkdtemp(join(ROOT, '.build', 'test-'));
    out = join(dir, 'cli');
    home = join(dir, 'home');
    const { stdout } = await exec(process.execPath, [BUILD, '--out', out]);
    expect(stdout).toMatch(/bundled the CLI into .* \(\d+ sources/);
    await writeFile(join(dir, 'bin.mjs'), `const { main } = await import(${JSON.stringify(`${out}/cli.mjs`)});\nawait main();\n`);
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('is fresh right after the build and lists the sources it was built from', async () => {
    expect(fresh(out).entry).toMatch(/\/cli\/cli\.mjs$/);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { inputs: Record<string, unknown> };
    expect(Object.keys(manifest.inputs)).toEqual(expect.arrayContaining(['package.json', 'local/cli.ts', 'local/commands/show.ts', 'lambdas/core/errors.ts']));
  });

  test('answers --help and --version, and a command finds the files that live beside the sources', async () => {
    const help = await bundled(['--help']);
    expect(help.stdout).toContain('Usage: prospector');
    expect(help.stdout).toContain('Examples:');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await bundled(['--version'])).stdout.trim()).toBe(pkg.version);
    // the sample seller (local/data), the migrations (sql/) and the database all resolve
    const onboarded = await bundled(['onboard', '--sample']);
    expect(onboarded.stdout).toMatch(/Onboarded workspace "tallyhand"/);
    const runs = await bundled(['runs', '--json']);
    expect(JSON.parse(runs.stdout)).toEqual([]);
    // doctor loads the model table and groq-sdk lazily
    const doctor = JSON.parse((await bundled(['doctor', '--json'])).stdout) as { researcher: { provider: string }; models: unknown[] };
    expect(doctor.researcher.provider).toBe('offline-heuristic');
    expect(doctor.models).toHaveLength(3);
  }, 120_000);

  test('an unknown command fails the same way as from the sources', async () => {
    const error = (await bundled(['frobnicate']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('whether a bundle is fresh', () => {
  let root: string;
  let out: string;
  const file = (name: string) => join(root, name);
  /** A manifest recording each file's size and mtime now, as the build does. */
  async function build(names: string[]): Promise<void> {
    const inputs: Record<string, { size: number; mtimeMs: number }> = {};
    const { stat } = await import('node:fs/promises');
    for (const n of names) {
      const s = await stat(file(n));
      inputs[n] = { size: s.size, mtimeMs: s.mtimeMs };
    }
    await writeFile(join(out, 'manifest.json'), JSON.stringify({ entry: 'cli.mjs', inputs }));
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prospector-fresh-'));
    out = join(root, '.build', 'cli');
    await mkdir(join(root, 'local'), { recursive: true });
    await mkdir(out, { recursive: true });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('no build yet: stale', () => {
    expect(fresh(join(root, 'nowhere'), root)).toEqual({ stale: 'no bundle built' });
  });

  test('unchanged sources: fresh; an edit, a touch or a deletion: stale, naming the file', async () => {
    await writeFile(file('local/cli.ts'), 'export const a = 1;\n');
    await writeFile(file('package.json'), '{}\n');
    await build(['local/cli.ts', 'package.json']);
    expect(fresh(out, root).entry).toBe(`file://${out}/cli.mjs`);

    // same size, new content (a checkout or an editor's save sets the mtime)
    await writeFile(file('local/cli.ts'), 'export const a = 2;\n');
    expect(fresh(out, root)).toEqual({ stale: 'local/cli.ts changed since the build' });

    await build(['local/cli.ts', 'package.json']);
    expect(fresh(out, root).entry).toBeDefined();
    // an mtime set back to before the build (git checkout of an older file, `touch -d`) is still a change
    await utimes(file('package.json'), new Date('2020-01-01'), new Date('2020-01-01'));
    expect(fresh(out, root)).toEqual({ stale: 'package.json changed since the build' });

    await build(['local/cli.ts', 'package.json']);
    await unlink(file('package.json'));
    expect(fresh(out, root)).toEqual({ stale: 'package.json is gone' });
  });
});
