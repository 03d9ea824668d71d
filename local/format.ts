/** Plain-text rendering for the CLI: tables and the run summary. */
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { draftedByRepText, notDraftedGroup } from '#core/views/runs.ts';

/** A left-aligned text table; cells are cut to `maxCell` characters. */
export function table(rows: Record<string, unknown>[], maxCell = 60): string {
  if (rows.length === 0) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const flat = s.replace(/\s+/g, ' ');
    return flat.length > maxCell ? `${flat.slice(0, maxCell - 1)}…` : flat;
  };
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

const n = (x: number) => x.toLocaleString('en-US');

/** The human summary printed after a run. */
export function formatSummary(s: RunSummary, extra: { seconds?: number; lake?: string } = {}): string {
  const provider =
    s.llmProvider === 'offline-heuristic'
      ? 'offline heuristic researcher (no LLM; set GROQ_API_KEY to research with Groq)'
      : s.llmProvider;
  const out = [
    `Run ${s.runId} ${s.status}${extra.seconds !== undefined ? ` in ${extra.seconds.toFixed(1)} s` : ''}`,
    `  researcher: ${provider}`,
    `  leads: found ${n(s.leadsFound)} · new ${n(s.leadsNew)} · researched ${n(s.leadsResearched)} · skipped ${n(s.leadsSkipped)} · failed ${n(s.leadsFailed)} · duplicates ${n(s.duplicates)}`,
    `  drafts: drafted ${n(s.leadsDrafted)}${s.draftedByRep.length ? ` (by rep: ${draftedByRepText(s.draftedByRep)})` : ''} · not drafted ${n(s.leadsNotDrafted)} (of the researched leads)`,
    `  LLM: ${n(s.llmCalls)} calls · ${n(s.promptTokens)} prompt tokens · ${n(s.completionTokens)} completion tokens · $${s.costUsd.toFixed(4)}`,
  ];
  if (s.changes && s.changes.companies > 0) {
    const c = s.changes;
    out.push(`  changes: ${n(c.companies)} companies · first seen ${n(c.firstSeen)} · unchanged ${n(c.unchanged)} · changed ${n(c.changed)} · failed ${n(c.failed)} · ${n(c.signals)} new signals`);
  }
  if (s.error) out.push(`  error: ${s.error}`);
  if (s.skipped.length) {
    out.push(`Skipped (${s.leadsSkipped}${s.leadsSkipped > s.skipped.length ? `, first ${s.skipped.length} listed` : ''}):`);
    const groups = new Map<string, string[]>();
    for (const k of s.skipped) {
      const key = k.reason.replace(/run [0-9a-f-]{36}/, 'an earlier run').replace(/\(\d{4}-\d{2}-\d{2}\)/, '').trim();
      groups.set(key, [...(groups.get(key) ?? []), k.lead]);
    }
    for (const [reason, leads] of groups) {
      out.push(`  - ${reason}: ${leads.length > 3 ? `${leads.slice(0, 3).join(', ')} and ${leads.length - 3} more` : leads.join(', ')}`);
    }
  }
  if (s.failures.length) {
    out.push(`Failed (${s.leadsFailed}${s.leadsFailed > s.failures.length ? `, first ${s.failures.length} listed` : ''}):`);
    for (const f of s.failures) out.push(`  - ${f.lead} [${f.stage}] ${f.error}: ${f.message.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
  if (s.notDrafted.length) {
    out.push(`Not drafted (${s.leadsNotDrafted}${s.leadsNotDrafted > s.notDrafted.length ? `, first ${s.notDrafted.length} listed` : ''}):`);
    const groups = new Map<string, string[]>();
    for (const k of s.notDrafted) {
      const key = notDraftedGroup(k.reason);
      groups.set(key, [...(groups.get(key) ?? []), k.lead]);
    }
    for (const [reason, leads] of groups) {
      out.push(`  - ${reason}: ${leads.length > 3 ? `${leads.slice(0, 3).join(', ')} and ${leads.length - 3} more` : leads.join(', ')}`);
    }
  }
  if (extra.lake) out.push(`Lake: ${extra.lake}`);
  return out.join('\n');
}
