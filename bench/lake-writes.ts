/**
 * Lake writes per lead: synthetic leads through the local state machine (the real ASL, real
 * handlers, PGlite, the folder lake, the sample web on loopback) with the real Groq adapter
 * against the fake Groq, counting every `Lake.put` by area (an overwrite counts: S3 bills it).
 * The figure behind the S3 PUTs in `lambdas/core/pricing.ts`.
 *
 * By default one lead per sample-web site, so that no two leads share a company's fetch (a real run
 * of 1,000 leads has about 1,000 companies): PUTs per lead is then the whole run's over its leads.
 *
 *   node local/bin/run-ts.mjs bench/lake-writes.ts [--json] [--leads N]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { lakeAreas, inLakeArea, type LakeArea } from '#core/lake-keys.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { openLocal, runOnce } from '#local/runner.ts';
import { startFakeGroq } from '#test/fakes/fake-groq.ts';
import { benchDomains, syntheticLeads } from './pipeline.ts';
import { SAMPLE_ONBOARDING } from './tokens.ts';

export interface LakeWrites {
  leads: number;
  leadsResearched: number;
  /** distinct companies fetched */
  companies: number;
  pagesPerCompany: number;
  puts: number;
  putsPerLead: number;
  /** `Lake.get` calls, found or not (S3 bills both); `exists` checks (HEAD) are not counted */
  getsPerLead: number;
  byArea: Partial<Record<LakeArea | 'other', number>>;
}

/** Runs `leads` synthetic leads once and counts the lake writes. */
export async function benchLakeWrites(options: { leads?: number } = {}): Promise<LakeWrites> {
  const count = options.leads ?? benchDomains().length;
  const fake = await startFakeGroq({ latencyMs: 5 });
  const home = await mkdtemp(join(tmpdir(), 'bench-lake-writes-'));
  const rt = await openLocal({
    env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_LEAD_CONCURRENCY: '4', PROSPECTOR_FETCH_TIMEOUT_MS: '5000' },
    llm: new GroqLlm({ apiKey: 'gsk_bench_not_a_key', baseURL: fake.baseURL, timeoutMs: 60_000 }),
  });
  try {
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const leadsFile = join(home, 'bench-leads.json');
    await writeFile(leadsFile, JSON.stringify(syntheticLeads(count)));
    const byArea: Partial<Record<LakeArea | 'other', number>> = {};
    const lake = rt.deps.lake;
    const put = lake.put.bind(lake);
    let puts = 0;
    let gets = 0;
    const get = lake.get.bind(lake);
    lake.get = async (key) => {
      gets++;
      return get(key);
    };
    lake.put = async (key, body, opts) => {
      const area = (Object.keys(lakeAreas) as LakeArea[]).find((a) => inLakeArea(key, a)) ?? 'other';
      byArea[area] = (byArea[area] ?? 0) + 1;
      puts++;
      return put(key, body, opts);
    };
    const summary = await runOnce(rt, { leadsFile });
    const pages = await rt.deps.sql.query<{ pages: number; companies: number }>(
      `SELECT count(*)::int AS pages, count(DISTINCT company_id)::int AS companies FROM page_snapshot WHERE run_id = :runId::uuid AND outcome = 'fetched'`,
      { runId: summary.runId },
    );
    const { pages: pageCount, companies } = pages.rows[0];
    const r = (x: number) => Number(x.toFixed(2));
    return {
      leads: count, leadsResearched: summary.leadsResearched, companies, pagesPerCompany: companies ? r(pageCount / companies) : 0,
      puts, putsPerLead: r(puts / count), getsPerLead: r(gets / count), byArea,
    };
  } finally {
    await rt.close();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--leads');
  const result = await benchLakeWrites({ leads: at >= 0 ? Number(args[at + 1]) : undefined });
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
}
