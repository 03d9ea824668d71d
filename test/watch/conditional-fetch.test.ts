/**
 * Cheap re-checks: the sample web answers conditional requests like a real server (RFC 9110 §13),
 * and a second visit of a site sends the stored validators, so pages that did not change end at a
 * 304 and reuse the previous copy (no new raw object, no cleanup, no LLM call), while a page whose
 * body changed is stored, cleaned and researched again.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migratedHome } from '#test/helpers/home.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { startSampleWeb, type SampleWeb } from '#local/sample-web/server.ts';

const SITES = join(import.meta.dirname, '..', '..', 'local', 'sample-web', 'sites');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(web: SampleWeb, host: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: web.host, port: web.port, path, headers: { Host: host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the sample web answers conditional requests (RFC 9110 §13)', () => {
  let web: SampleWeb;
  let first: Answer;
  beforeAll(async () => {
    web = await startSampleWeb();
    first = await get(web, 'pipewright.example', '/pricing');
  });
  afterAll(() => web?.close());

  test('a page carries a strong ETag and a Last-Modified date', () => {
    expect(first.status).toBe(200);
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(Number.isFinite(Date.parse(String(first.headers['last-modified'])))).toBe(true);
  });

  test('If-None-Match with the current tag gets 304 with the validators and no body', async () => {
    const again = await get(web, 'pipewright.example', '/pricing', { 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers['content-length']).toBeUndefined();
  });

  test('another tag, or another page, gets the full page', async () => {
    expect((await get(web, 'pipewright.example', '/pricing', { 'If-None-Match': '"something-else"' })).status).toBe(200);
    const about = await get(web, 'pipewright.example', '/about', { 'If-None-Match': String(first.headers.etag) });
    expect(about.status).toBe(200);
    expect(about.body).toContain('<html');
  });

  test('If-Modified-Since is honoured alone and ignored when If-None-Match is present', async () => {
    const since = String(first.headers['last-modified']);
    expect((await get(web, 'pipewright.example', '/pricing', { 'If-Modified-Since': since })).status).toBe(304);
    expect((await get(web, 'pipewright.example', '/pricing', { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status).toBe(200);
    expect((await get(web, 'pipewright.example', '/pricing', { 'If-None-Match': '"stale"', 'If-Modified-Since': since })).status).toBe(200);
  });

  test('the gzip representation has its own tag', async () => {
    const gz = await get(web, 'pipewright.example', '/pricing', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).not.toBe(first.headers.etag);
    expect((await get(web, 'pipewright.example', '/pricing', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(gz.headers.etag) })).status).toBe(304);
  });
});

const LEADS = [
  { company_name: 'Pipewright', company_website: 'https://pipewright.example', lead_email: 'florian.maier@pipewright.example', lead_name: 'Florian Maier' },
  { company_name: 'Meridian Supply', company_website: 'https://meridian-supply.example', lead_email: 'dana.ops@meridian-supply.example', lead_name: 'Dana Ops' },
];

describe('a second visit of a site re-checks with validators', () => {
  let home: string;
  let root: string;
  let rt: LocalRuntime;
  let runs: RunSummary[];
  const counts: { raw: number; llmCalls: number }[] = [];

  const snapshot = async () => ({
    raw: (await rt.deps.lake.list('raw/html/')).length,
    llmCalls: (await rt.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM llm_call`)).rows[0].n,
  });
  const pages = async (runId: string) =>
    (
      await rt.deps.sql.query<{ url: string; http_status: number; revalidated: string | null; raw_key: string; clean_key: string | null; etag: string | null }>(
        `SELECT url, http_status, revalidated, raw_key, clean_key, etag FROM page_snapshot WHERE run_id = :runId::uuid AND outcome = 'fetched' ORDER BY url`,
        { runId },
      )
    ).rows;

  beforeAll(async () => {
    home = await migratedHome('prospector-recheck-');
    root = await mkdtemp(join(tmpdir(), 'prospector-sites-'));
    for (const site of ['pipewright.example', 'meridian-supply.example']) await cp(join(SITES, site), join(root, site), { recursive: true });
    rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sampleWebRoot: root });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    runs = [await runOnce(rt, { leads: LEADS })];
    counts.push(await snapshot());
    runs.push(await runOnce(rt, { leads: LEADS }));
    counts.push(await snapshot());
    // A price change on one page of one site between the second and the third visit.
    const pricing = join(root, 'pipewright.example', 'pricing.html');
    const html = await readFile(pricing, 'utf8');
    const edited = html.replace('€1,800', '€1,950');
    expect(edited).not.toBe(html);
    await writeFile(pricing, edited);
    runs.push(await runOnce(rt, { leads: LEADS }));
    counts.push(await snapshot());
  }, 240_000);

  afterAll(async () => {
    await rt?.close();
    await rm(home, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  test('the first visit stores each page with its validators', async () => {
    const first = await pages(runs[0].runId);
    expect(first.length).toBeGreaterThan(4);
    for (const p of first) {
      expect(p.http_status, p.url).toBe(200);
      expect(p.etag, p.url).toMatch(/^"/);
      expect(p.revalidated, p.url).toBeNull();
    }
  });

  test('nothing changed: every page ends at a 304, reuses the stored copy, and no LLM call is made', async () => {
    const first = await pages(runs[0].runId);
    const second = await pages(runs[1].runId);
    expect(second.map((p) => p.url)).toEqual(first.map((p) => p.url));
    for (const [i, p] of second.entries()) {
      expect(p.http_status, p.url).toBe(304);
      expect(p.revalidated, p.url).toBe('not_modified');
      expect(p.raw_key, p.url).toBe(first[i].raw_key);
      expect(p.clean_key, p.url).toBe(first[i].clean_key);
    }
    expect(counts[1]).toEqual(counts[0]);
    // Research is not repeated: the pages hash as before, so the stored research stands.
    expect(runs[0].leadsResearched).toBeGreaterThan(0);
    expect(runs[1].leadsResearched).toBe(0);
    expect(runs[1].skipped.map((s) => s.reason).filter((r) => r.startsWith('unchanged:'))).toHaveLength(runs[0].leadsResearched);
  });

  test('a changed page is fetched whole and stored anew; the rest still end at a 304', async () => {
    const second = await pages(runs[1].runId);
    const third = await pages(runs[2].runId);
    const pricing = third.find((p) => p.url === 'https://pipewright.example/pricing');
    expect(pricing).toBeDefined();
    expect(pricing!.http_status).toBe(200);
    expect(pricing!.revalidated).toBeNull();
    expect(pricing!.raw_key).not.toBe(second.find((p) => p.url === pricing!.url)!.raw_key);
    const others = third.filter((p) => p.url !== pricing!.url);
    expect(others.length).toBeGreaterThan(0);
    for (const p of others) expect(p.revalidated, p.url).toBe('not_modified');
    expect(counts[2].raw).toBe(counts[1].raw + 1);
    // the changed site is researched again (the offline researcher counts as calls too)
    expect(runs[2].leadsResearched).toBe(1);
  });
});
