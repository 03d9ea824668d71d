/**
 * `prospector eval --suite changes`: change detection against the sample web's known edits
 * (local/sample-web/versions.ts). In a temporary home, one lead per sample site is run three
 * times: on version 1, on version 2 (the edits), and on version 2 again (nothing changed).
 * Precision and recall compare the signals the second run stored with the expected ones (kind and
 * item); the third run measures the re-checks that ended at a 304 or an unchanged clean-text hash,
 * and the tokens it spent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listChangeChecks } from '#core/intent/repository.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { LeadCandidate, Llm } from '#core/ports.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { openLocal, runOnce } from './runner.ts';
import { sampleSites } from './sample-web/generate.ts';
import { V2_EDITS, type ExpectedSignal } from './sample-web/versions.ts';

const SAMPLE_ONBOARDING = join(import.meta.dirname, 'data', 'sample-onboarding.yaml');

export interface ChangesEvalResult {
  provider: string;
  companies: number;
  /** signals expected from the edits, detected in the second run, and those matching */
  expected: number;
  detected: number;
  matched: number;
  precision: number;
  recall: number;
  /** the third run (nothing changed): companies, and how they ended */
  recheck: {
    companies: number;
    unchanged: number;
    changed: number;
    failed: number;
    /** pages re-checked, and those that ended at a 304 or at an unchanged clean-text hash */
    pages: number;
    notModified: number;
    unchangedHash: number;
    /** (notModified + unchangedHash) / pages */
    unchangedShare: number;
    signals: number;
    promptTokens: number;
    completionTokens: number;
  };
  /** with --details: what was expected and not found, and what was found and not expected */
  missed: (ExpectedSignal & { domain: string })[];
  unexpected: { domain: string; kind: string; item: string; summary: string }[];
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export async function runChangesEval(options: { env?: NodeJS.ProcessEnv; llm?: Llm; onRun?: (n: number, version: 1 | 2) => void } = {}): Promise<ChangesEvalResult> {
  const home = await mkdtemp(join(tmpdir(), 'prospector-eval-changes-'));
  const env = (version: 1 | 2): NodeJS.ProcessEnv => ({ ...process.env, ...options.env, PROSPECTOR_HOME: home, PROSPECTOR_LOG_LEVEL: 'silent', PROSPECTOR_SAMPLE_WEB_VERSION: String(version) });
  const leads: LeadCandidate[] = sampleSites.map((s) => ({ company_name: s.name, company_website: `https://${s.domain}/`, lead_email: `eval@${s.domain}`, lead_name: 'Eval Lead' }));
  const runs: RunSummary[] = [];
  let provider = 'offline-heuristic';
  try {
    for (const [i, version] of ([1, 2, 2] as const).entries()) {
      options.onRun?.(i + 1, version);
      const rt = await openLocal({ env: env(version), llm: options.llm });
      try {
        if (i === 0) {
          const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
          // The eval measures change detection, not exclusions: no sample company is suppressed.
          await importOnboarding(rt.deps.sql, { ...onboarding, company: { ...onboarding.company, customerDomains: [] }, suppressions: [] } as typeof onboarding);
        }
        provider = rt.deps.llm.provider;
        runs.push(await runOnce(rt, { leads }));
      } finally {
        await rt.close();
      }
    }
    const rt = await openLocal({ env: env(2), llm: options.llm, sampleWeb: false });
    try {
      const sql = rt.deps.sql;
      const found = await sql.query<{ domain: string; kind: string; item: string; summary: string }>(
        `SELECT c.domain, s.kind, s.detail->>'item' AS item, s.summary FROM company_signal s JOIN lead_company c ON c.id = s.company_id
         WHERE s.run_id = :runId::uuid ORDER BY c.domain, s.kind, s.summary`,
        { runId: runs[1].runId },
      );
      const domains = new Set(leads.map((l) => new URL(l.company_website).hostname));
      const expected = V2_EDITS.filter((e) => domains.has(e.domain)).flatMap((e) => e.expected.map((x) => ({ ...x, domain: e.domain })));
      const unmatched = [...found.rows];
      const missed: ChangesEvalResult['missed'] = [];
      for (const x of expected) {
        const i = unmatched.findIndex((f) => f.domain === x.domain && f.kind === x.kind && f.item.toLowerCase().includes(x.item.toLowerCase()));
        if (i < 0) missed.push(x);
        else unmatched.splice(i, 1);
      }
      const matched = expected.length - missed.length;
      const checks = await listChangeChecks(sql, runs[2].runId);
      const pages = checks.reduce((n, c) => n + c.pages, 0);
      const notModified = checks.reduce((n, c) => n + c.pagesNotModified, 0);
      const unchangedHash = checks.reduce((n, c) => n + c.pagesUnchanged, 0);
      const third = runs[2];
      return {
        provider,
        companies: leads.length,
        expected: expected.length,
        detected: found.rows.length,
        matched,
        precision: found.rows.length === 0 ? (expected.length === 0 ? 1 : 0) : round(matched / found.rows.length),
        recall: expected.length === 0 ? 1 : round(matched / expected.length),
        recheck: {
          companies: checks.length,
          unchanged: checks.filter((c) => c.status === 'unchanged').length,
          changed: checks.filter((c) => c.status === 'changed').length,
          failed: checks.filter((c) => c.status === 'failed').length,
          pages,
          notModified,
          unchangedHash,
          unchangedShare: pages === 0 ? 0 : round(Math.min(pages, notModified + unchangedHash) / pages),
          signals: third.changes?.signals ?? 0,
          promptTokens: third.promptTokens,
          completionTokens: third.completionTokens,
        },
        missed,
        unexpected: unmatched,
      };
    } finally {
      await rt.close();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
