/** The `prospector` command as a user runs it: a child process over a temporary PROSPECTOR_HOME. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'local', 'bin', 'prospector.mjs');

async function prospector(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...process.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', GROQ_API_KEY: '' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('prospector CLI', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-cli-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  test('--help lists the commands with examples', async () => {
    const { code, stdout } = await prospector(home, ['--help']);
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
    const { code, stderr } = await prospector(home, ['onboard', file]);
    expect(code).not.toBe(0);
    expect(stderr).toContain('tone.formality');
    expect(stderr).toMatch(/users\[0\]\.email/);
    expect(stderr).toMatch(/icps\[0\]\.dailyLeadQuota/);
    const count = await prospector(home, ['query', 'SELECT count(*)::int AS n FROM workspace', '--json']);
    expect(count.code).toBe(0);
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

  test('a leads file with a wrong header is refused with the missing columns named', async () => {
    const csv = join(home, 'bad-leads.csv');
    await writeFile(csv, 'company,website,email\nA,https://a.example,a@a.example\n');
    const { code, stderr } = await prospector(home, ['run', '--leads', csv]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/missing column\(s\) company_name, company_website, lead_email, lead_name/);
  });
});
