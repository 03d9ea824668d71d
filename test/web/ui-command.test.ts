/**
 * `prospector ui` as a rep runs it, in a child process over a home with the sample seller: it
 * prints the URL and a one-time link on loopback, the link signs in once, the pages render, it
 * holds the home while it serves, and Ctrl-C (SIGINT) stops it and lets the home go.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { migratedHome } from '#test/helpers/home.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'local', 'bin', 'prospector.mjs');

let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  home = await migratedHome('prospector-ui-');
  env = { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' };
  await exec(process.execPath, [BIN, 'onboard', '--sample'], { env });
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

test('prospector ui prints a loopback URL and a one-time link that signs in once; Ctrl-C stops it', async () => {
  const child = spawn(process.execPath, [BIN, 'ui', '--port', '0'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await expect
      .poll(() => out, { timeout: 60_000, interval: 200 })
      .toMatch(/Sign in \(one-time link, valid 15 minutes\): http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+/);
    expect(out).toMatch(/Prospector web app for workspace tallyhand: http:\/\/127\.0\.0\.1:\d+/);
    const link = /(http:\/\/127\.0\.0\.1:\d+)\/login\?token=\S+/.exec(out)!;
    const origin = link[1];

    expect((await fetch(`${origin}/review`, { redirect: 'manual' })).status).toBe(302);
    const login = await fetch(link[0], { redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    for (const path of ['/review', '/leads', '/runs', '/onboarding']) {
      const res = await fetch(`${origin}${path}`, { headers: { cookie } });
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('Tallyhand');
    }
    expect((await fetch(link[0], { redirect: 'manual' })).status).toBe(401);

    // a second person (or the first after signing out) gets a new link from the running app: Enter
    // for the default user, an email for that user; someone else is refused, naming the users
    child.stdin.write('lukas.brenner@tallyhand.com\n');
    await expect.poll(() => out, { timeout: 10_000, interval: 100 }).toMatch(/Sign in as lukas\.brenner@tallyhand\.com \(one-time link, valid 15 minutes\): http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+/);
    const second = /Sign in as lukas\.brenner@tallyhand\.com \(one-time link, valid 15 minutes\): (\S+)/.exec(out)![1];
    const lukas = await fetch(second, { redirect: 'manual' });
    expect(lukas.status).toBe(303);
    const page = await (await fetch(`${origin}/review`, { headers: { cookie: lukas.headers.get('set-cookie')!.split(';')[0] } })).text();
    expect(page).toContain('lukas.brenner@tallyhand.com');
    child.stdin.write('\n');
    await expect.poll(() => out, { timeout: 10_000, interval: 100 }).toMatch(/Sign in as maya\.okafor@tallyhand\.com \(one-time link/);
    child.stdin.write('nobody@tallyhand.com\n');
    await expect.poll(() => out, { timeout: 10_000, interval: 100 }).toMatch(/No link: nobody@tallyhand\.com: not a user of this workspace; users: /);

    // the home is held while the app serves: a writing command is refused with the holder named
    const busy = await exec(process.execPath, [BIN, 'onboard', '--sample'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(busy).toMatchObject({ code: 75 });
    expect((busy as { stderr: string }).stderr).toContain('ui');
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(existsSync(join(home, 'prospector.lock'))).toBe(false);
});
