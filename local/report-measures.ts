/**
 * Outreach measures for `prospector report`: per ICP, and per first-touch variant within each
 * ICP's experiment, how many leads were sent their first email, how many bounced, replied and
 * replied positively, with the sample sizes, and whether the two variants differ by more than
 * chance allows.
 *
 * Counting unit: a sequence (one lead). `sent`: its first email was handed over and accepted
 * (or refused at send as a hard bounce: the mail went out and the address does not exist).
 * `bounced`: a hard bounce, at send or by a bounce report (a reply labelled a hard bounce, an
 * outcome `bounced`, or the sequence stopped as `bounced`). `replied`: a person answered (a reply labelled interested, needs_info,
 * referral, objection, not_interested or wrong_person and not waiting for review, or an outcome
 * `replied`/`positive_reply`). `positive`: labelled `interested` (outcome `positive_reply`).
 * `opted out`: unsubscribed by the one-click link or by a reply labelled `unsubscribe`. Automatic replies, out-of-office mails and soft
 * bounces count as nothing.
 *
 * Calling a winner (RULE below): variants are compared only within one ICP's experiment (their
 * angles differ per ICP). For each of the reply rate and the positive-reply rate, a two-sided
 * two-proportion z-test (pooled) is run only when each variant has at least MIN_SENT_PER_VARIANT
 * first emails sent and the pooled rate leaves at least 5 expected successes and 5 expected
 * failures in each arm (the normal approximation's usual condition); a winner is named only when
 * p < ALPHA. Anything else is "too small to call", with the numbers that fall short.
 */
import type { Sql } from '#core/ports.ts';
import { escapeHtml } from './report.ts';

export const MIN_SENT_PER_VARIANT = 100;
export const ALPHA = 0.05;
export const RULE =
  `A winner is called only within one ICP, only with at least ${MIN_SENT_PER_VARIANT} first emails sent per variant and ` +
  `at least 5 expected replies and non-replies per variant, and only when a two-sided two-proportion z-test gives p < ${ALPHA}.`;

/** The counts of one ICP, or of one variant within it. */
export interface MeasureRow {
  icp: string;
  /** null: every variant of the ICP together */
  variant: string | null;
  angle: string | null;
  sent: number;
  bounced: number;
  replied: number;
  positive: number;
  optedOut: number;
}

export type Metric = 'replied' | 'positive';

/** Variant a against variant b of one ICP on one rate. */
export interface Comparison {
  icp: string;
  metric: Metric;
  a: { sent: number; hits: number; rate: number };
  b: { sent: number; hits: number; rate: number };
  /** two-sided p-value, when the samples allow the test */
  pValue: number | null;
  winner: 'a' | 'b' | null;
  /** in words: the winner, "no difference", or why it is too small to call */
  note: string;
}

export interface Measures {
  byIcp: MeasureRow[];
  byVariant: MeasureRow[];
  comparisons: Comparison[];
  rule: string;
}

const PERSON_LABELS = `('interested', 'needs_info', 'referral', 'objection', 'not_interested', 'wrong_person')`;

