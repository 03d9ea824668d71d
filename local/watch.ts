/**
 * `prospector watch`: runs statemachine/watch.asl.json in-process with the real ASL interpreter
 * over the local runtime, then reports what each company's re-check found.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from '#core/ports.ts';
import type { WatchStatus } from '#core/watch/recheck.ts';
import type { LocalRuntime } from './runner.ts';

export const WATCH_ASL_PATH = join(import.meta.dirname, '..', 'statemachine', 'watch.asl.json');

export interface WatchCompany {
  company: string;
  domain: string;
  status: WatchStatus;
  pages: number;
  notModified: number;
  sameHash: number;
  changedPages: number;
  signals: number;
  researched: boolean;
  reason: string | null;
}

export interface WatchReport {
  runId: string;
  companies: WatchCompany[];
  /** companies researched before whose re-check is not due yet */
  notDue: number;
  /** re-checked pages that ended at a 304 or an unchanged hash, over all re-checked pages */
  reusedShare: number | null;
  llmCalls: number;
  tokens: number;
}

/** What a watch run found, per company (from `watch_check`). */
export async function watchReport(sql: Sql, runId: string, notDue = 0): Promise<WatchReport> {
  const rows = await sql.query<{ name: string; domain: string; status: WatchStatus; pages: number; not_modified: number; same_hash: number; changed_pages: number; signals: number; researched: boolean; reason: string | null }>(
    `SELECT c.name, c.domain, w.status, w.pages, w.not_modified, w.same_hash, w.changed_pages, w.signals, w.researched, w.reason
     FROM watch_check w JOIN lead_company c ON c.id = w.company_id WHERE w.run_id = :runId::uuid ORDER BY c.domain`,
    { runId },
  );
  const calls = (
    await sql.query<{ n: number; tokens: number }>(
      `SELECT count(*)::int AS n, COALESCE(sum(COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0)), 0)::int AS tokens FROM llm_call WHERE run_id = :runId::uuid`,
      { runId },
    )
  ).rows[0];
  const companies = rows.rows.map((r) => ({
    company: r.name, domain: r.domain, status: r.status, pages: r.pages, notModified: r.not_modified, sameHash: r.same_hash,
    changedPages: r.changed_pages, signals: r.signals, researched: r.researched, reason: r.reason,
  }));
  const pages = companies.reduce((n, c) => n + c.pages, 0);
  const reused = companies.reduce((n, c) => n + c.notModified + c.sameHash, 0);
  return { runId, companies, notDue, reusedShare: pages > 0 ? reused / pages : null, llmCalls: calls.n, tokens: calls.tokens };
}

/** One watch execution on the local runtime. */
export async function watchOnce(rt: LocalRuntime, options: { workspace?: string; all?: boolean } = {}): Promise<WatchReport> {
  const { executeLocally } = await import('./state-machine.ts');
  let notDue = 0;
  let runId: string | undefined;
  const input: Record<string, unknown> = { ...(options.workspace ? { workspace: options.workspace } : {}), ...(options.all ? { all: true } : {}) };
  await executeLocally(rt.deps, input, {
    aslText: readFileSync(WATCH_ASL_PATH, 'utf8'),
    wrap: (state, fn) => async (event) => {
      const out = await fn(event);
      if (state === 'StartWatch') ({ runId, notDue } = out as { runId: string; notDue: number });
      return out;
    },
  });
  if (!runId) throw new Error('the watch ended before a run was opened');
  return watchReport(rt.deps.sql, runId, notDue);
}

/** The report as lines for a person. */
export function formatWatch(report: WatchReport): string {
  const lines = [`watch run ${report.runId}: ${report.companies.length} compan${report.companies.length === 1 ? 'y' : 'ies'} re-checked, ${report.notDue} not due`];
  for (const c of report.companies) {
    const detail = c.status === 'unchanged'
      ? `unchanged (${c.notModified} not modified, ${c.sameHash} same content)`
      : c.status === 'changed' ? `changed: ${c.signals} signal(s) over ${c.changedPages} page(s)${c.researched ? ', researched again' : ''}` : `failed: ${c.reason ?? ''}`;
    lines.push(`  ${c.domain}  ${detail}`);
  }
  if (report.reusedShare !== null) lines.push(`pages ending at a 304 or an unchanged hash: ${(report.reusedShare * 100).toFixed(0)}%`);
  lines.push(`LLM calls: ${report.llmCalls}, tokens: ${report.tokens}`);
  return lines.join('\n');
}
