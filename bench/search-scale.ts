/**
 * The per-run steps at scale, without the lead Map: StartRun, SearchLeads and ListRunLeads over N
 * synthetic leads (the scale bench's leads: the sample web's sites, many leads a company) on
 * PGlite in a temporary PROSPECTOR_HOME, as the local run opens it. Each statement's time is
 * summed by its first words, so a statement that grows with the rows before it stands out.
 *
 *   node local/bin/run-ts.mjs bench/search-scale.ts [--json] [--leads 5000,10000,20000] [--explain]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { listRunLeads } from '#core/pipeline/list-run-leads.ts';
import { searchLeads } from '#core/pipeline/search-leads.ts';
import { startRun } from '#core/pipeline/start-run.ts';
import type { Sql } from '#core/ports.ts';
import { openLocal, stageLeads } from '#local/runner.ts';
import { syntheticLeads } from './pipeline.ts';
import { SAMPLE_ONBOARDING } from './tokens.ts';

export interface SearchScale {
  leads: number;
  startRunMs: number;
  searchLeadsMs: number;
  listRunLeadsMs: number;
  accepted: number;
  listed: number;
  /** the slowest statements: total ms and calls, by their first words */
  statements: { statement: string; calls: number; ms: number }[];
}

/** Wraps a Sql so every statement's time is summed under its first words (and EXPLAINed on its 1st and every 10th call, if asked). */
function timed(sql: Sql, totals: Map<string, { calls: number; ms: number }>, explain?: (text: string, params: unknown, tx: Sql) => Promise<void>): Sql {
  const wrap = (inner: Sql): Sql => ({
    query: async (text: string, params?: never) => {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
      const start = performance.now();
      try {
        return await inner.query(text, params);
      } finally {
        const t = totals.get(key) ?? { calls: 0, ms: 0 };
        t.calls++;
        t.ms += performance.now() - start;
        totals.set(key, t);
        if (explain && (t.calls === 1 || t.calls % 10 === 0)) await explain(text, params, inner);
      }
    },
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
    close: () => inner.close(),
  }) as Sql;
  return wrap(sql);
}

/** Runs StartRun, SearchLeads and ListRunLeads over `count` synthetic leads and returns their times. */
export async function benchSearchScale(count: number, options: { explain?: boolean; log?: (line: string) => void } = {}): Promise<SearchScale> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const home = await mkdtemp(join(tmpdir(), 'bench-search-'));
  const rt = await openLocal({ env: { PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent' }, sampleWeb: false });
  try {
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    const totals = new Map<string, { calls: number; ms: number }>();
    const explain = options.explain
      ? async (text: string, params: unknown, inner: Sql) => {
          // Reads are run again under EXPLAIN ANALYZE (real row counts and times); writes only planned.
          const analyze = /^\s*SELECT/i.test(text) ? 'ANALYZE ' : '';
          const plan = await inner.query<Record<string, string>>(`EXPLAIN ${analyze}${text}`, params as never).catch(() => undefined);
          if (plan) log(`EXPLAIN ${text.replace(/\s+/g, ' ').slice(0, 120)}\n  ${plan.rows.map((r) => Object.values(r)[0]).join('\n  ')}`);
        }
      : undefined;
    const deps = { ...rt.deps, sql: timed(rt.deps.sql, totals, explain) };
    const leadsKey = await stageLeads(rt.deps.lake, syntheticLeads(count));

    let t = performance.now();
    const started = await startRun(deps, { leadsKey });
    const startRunMs = performance.now() - t;
    t = performance.now();
    const out = await searchLeads(deps, { runId: started.runId, icp: started.icps[0] });
    const searchLeadsMs = performance.now() - t;
    t = performance.now();
    const listed = await listRunLeads(deps, { runId: started.runId, leadConcurrency: 8, leadBatchSize: 10 });
    const listRunLeadsMs = performance.now() - t;

    const statements = [...totals].map(([statement, v]) => ({ statement, calls: v.calls, ms: Math.round(v.ms) })).sort((a, b) => b.ms - a.ms).slice(0, 8);
    return { leads: count, startRunMs: Math.round(startRunMs), searchLeadsMs: Math.round(searchLeadsMs), listRunLeadsMs: Math.round(listRunLeadsMs), accepted: out.accepted, listed: listed.count, statements };
  } finally {
    await rt.close();
    await rm(home, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--leads');
  const counts = (i >= 0 ? args[i + 1] : '5000,10000,20000').split(',').map(Number);
  for (const n of counts) {
    const r = await benchSearchScale(n, { explain: args.includes('--explain') });
    if (args.includes('--json')) console.log(JSON.stringify(r));
    else {
      console.log(`${n} leads: StartRun ${r.startRunMs} ms · SearchLeads ${r.searchLeadsMs} ms (${r.accepted} accepted) · ListRunLeads ${r.listRunLeadsMs} ms (${r.listed} listed)`);
      for (const s of r.statements) console.log(`  ${String(s.ms).padStart(8)} ms ${String(s.calls).padStart(4)}× ${s.statement}`);
    }
  }
}