const MEASURES_SQL = `
WITH first_touch AS (
  SELECT s.id AS sequence_id, coalesce(i.slug, '(no ICP)') AS icp, m.variant, ev.angle,
         bool_or(sa.status = 'sent') AS accepted,
         bool_or(sa.status = 'failed' AND s.status_reason = 'bounced') AS bounced_at_send
    FROM sequence s
    JOIN message m ON m.sequence_id = s.id
    JOIN sequence_step st ON st.id = m.step_id AND st.position = 1
    JOIN send_attempt sa ON sa.message_id = m.id
    LEFT JOIN icp i ON i.id = s.icp_id
    LEFT JOIN experiment_variant ev ON ev.experiment_id = s.experiment_id AND ev.variant = m.variant
   WHERE s.workspace_id = :ws::uuid
   GROUP BY s.id, i.slug, m.variant, ev.angle
),
per_sequence AS (
  SELECT f.*, s.status_reason,
         EXISTS (SELECT 1 FROM outcome o WHERE o.sequence_id = f.sequence_id AND o.kind = 'bounced')
           OR EXISTS (SELECT 1 FROM reply r WHERE r.sequence_id = f.sequence_id AND r.classification = 'bounce' AND r.bounce_kind = 'hard' AND NOT r.needs_review) AS bounce_outcome,
         EXISTS (SELECT 1 FROM outcome o WHERE o.sequence_id = f.sequence_id AND o.kind IN ('replied', 'positive_reply'))
           OR EXISTS (SELECT 1 FROM reply r WHERE r.sequence_id = f.sequence_id AND r.classification IN ${PERSON_LABELS} AND NOT r.needs_review) AS replied,
         EXISTS (SELECT 1 FROM outcome o WHERE o.sequence_id = f.sequence_id AND o.kind = 'positive_reply')
           OR EXISTS (SELECT 1 FROM reply r WHERE r.sequence_id = f.sequence_id AND r.classification = 'interested' AND NOT r.needs_review) AS positive,
         EXISTS (SELECT 1 FROM outcome o WHERE o.sequence_id = f.sequence_id AND o.kind = 'opted_out')
           OR EXISTS (SELECT 1 FROM reply r WHERE r.sequence_id = f.sequence_id AND r.classification = 'unsubscribe' AND NOT r.needs_review)
           OR s.status_reason = 'opted_out' AS opted_out
    FROM first_touch f JOIN sequence s ON s.id = f.sequence_id
   WHERE f.accepted OR f.bounced_at_send
)
SELECT icp, variant, min(angle) AS angle, count(*)::int AS sent,
       count(*) FILTER (WHERE bounced_at_send OR bounce_outcome OR status_reason = 'bounced')::int AS bounced,
       count(*) FILTER (WHERE replied)::int AS replied,
       count(*) FILTER (WHERE positive)::int AS positive,
       count(*) FILTER (WHERE opted_out)::int AS opted_out
  FROM per_sequence
 GROUP BY icp, variant
 ORDER BY icp, variant NULLS LAST`;

/** The workspace's measures over every send so far. */
export async function loadMeasures(sql: Sql, workspaceId: string): Promise<Measures> {
  const rows = await sql.query<{ icp: string; variant: string | null; angle: string | null; sent: number; bounced: number; replied: number; positive: number; opted_out: number }>(
    MEASURES_SQL,
    { ws: workspaceId },
  );
  const byVariant: MeasureRow[] = rows.rows.map((r) => ({
    icp: r.icp,
    variant: r.variant,
    angle: r.angle,
    sent: r.sent,
    bounced: r.bounced,
    replied: r.replied,
    positive: r.positive,
    optedOut: r.opted_out,
  }));
  const byIcp = [...new Set(byVariant.map((r) => r.icp))].map((icp) => {
    const parts = byVariant.filter((r) => r.icp === icp);
    const sum = (k: 'sent' | 'bounced' | 'replied' | 'positive' | 'optedOut') => parts.reduce((t, r) => t + r[k], 0);
    return { icp, variant: null, angle: null, sent: sum('sent'), bounced: sum('bounced'), replied: sum('replied'), positive: sum('positive'), optedOut: sum('optedOut') };
  });
  const comparisons = byIcp.flatMap((icp) => {
    const a = byVariant.find((r) => r.icp === icp.icp && r.variant === 'a');
    const b = byVariant.find((r) => r.icp === icp.icp && r.variant === 'b');
    return (['replied', 'positive'] as const).map((metric) => compareVariants(icp.icp, metric, a, b));
  });
  return { byIcp, byVariant, comparisons, rule: RULE };
}

/** The measures of the workspace a run belongs to. */
export async function loadMeasuresForRun(sql: Sql, runId: string): Promise<Measures> {
  const r = await sql.query<{ workspace_id: string }>(`SELECT workspace_id FROM run WHERE id = :id::uuid`, { id: runId });
  if (!r.rows[0]) return { byIcp: [], byVariant: [], comparisons: [], rule: RULE };
  return loadMeasures(sql, r.rows[0].workspace_id);
}

