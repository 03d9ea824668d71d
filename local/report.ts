/**
 * `prospector report`: one self-contained HTML page per run that a rep can open from disk —
 * leads ranked by fit with the reasons, hooks, email angle and every fact with its quote, a link
 * to the stored page text in the lake and the source URL; failures and skipped leads with their
 * reasons; the researcher used; totals. Inline CSS only, no script, no external asset.
 *
 * Everything a page or a model wrote is untrusted: every string goes through `escapeHtml`, and
 * only http(s) URLs ever become links.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { summarizeRun, type RunSummary } from '#core/pipeline/finish-run.ts';
import { draftedByRepText } from '#core/views/runs.ts';
import type { Sql } from '#core/ports.ts';
import { loadIntentView, type IntentView } from '#core/intent/view.ts';
import { loadRunResearch, type ResearchView } from '#core/views/research.ts';
import { loadRunDrafting, type RunDrafting } from '#core/views/run-drafting.ts';
export { loadResearch, type CriterionView, type FactView, type ResearchView } from '#core/views/research.ts';
import { loadRunCalibration, renderCalibrationSection, type Calibration } from './report-calibration.ts';
import { loadMeasuresForRun, renderMeasures, type Measures } from './report-measures.ts';
import { reusedAsCurrent, unchangedSinceLabel } from './research-status.ts';
import type { LocalRuntime } from './runner.ts';
import { writeOutFile } from './out-file.ts';

// ---------------------------------------------------------------------------------------------
// The run report

export interface ReportLead {
  email: string;
  name: string;
  company: string;
  domain: string;
  website: string;
  /** the lead's status in this run: researched, skipped, failed (or a stage it never left) */
  status: string;
  reason: string | null;
  research: ResearchView | null;
  /** earlier research reused because nothing changed: presented as current, not as a skip */
  unchangedSince: boolean;
  /** intent beside fit: the company's score and what changed there (lambdas/core/intent/) */
  intent?: IntentView;
  /** what drafting made of the lead in this run (lambdas/core/views/run-drafting.ts); null when the run did not draft for it */
  drafting: RunDrafting | null;
}

export interface RunReport {
  summary: RunSummary;
  /** leads with research, best fit first (no score last) */
  ranked: ReportLead[];
  /** the lake's folder, for links to stored page text */
  lakeRoot: string;
  generatedAt: string;
  /** reply and meeting rates by fit band and variant, workspace-wide (report-calibration.ts) */
  calibration?: Calibration;
  /** outreach measures of the run's workspace (report-measures.ts) */
  measures?: Measures;
}

/** Loads everything the report shows; throws NotFound (from summarizeRun) for an unknown run. */
export async function loadRunReport(sql: Sql, runId: string, lakeRoot: string, now = new Date()): Promise<RunReport> {
  const summary = await summarizeRun(sql, runId);
  const research = await loadRunResearch(sql, runId);
  const leads = await sql.query<{ lead_id: string; email: string; name: string; company: string; domain: string; website: string; status: string; reason: string | null; research_id: string | null; company_id: string; icp_id: string | null }>(
    `SELECT l.id AS lead_id, l.email, l.name, c.name AS company, c.domain, c.website, rl.status, rl.reason, rl.research_id, l.company_id, COALESCE(l.icp_id, rl.icp_id) AS icp_id
     FROM run_lead rl JOIN lead l ON l.id = rl.lead_id JOIN lead_company c ON c.id = l.company_id
     WHERE rl.run_id = :runId::uuid AND rl.research_id IS NOT NULL`,
    { runId },
  );
  const drafting = await loadRunDrafting(sql, runId);
  const intents = new Map<string, IntentView>();
  for (const l of leads.rows) {
    const key = `${l.company_id}/${l.icp_id ?? ''}`;
    if (!intents.has(key)) intents.set(key, await loadIntentView(sql, l.company_id, l.icp_id, { limit: 10 }));
  }
  const ranked = leads.rows
    .map((l) => {
      const r = research.get(l.research_id!) ?? null;
      const unchangedSince = r !== null && reusedAsCurrent({ status: l.status, reason: l.reason, researchStatus: r.status });
      const intent = intents.get(`${l.company_id}/${l.icp_id ?? ''}`);
      return {
        email: l.email, name: l.name, company: l.company, domain: l.domain, website: l.website, status: l.status, reason: l.reason, research: r, unchangedSince, intent,
        drafting: drafting.get(l.lead_id) ?? null,
      };
    })
    .sort((a, b) => (b.research?.fitScore ?? -1) - (a.research?.fitScore ?? -1) || a.company.localeCompare(b.company) || a.email.localeCompare(b.email));
  return {
    summary,
    ranked,
    lakeRoot,
    generatedAt: now.toISOString(),
    measures: await loadMeasuresForRun(sql, runId),
    calibration: await loadRunCalibration(sql, runId),
  };
}

