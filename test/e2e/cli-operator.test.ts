/**
 * The command line as an operator uses it over one shared home: a second process on a busy home
 * is refused naming the holder and nothing is lost; Ctrl-C closes a run as interrupted with its
 * true duration and `redrive` (by id prefix) finishes it; several sellers in one home never get
 * picked silently. The run that holds the home and the one stopped with Ctrl-C are child
 * processes; the other commands run in this process (test/helpers/cli-in-process.ts), which is
 * the second process the busy home refuses.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { LOCK_FILE } from '#local/lock.ts';
import { startProspector } from '#test/crash/cli.ts';
import { cliEnv, closeCliDatabases, lastJson, prospector, researchParts } from '#test/helpers/cli-in-process.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { directoryLeadsCsv } from '#test/helpers/sample-leads.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HEADER = 'company_name,company_website,lead_email,lead_name\n';
// The sample web holds every response of this host back 20 s: a run with it is still going
// while the test acts on it.
const SLOW = 'Slow Freight Lines,https://slow-freight.example,bob.tanaka@slow-freight.example,Bob Tanaka\n';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const hit = await probe();
    if (hit !== undefined) return hit;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('prospector on a busy home, interrupted, and with two sellers', { timeout: 240_000 }, () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    home = await migratedHome('prospector-operator-');
    env = cliEnv(home, { PROSPECTOR_FETCH_TIMEOUT_MS: '25000' });
    const onboard = await prospector(['onboard', '--sample'], env);
    expect(onboard.code, onboard.stderr).toBe(0);
  });
  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('a second run is refused at once naming the holder; the lake stays readable; nothing is lost', async () => {
    const leads = join(home, 'busy.csv');
    await writeFile(leads, HEADER + SLOW + 'Quillstack,https://quillstack.example,rachel.stein@quillstack.example,Rachel Stein\n');
    // The child opens the home's database itself: this process lets go of it first.
    await closeCliDatabases();
    // One page a site, and the slow site's 20 s hold cut at 5 s: the run cannot end in the
    // moment between taking the lock and being paused below, and ends soon after it resumes.
    const first = startProspector(['run', '--leads', leads, '--json'], { ...env, PROSPECTOR_MAX_PAGES: '1', PROSPECTOR_FETCH_TIMEOUT_MS: '5000' });
    const holder = await until('the first run to take the lock', async () => {
      const text = await readFile(join(home, LOCK_FILE), 'utf8').catch(() => '');
      return text.includes('"command":"run') ? (JSON.parse(text) as { pid: number; command: string }) : undefined;
    });
    expect(holder.pid).toBe(first.child.pid);

    // The holder is paused while the others are answered, so it is still running however long
    // they take on a loaded machine (a live process holding the lock is all they can see).
    first.child.kill('SIGSTOP');
    let stillRunning = false;
    const [second, reader, lake] = await Promise.all([
      prospector(['run', '--leads', leads], env),
      prospector(['runs'], env),
      prospector(['lake', 'query', 'SELECT count(*) AS n FROM research', '--json'], env),
    ]).finally(() => {
      stillRunning = first.child.exitCode === null;
      first.child.kill('SIGCONT');
    });
    expect(stillRunning).toBe(true);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(new RegExp(`in use by \`prospector run --leads .*busy\\.csv --json\` \\(pid ${first.child.pid}, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\)`));
    expect(second.stderr).toMatch(/only one process at a time may write a home/);
    expect(reader.code).not.toBe(0);
    expect(reader.stderr).toMatch(/one process at a time, even to read/);
    expect(reader.stderr).toMatch(/`prospector lake query` reads the lake and works meanwhile/);
    expect(lake.code, lake.stderr).toBe(0);

    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    const summary = lastJson<RunSummary>(done);
    expect(summary).toMatchObject({ status: 'succeeded', leadsFound: 2, leadsResearched: 1 });
    expect(summary.failures).toMatchObject([{ lead: 'bob.tanaka@slow-freight.example', stage: 'fetch', error: 'FetchTimeout' }]);
    // a site whose robots.txt does not answer is not asked for its homepage: one timeout, not two
    expect(summary.failures[0].message).toMatch(/^https:\/\/slow-freight\.example\/robots\.txt: timed out after 5000ms/);
    // The refused run left no trace; the first run is whole and readable by id prefix.
    const shown = await prospector(['show', summary.runId.slice(0, 8), '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ run: { runId: summary.runId, status: 'succeeded', leadsFound: 2 } });
    const runs = await prospector(['query', 'SELECT count(*)::int AS runs, (SELECT count(*)::int FROM run_lead) AS leads FROM run', '--json'], env);
    expect(JSON.parse(runs.stdout)).toEqual([{ runs: 1, leads: 2 }]);
  });

  test('Ctrl-C stops the run at a safe point, closes it as interrupted, and redrive by prefix finishes it', async () => {
    const leads = join(home, 'stopped.csv');
    await writeFile(leads, HEADER + SLOW + 'BeaconHQ,https://beaconhq.example,tom.ellis@beaconhq.example,Tom Ellis\n');
    const before = new Set((await researchParts(home)).map((p) => p.run_id));
    await closeCliDatabases();
    const spawned = Date.now();
    const run = startProspector(['run', '--leads', leads], env);
    // Once the fast lead is committed, the slow one is in flight.
    await until('the fast lead to be committed', async () => ((await researchParts(home)).some((p) => !before.has(p.run_id) && p.failure_stage !== 'search') ? true : undefined));
    run.child.kill('SIGINT');
    const stopped = await run.done;
    const wall = (Date.now() - spawned) / 1000;
    expect(stopped.code, stopped.stderr).toBe(130);
    // the slow site's fetch is given up at once; only steps that commit get the grace
    expect(stopped.stderr).toMatch(/stopping: no new lead starts; fetches stop now; \d step\(s\) in flight get up to 5 s to finish/);
    const prefix = /prospector redrive ([0-9a-f]{8})/.exec(stopped.stderr)?.[1];
    expect(prefix, stopped.stderr).toBeDefined();

    const shown = await prospector(['show', prefix!, '--json'], env);
    const show = JSON.parse(shown.stdout) as { run: RunSummary; durationSeconds: number; failuresByReason: { error: string; leads: { lead: string }[] }[] };
    expect(show.run.status).toBe('interrupted');
    expect(show.run.leadsResearched).toBe(1);
    expect(show.failuresByReason).toMatchObject([{ error: 'Interrupted', leads: [{ lead: 'bob.tanaka@slow-freight.example' }] }]);
    // Closed when it was stopped, not when some later command noticed.
    expect(show.durationSeconds).toBeGreaterThan(0);
    expect(show.durationSeconds).toBeLessThan(wall);

    const redrive = await prospector(['redrive', prefix!, '--json'], cliEnv(home, { PROSPECTOR_FETCH_TIMEOUT_MS: '1000' }));
    const after = lastJson<RunSummary>(redrive);
    expect(after.runId.startsWith(prefix!)).toBe(true);
    expect(after.status).toBe('succeeded');
    expect(after.failures).toMatchObject([{ lead: 'bob.tanaka@slow-freight.example', stage: 'fetch', error: 'FetchTimeout' }]);
  });

  test('Ctrl-C with leads still waiting: the process exits as soon as the run is closed', async () => {
    // A home of its own: the other tests count this home's runs.
    const own = await migratedHome('prospector-operator-stop-');
    try {
      const ownEnv = cliEnv(own, { PROSPECTOR_FETCH_TIMEOUT_MS: '25000', PROSPECTOR_LEAD_CONCURRENCY: '2' });
      expect((await prospector(['onboard', '--sample'], ownEnv)).code).toBe(0);
      const leads = join(own, 'queued.csv');
      // the slow site's lead and seven more from the bundled directory
      const sites = ['slow-freight.example', 'northstar-cold-chain.example', 'polderport-logistics.example', 'tidewater-packaging.example', 'shipwise-cloud.example', 'beaconhq.example'];
      await writeFile(leads, await directoryLeadsCsv(sites));
      await closeCliDatabases();
      const run = startProspector(['run', '--leads', leads], ownEnv);
      // Two at a time, so leads are still waiting when the first is committed: after the stop
      // their steps never start, and must not keep the process alive (each Task state's timeout
      // timer, up to 5 minutes, lived on while its step waited for the stop to end it).
      await until('a lead to be committed', async () => ((await researchParts(own)).some((p) => p.failure_stage !== 'search') ? true : undefined));
      run.child.kill('SIGINT');
      const stopped = await run.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      expect(stopped.stderr).toMatch(/Run [0-9a-f]{8} interrupted: \d+ lead\(s\) not finished/);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  }, 60_000);

  test('with two sellers nothing picks one silently: errors name --workspace, listings show it', async () => {
    const second = join(home, 'second.yaml');
    // Its knowledge paths are relative to the sample file: named absolutely from here.
    const sampleDir = dirname(SAMPLE_ONBOARDING);
    await writeFile(second, (await readFile(SAMPLE_ONBOARDING, 'utf8')).replace(/slug: tallyhand\b/, 'slug: second-seller').replaceAll('path: knowledge/', `path: ${sampleDir}/knowledge/`));
    const onboard = await prospector(['onboard', second], env);
    expect(onboard.code, onboard.stderr).toBe(0);

    // One after another: PGlite admits one process at a time, and a refused `run` holds the
    // home's (write) lock for a moment.
    const exported = await prospector(['export'], env);
    const run = await prospector(['run', '--leads', join(home, 'busy.csv')], env);
    const chosen = await prospector(['export', '--workspace', 'tallyhand'], env);
    const byEnv = await prospector(['export'], { ...env, PROSPECTOR_WORKSPACE: 'tallyhand' });
    const runs = await prospector(['runs', '--json'], env);
    const unknown = await prospector(['--workspace', 'nope', 'runs'], env);
    for (const refused of [exported, run]) {
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/several workspaces are onboarded \(second-seller, tallyhand\): choose one with --workspace SLUG \(or PROSPECTOR_WORKSPACE=SLUG\)/);
    }
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stdout).toContain('tom.ellis@beaconhq.example');
    expect(byEnv.stdout).toBe(chosen.stdout);
    expect((JSON.parse(runs.stdout) as { workspace: string }[]).map((r) => r.workspace)).toEqual(['tallyhand', 'tallyhand']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--workspace nope: no such workspace; onboarded: second-seller, tallyhand/);
  });
});