/** Φ(z), the standard normal distribution function (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Two-sided p-value of the pooled two-proportion z-test of k1/n1 against k2/n2. */
export function twoProportionP(k1: number, n1: number, k2: number, n2: number): number {
  const pooled = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  const z = (k1 / n1 - k2 / n2) / se;
  return 2 * (1 - normalCdf(Math.abs(z)));
}

const pct = (k: number, n: number) => (n ? `${((100 * k) / n).toFixed(1)}%` : '–');

/** Applies RULE to variants a and b of one ICP on one rate. */
export function compareVariants(icp: string, metric: Metric, a: MeasureRow | undefined, b: MeasureRow | undefined): Comparison {
  const arm = (r: MeasureRow | undefined) => ({ sent: r?.sent ?? 0, hits: r?.[metric] ?? 0, rate: r?.sent ? r[metric] / r.sent : 0 });
  const A = arm(a);
  const B = arm(b);
  const what = metric === 'replied' ? 'reply rate' : 'positive-reply rate';
  const base = { icp, metric, a: A, b: B };
  const short: string[] = [];
  for (const [name, x] of [['a', A], ['b', B]] as const) {
    if (x.sent < MIN_SENT_PER_VARIANT) short.push(`variant ${name} has ${x.sent} sent (needs ${MIN_SENT_PER_VARIANT})`);
  }
  const pooled = A.sent + B.sent ? (A.hits + B.hits) / (A.sent + B.sent) : 0;
  const expected = Math.min(A.sent, B.sent) * Math.min(pooled, 1 - pooled);
  if (!short.length && expected < 5) short.push(`${A.hits + B.hits} ${metric === 'replied' ? 'replies' : 'positive replies'} in all: fewer than 5 expected per variant`);
  if (short.length) return { ...base, pValue: null, winner: null, note: `too small to call a winner on the ${what}: ${short.join('; ')}` };
  const p = twoProportionP(A.hits, A.sent, B.hits, B.sent);
  if (p >= ALPHA) return { ...base, pValue: p, winner: null, note: `no winner on the ${what}: ${pct(A.hits, A.sent)} vs ${pct(B.hits, B.sent)}, p = ${p.toFixed(3)}` };
  const winner = A.rate > B.rate ? 'a' : 'b';
  return { ...base, pValue: p, winner, note: `variant ${winner} wins on the ${what}: ${pct(A.hits, A.sent)} vs ${pct(B.hits, B.sent)}, p = ${p.toFixed(3)}` };
}

function cells(r: MeasureRow): string {
  return [r.sent, r.bounced, r.replied, r.positive, r.optedOut]
    .map((v, i) => `<td>${v.toLocaleString('en-US')}${i > 0 ? ` <span class="muted small">${pct(v, r.sent)}</span>` : ''}</td>`)
    .join('');
}

/** The report's measures section (every string escaped: ICP slugs and angles come from onboarding). */
export function renderMeasures(m: Measures): string {
  const out = ['<h2 id="measures">Outreach measures (this workspace, every send so far)</h2>'];
  if (!m.byIcp.length) {
    out.push('<p class="muted">No first email has been sent yet: nothing to measure.</p>');
    return out.join('\n');
  }
  const head = '<tr><th>ICP</th><th>variant</th><th>sent (n)</th><th>bounced</th><th>replied</th><th>positive</th><th>opted out</th></tr>';
  out.push(`<table class="measures">${head}`);
  for (const icp of m.byIcp) {
    out.push(`<tr><td><b>${escapeHtml(icp.icp)}</b></td><td>all</td>${cells(icp)}</tr>`);
    for (const v of m.byVariant.filter((r) => r.icp === icp.icp)) {
      const label = v.variant ? `${v.variant}${v.angle ? `: ${v.angle}` : ''}` : 'none';
      out.push(`<tr><td></td><td>${escapeHtml(label)}</td>${cells(v)}</tr>`);
    }
  }
  out.push('</table>');
  out.push('<ul class="verdicts">');
  for (const c of m.comparisons) out.push(`<li><b>${escapeHtml(c.icp)}</b>: ${escapeHtml(c.note)}</li>`);
  out.push('</ul>');
  out.push(`<p class="small muted">${escapeHtml(m.rule)} Rates are per lead sent a first email.</p>`);
  return out.join('\n');
}