// ---------------------------------------------------------------------------------------------
// HTML

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return str(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** The URL if it is http(s) and parses, else null: nothing else may become a link. */
export function safeHttpUrl(value: string): string | null {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * A relative link from the report's folder to a lake object (percent-encoded per segment), so
 * the report still opens its stored texts when the home folder is moved or zipped together.
 */
export function lakeLink(reportDir: string, lakeRoot: string, key: string): string | null {
  if (!key || key.split('/').some((p) => p === '..' || p === '')) return null;
  const target = join(resolve(lakeRoot), ...key.split('/'));
  // '=' is legal in a path segment and keeps the lake's `domain=` folders readable in the link
  return relative(resolve(reportDir), target).split(sep).map((p) => encodeURIComponent(p).replace(/%3D/g, '=')).join('/');
}

const isHeuristic = (provider: string) => provider === 'offline-heuristic';

/** The label of the researcher used, plain enough to print anywhere. */
export function researcherLabel(provider: string): string {
  return isHeuristic(provider)
    ? 'Offline heuristic researcher — no language model was used: facts are page lines matched by keywords and fit is keyword matching. Set GROQ_API_KEY to research with Groq.'
    : provider === 'groq'
      ? 'Groq (language model research, every quote checked against the stored page text)'
      : provider;
}

const n = (x: number) => x.toLocaleString('en-US');
const human = (s: string) => s.replace(/_/g, ' ');
/** The lead's status as the report shows it: reused research is current research. */
const leadStatus = (lead: ReportLead) =>
  lead.unchangedSince && lead.research ? unchangedSinceLabel(lead.research.createdAt) : lead.research?.status === 'insufficient_evidence' ? 'not enough evidence' : human(lead.status);

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#f4f5f7}
main{max-width:1100px;margin:0 auto;padding:24px 20px 60px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 12px;padding-bottom:4px;border-bottom:2px solid #d0d7de}
h3{font-size:17px;margin:0}
h4{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#57606a;margin:16px 0 6px}
a{color:#0969da}
.muted{color:#57606a}
.small{font-size:13px}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.banner{padding:12px 16px;border-radius:8px;margin:16px 0;border:1px solid}
.banner.heuristic{background:#fff8c5;border-color:#d4a72c}
.banner.llm{background:#ddf4ff;border-color:#54aeff}
.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:16px 0}
.totals div{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 12px}
.totals b{display:block;font-size:22px}
.lead{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:16px 20px;margin:0 0 16px}
.head{display:flex;gap:16px;align-items:flex-start;justify-content:space-between}
.score{min-width:120px;text-align:right}
.scores{display:flex;gap:16px}
.score b{font-size:28px}
.bar{height:8px;background:#eaeef2;border-radius:4px;overflow:hidden;margin-top:4px}
.bar span{display:block;height:100%;background:#2da44e}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#eaeef2;margin-left:6px;vertical-align:middle}
.badge.fits{background:#dafbe1}.badge.partial{background:#fff8c5}.badge.does_not_fit{background:#ffebe9}.badge.unknown,.badge.not_applicable{background:#eaeef2}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid #eaeef2}
th{font-size:12px;color:#57606a;text-transform:uppercase;letter-spacing:.03em}
ul{margin:4px 0;padding-left:20px}
.outreach{padding:6px 12px;border-radius:4px;border-left:4px solid}
.outreach.drafted{background:#dafbe1;border-color:#2da44e}.outreach.not-drafted{background:#f6f8fa;border-color:#8c959f}
.angle{background:#f6f8fa;border-left:4px solid #0969da;padding:8px 12px;border-radius:4px}
.fact{border-top:1px solid #eaeef2;padding:8px 0}
.fact blockquote{margin:4px 0;padding:4px 12px;border-left:3px solid #8c959f;background:#f6f8fa;white-space:pre-wrap}
.cite{font-size:12px;color:#57606a}
.cite a{color:#57606a}
details summary{cursor:pointer;list-style-position:outside}
details summary h4{display:inline-block}
.glance td:nth-child(4){text-align:right}
`;

function citeLinks(leadIndex: number, factIds: string[]): string {
  if (!factIds.length) return '';
  return ` <span class="cite">[${factIds.map((id) => `<a href="#${factAnchor(leadIndex, id)}">${escapeHtml(id)}</a>`).join(', ')}]</span>`;
}

function intentScoreHtml(intent: IntentView | undefined): string {
  const v = intent?.intentScore ?? null;
  if (v === null) return '<b>–</b><div class="small muted">intent (no earlier visit)</div>';
  return `<b>${escapeHtml(v)}</b><span class="muted">/100</span><div class="bar"><span style="width:${Math.max(0, Math.min(100, Number(v)))}%"></span></div><div class="small muted">intent</div>`;
}

/** What changed at the company: each signal with its quotes, linked to the stored texts. */
function signalsHtml(intent: IntentView | undefined, reportDir: string, lakeRoot: string): string {
  if (!intent?.signals.length) return '';
  const link = (key: string | null) => (key ? ` <a class="small" href="${escapeHtml(lakeLink(reportDir, lakeRoot, key))}" title="lake key ${escapeHtml(key)}">stored text</a>` : '');
  const rows = intent.signals.map(
    (s) =>
      `<tr><td>${escapeHtml(s.observedAt.slice(0, 10))}</td><td>${escapeHtml(s.kind.replace(/_/g, ' '))}</td><td>${escapeHtml(s.summary)}</td>` +
      `<td>${s.beforeQuote !== null ? `<q>${escapeHtml(s.beforeQuote)}</q>${link(s.beforeKey)}` : '–'}</td>` +
      `<td>${s.afterQuote !== null ? `<q>${escapeHtml(s.afterQuote)}</q>${link(s.afterKey)}` : '–'}</td></tr>`,
  );
  return `<h4>What changed (intent signals)</h4><table class="signals"><tr><th>seen</th><th>signal</th><th>summary</th><th>before</th><th>after</th></tr>${rows.join('')}</table>`;
}

/** The drafting outcome in a word or two, for the table of leads. */
function draftingShort(d: RunDrafting | null): string {
  return !d ? '–' : d.outcome === 'drafted' ? 'drafted' : d.outcome === 'failed' ? 'drafting failed' : 'not drafted';
}

/**
 * The drafting outcome as a sentence: the sequence and where it stands, or why there is none;
 * `runId`, the report's run, names an earlier run whose drafting a reused lead keeps.
 */
export function draftingLine(d: RunDrafting, runId?: string): string {
  const earlier = runId && d.runId && d.runId !== runId ? ` (in run ${d.runId.slice(0, 8)}, whose research this run reused)` : '';
  if (d.outcome === 'drafted') {
    const by = d.source === 'llm' ? 'by the LLM' : 'from templates';
    const where = d.sequenceStatus === 'draft' ? "waiting for a rep's review (prospector drafts list, or the web app's review queue)" : d.sequenceStatus ? `sequence ${human(d.sequenceStatus)}` : '';
    return `Sequence drafted ${by}${earlier}${where ? `: ${where}` : ''}`;
  }
  const reason = (d.reason ?? '').replace(/^drafting failed: /, '');
  return d.outcome === 'failed' ? `Drafting failed${earlier}: ${reason}` : `Not drafted${earlier}: ${reason}`;
}

function factAnchor(leadIndex: number, factId: string): string {
  return `l${leadIndex}-${factId.replace(/[^A-Za-z0-9]/g, '')}`;
}

function renderLead(lead: ReportLead, index: number, reportDir: string, lakeRoot: string, runId: string): string {
  const r = lead.research!;
  const score = r.fitScore;
  const website = safeHttpUrl(lead.website);
  const reused = r.runId !== runId;
  const parts: string[] = [];
  parts.push(`<section class="lead" id="lead-${index}">`);
  parts.push(
    `<div class="head"><div><h3>${index + 1}. ${escapeHtml(lead.company)}${website ? ` <a class="small" href="${escapeHtml(website)}">${escapeHtml(lead.domain)}</a>` : ` <span class="small muted">${escapeHtml(lead.domain)}</span>`}</h3>` +
      `<div class="muted small">${escapeHtml(lead.name)} &lt;${escapeHtml(lead.email)}&gt;` +
      `<span class="badge">${escapeHtml(lead.unchangedSince ? leadStatus(lead) : human(lead.status))}</span>${r.status === 'insufficient_evidence' ? '<span class="badge unknown">not enough evidence</span>' : ''}` +
      `${r.icp ? ` · ICP ${escapeHtml(r.icp)}` : ''}</div>` +
      (lead.unchangedSince
        ? `<div class="muted small">Researched ${escapeHtml(r.createdAt.slice(0, 10))} in run <span class="mono">${escapeHtml(r.runId)}</span>; this run found the same pages, prompts and models, so that research is current (no tokens spent).</div>`
        : reused
          ? `<div class="muted small">Research of run <span class="mono">${escapeHtml(r.runId)}</span> (${escapeHtml(r.createdAt.slice(0, 10))}).</div>`
          : '') +
      `</div><div class="scores"><div class="score">${score === null ? '<b>–</b><div class="small muted">no fit score</div>' : `<b>${escapeHtml(score)}</b><span class="muted">/100</span><div class="bar"><span style="width:${Math.max(0, Math.min(100, Number(score)))}%"></span></div><div class="small muted">fit</div>`}</div>` +
      `<div class="score intent">${intentScoreHtml(lead.intent)}</div></div></div>`,
  );
  if (lead.drafting) parts.push(`<p class="outreach ${lead.drafting.outcome === 'drafted' ? 'drafted' : 'not-drafted'}"><b>Outreach:</b> ${escapeHtml(draftingLine(lead.drafting, runId))}</p>`);
  parts.push(signalsHtml(lead.intent, reportDir, lakeRoot));
  if (r.summary) parts.push(`<p>${escapeHtml(r.summary)}</p>`);
  if (r.missing.length) parts.push(`<p class="small muted">Missing evidence: ${r.missing.map(escapeHtml).join('; ')}</p>`);

  const criteria = r.criteria.filter((c) => c.assessment !== 'not_applicable');
  if (criteria.length) {
    parts.push('<h4>Fit by criterion</h4><table><tr><th>criterion</th><th>assessment</th><th>weight</th><th>reason</th></tr>');
    for (const c of criteria) {
      parts.push(
        `<tr><td>${escapeHtml(human(c.criterion))}</td><td><span class="badge ${escapeHtml(c.assessment.replace(/[^a-z_]/g, ''))}">${escapeHtml(human(c.assessment))}</span></td>` +
          `<td>${escapeHtml(c.weight)}</td><td>${escapeHtml(c.reason)}${citeLinks(index, c.factIds)}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  if (r.hooks.length) {
    parts.push('<h4>Personalization hooks</h4><ul>');
    for (const h of r.hooks) parts.push(`<li>${escapeHtml(h.hook)}${citeLinks(index, h.factIds)}</li>`);
    parts.push('</ul>');
  }
  if (r.emailAngle) parts.push(`<h4>Email angle</h4><div class="angle">${escapeHtml(r.emailAngle.angle)}${citeLinks(index, r.emailAngle.factIds)}</div>`);
  if (r.intentSignals.length) {
    parts.push('<h4>Intent signals</h4><ul>');
    for (const s of r.intentSignals) parts.push(`<li>${escapeHtml(s.signal)}${citeLinks(index, s.factIds)}</li>`);
    parts.push('</ul>');
  }
  if (r.pains.length) {
    parts.push('<h4>Likely pains</h4><ul>');
    for (const p of r.pains) parts.push(`<li>${escapeHtml(p.pain)}${p.valueProposition ? ` <span class="muted">→ ${escapeHtml(p.valueProposition)}</span>` : ''}${citeLinks(index, p.factIds)}</li>`);
    parts.push('</ul>');
  }
  // the first leads show their evidence open; the rest fold it away (no script needed)
  parts.push(`<details${index < 3 ? ' open' : ''}><summary><h4>Facts (${r.facts.length}) — exact quotes, source pages, stored text</h4></summary>`);
  if (!r.facts.length) parts.push('<p class="muted small">No verified fact.</p>');
  for (const f of r.facts) {
    const source = safeHttpUrl(f.sourceUrl);
    const stored = f.cleanKey ? lakeLink(reportDir, lakeRoot, f.cleanKey) : null;
    parts.push(
      `<div class="fact" id="${factAnchor(index, f.id)}"><b>${escapeHtml(f.id)}</b> <span class="badge">${escapeHtml(f.category)}</span>${f.verified ? '' : ' <span class="badge does_not_fit">unverified</span>'} ${escapeHtml(f.claim)}` +
        `<blockquote>${escapeHtml(f.quote)}</blockquote>` +
        `<div class="small">${source ? `source: <a href="${escapeHtml(source)}">${escapeHtml(f.sourceUrl)}</a>` : `source: ${escapeHtml(f.sourceUrl)}`}` +
        `${stored ? ` · <a href="${escapeHtml(stored)}" title="lake key ${escapeHtml(f.cleanKey)}">stored page text</a>` : ''}</div>` +
        f.alsoFoundOn
          .map((a) => {
            const url = safeHttpUrl(a.sourceUrl);
            const text = a.cleanKey ? lakeLink(reportDir, lakeRoot, a.cleanKey) : null;
            return `<div class="small">also on: ${url ? `<a href="${escapeHtml(url)}">${escapeHtml(a.sourceUrl)}</a>` : escapeHtml(a.sourceUrl)}${text ? ` · <a href="${escapeHtml(text)}" title="lake key ${escapeHtml(a.cleanKey)}">stored page text</a>` : ''}</div>`;
          })
          .join('') +
        '</div>',
    );
  }
  parts.push('</details>');
  parts.push(
    `<p class="small muted">Researched ${escapeHtml(r.createdAt.slice(0, 19).replace('T', ' '))} by ${escapeHtml(r.provider)} (${escapeHtml(r.model)}, prompts ${escapeHtml(r.promptVersion)}) · ${n(r.promptTokens)} prompt + ${n(r.completionTokens)} completion tokens · $${r.costUsd.toFixed(4)}</p>`,
  );
  parts.push('</section>');
  return parts.join('\n');
}

/** The report as one HTML document; `reportDir` is where it will be written (for relative links). */
export function renderReport(report: RunReport, reportDir: string): string {
  const s = report.summary;
  const heuristic = isHeuristic(s.llmProvider);
  const seconds = s.finishedAt ? (Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000 : null;
  const totals: [string, string][] = [
    ['leads found', n(s.leadsFound)],
    ['new leads', n(s.leadsNew)],
    ['researched', n(s.leadsResearched)],
    ['skipped', n(s.leadsSkipped)],
    ['failed', n(s.leadsFailed)],
    ['duplicates', n(s.duplicates)],
    ['sequences drafted', n(s.leadsDrafted)],
    ...(s.draftedByRep.length ? [['sequences by rep', draftedByRepText(s.draftedByRep)] as [string, string]] : []),
    ['LLM calls', n(s.llmCalls)],
    ['prompt tokens', n(s.promptTokens)],
    ['completion tokens', n(s.completionTokens)],
    ['cost', `$${s.costUsd.toFixed(4)}`],
  ];
  const out: string[] = [];
  out.push(
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // no script may run and nothing may load from elsewhere, whatever a page or model wrote
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Prospector run ${escapeHtml(s.runId.slice(0, 8))} — ${n(report.ranked.length)} leads</title>`,
    `<style>${CSS}</style></head><body><main>`,
    `<h1>Prospector run report</h1>`,
    `<div class="muted">Run <span class="mono">${escapeHtml(s.runId)}</span> · ${escapeHtml(s.status)} · started ${escapeHtml(s.startedAt.slice(0, 19).replace('T', ' '))} UTC` +
      `${seconds !== null ? ` · ${seconds.toFixed(0)} s` : ''} · leads from ${escapeHtml(s.leadSource)}</div>`,
    `<div class="banner ${heuristic ? 'heuristic' : 'llm'}"><b>Researcher:</b> ${escapeHtml(researcherLabel(s.llmProvider))}</div>`,
  );
  if (s.error) out.push(`<div class="banner heuristic"><b>Run error:</b> ${escapeHtml(s.error)}</div>`);
  out.push(`<div class="totals">${totals.map(([k, v]) => `<div><b>${escapeHtml(v)}</b><span class="muted small">${escapeHtml(k)}</span></div>`).join('')}</div>`);

  out.push(`<h2>Leads ranked by fit (${report.ranked.length})</h2>`);
  if (!report.ranked.length) out.push('<p class="muted">No lead of this run has research.</p>');
  else {
    out.push('<table class="glance"><tr><th>#</th><th>company</th><th>lead</th><th>fit</th><th>intent</th><th>facts</th><th>status</th><th>outreach</th></tr>');
    report.ranked.forEach((lead, i) => {
      const r = lead.research;
      out.push(
        `<tr><td>${i + 1}</td><td><a href="#lead-${i}">${escapeHtml(lead.company)}</a></td><td>${escapeHtml(lead.name)}</td>` +
          `<td>${r?.fitScore ?? '–'}</td><td>${lead.intent?.intentScore ?? '–'}</td><td>${r?.facts.length ?? 0}</td><td>${escapeHtml(leadStatus(lead))}</td><td>${escapeHtml(draftingShort(lead.drafting))}</td></tr>`,
      );
    });
    out.push('</table><p></p>');
  }
  report.ranked.forEach((lead, i) => {
    if (lead.research) out.push(renderLead(lead, i, reportDir, report.lakeRoot, s.runId));
  });

  out.push(`<h2>Failed (${s.leadsFailed})</h2>`);
  if (!s.failures.length) out.push('<p class="muted">No lead failed.</p>');
  else {
    out.push('<table><tr><th>lead</th><th>stage</th><th>error</th><th>reason</th></tr>');
    for (const f of s.failures) out.push(`<tr><td>${escapeHtml(f.lead)}</td><td>${escapeHtml(f.stage)}</td><td>${escapeHtml(f.error)}</td><td>${escapeHtml(f.message)}</td></tr>`);
    out.push('</table>');
  }
  out.push(`<h2>Skipped (${s.leadsSkipped})</h2>`);
  // Reused research is listed above as current; here only the count says this run redid none of it.
  const current = new Set(report.ranked.filter((l) => l.unchangedSince).map((l) => l.email));
  const skipped = s.skipped.filter((k) => !current.has(k.lead));
  if (current.size) {
    out.push(
      `<p class="muted">${n(current.size)} lead${current.size === 1 ? '' : 's'} had the same pages, prompts and models as earlier research, so ${current.size === 1 ? 'it was' : 'they were'} not researched again: ${current.size === 1 ? 'its research is' : 'their research is'} shown above as current ("researched DATE, unchanged since").</p>`,
    );
  }
  if (!s.skipped.length) out.push('<p class="muted">No lead was skipped.</p>');
  else if (skipped.length) {
    out.push('<table><tr><th>lead</th><th>reason</th></tr>');
    for (const k of skipped) out.push(`<tr><td>${escapeHtml(k.lead)}</td><td>${escapeHtml(k.reason)}</td></tr>`);
    out.push('</table>');
  }
  if (report.measures) out.push(renderMeasures(report.measures));
  if (report.calibration) out.push(renderCalibrationSection(report.calibration));
  out.push(
    `<p class="small muted">Generated ${escapeHtml(report.generatedAt.slice(0, 19).replace('T', ' '))} UTC by <span class="mono">prospector report</span>. Quotes are exact text of the stored page; "stored page text" opens the cleaned text in the lake (${escapeHtml(report.lakeRoot)}).</p>`,
    '</main></body></html>',
    '',
  );
  return out.join('\n');
}

/** Default place for a run's report: `<PROSPECTOR_HOME>/reports/run-<id>.html`. */
export function defaultReportFile(home: string, runId: string): string {
  return join(home, 'reports', `run-${runId}.html`);
}

/** Loads, renders and writes the report of a run; returns the file and what it holds. */
export async function writeRunReport(rt: LocalRuntime, runId: string, outFile?: string): Promise<{ file: string; leads: number; summary: RunSummary; measures?: Measures }> {
  const file = resolve(outFile ?? defaultReportFile(rt.config.home, runId));
  const report = await loadRunReport(rt.deps.sql, runId, rt.deps.lake.location);
  const html = renderReport(report, dirname(file));
  // The home's reports folder is made; a folder the user names must exist (out-file.ts).
  if (outFile === undefined) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, html);
  } else await writeOutFile(outFile, html, 'report.html');
  return { file, leads: report.ranked.length, summary: report.summary, measures: report.measures };
}
