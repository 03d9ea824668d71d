/**
 * Calibration: does the fit score mean anything? Of the sequences that reached a lead (at least
 * one email sent), how many got a positive reply and how many a meeting, by the fit score of the
 * research they were drafted from (bands of ten from 60, the rest below) and by the first-touch
 * variant the lead was sent. Counts come with every rate, and a band with fewer than
 * `SMALL_SAMPLE` sequences is marked as too small to read much into.
 *
 * - positive: an outcome `positive_reply` (an `interested` reply), or a meeting or later;
 * - meeting: an outcome `meeting_booked`, `opportunity` or `won` (recorded by `prospector outcome`
 *   or a CRM), since an opportunity or a win had a meeting first.
 *
 * Shown in `prospector report` (its own section) and by `prospector calibration [--json]`.
 */
import { NotFoundError } from '#core/errors.ts';
import type { Sql } from '#core/ports.ts';
import { escapeHtml } from './report.ts';

/** Below this many sequences a rate is shown but marked as a small sample. */
export const SMALL_SAMPLE = 20;
/** Fit bands, best first; `below 60` and `no score` close the list. */
export const FIT_BANDS = ['90–100', '80–89', '70–79', '60–69', 'below 60', 'no score'] as const;

export interface CalibrationRow {
  /** the band (`80–89`) or the variant (`a`, `b`, `none`) */
  group: string;
  contacted: number;
  replied: number;
  positive: number;
  meetings: number;
  /** positive / contacted, or null when nothing was contacted */
  positiveRate: number | null;
  meetingRate: number | null;
  smallSample: boolean;
}

export interface Calibration {
  workspaceId: string;
  contacted: number;
  byFitBand: CalibrationRow[];
  byVariant: CalibrationRow[];
  definitions: { contacted: string; positive: string; meeting: string };
}

const DEFINITIONS = {
  contacted: 'sequences with at least one email sent',
  positive: 'an interested reply (outcome positive_reply), or a meeting or later',
  meeting: 'an outcome meeting_booked, opportunity or won',
};

/** The fit band of a score. */
export function fitBand(score: number | null): (typeof FIT_BANDS)[number] {
  if (score === null) return 'no score';
  if (score >= 90) return '90–100';
  if (score >= 80) return '80–89';
  if (score >= 70) return '70–79';
  if (score >= 60) return '60–69';
  return 'below 60';
}

/** Rates by fit band and by variant for the workspace's contacted sequences. */
export async function loadCalibration(sql: Sql, workspaceId: string): Promise<Calibration> {
  const rows = await sql.query<{ fit_score: number | null; variant: string | null; replied: boolean; positive: boolean; meeting: boolean }>(
    `WITH contacted AS (
       SELECT s.id, s.research_id,
              (SELECT m.variant FROM send_attempt sa JOIN message m ON m.id = sa.message_id
                WHERE m.sequence_id = s.id AND sa.status = 'sent' AND m.variant IS NOT NULL ORDER BY sa.started_at LIMIT 1) AS variant
         FROM sequence s
        WHERE s.workspace_id = :ws::uuid
          AND EXISTS (SELECT 1 FROM send_attempt sa JOIN message m ON m.id = sa.message_id WHERE m.sequence_id = s.id AND sa.status = 'sent')
     )
     SELECT r.fit_score, c.variant,
            EXISTS (SELECT 1 FROM outcome o WHERE o.sequence_id = c.id AND o.kind IN ('replied', 'positive_reply', 'meeting_booked', 'opportunity', 'won', 'lost', 'not_a_fit')) AS replied,
            EXISTS (SELECT 1 FROM outcome o WHERE o.sequence_id = c.id AND o.kind IN ('positive_reply', 'meeting_booked', 'opportunity', 'won')) AS positive,
            EXISTS (SELECT 1 FROM outcome o WHERE o.sequence_id = c.id AND o.kind IN ('meeting_booked', 'opportunity', 'won')) AS meeting
       FROM contacted c JOIN research r ON r.id = c.research_id`,
    { ws: workspaceId },
  );
  const byBand = new Map<string, CalibrationRow>(FIT_BANDS.map((b) => [b, emptyRow(b)]));
  const byVariant = new Map<string, CalibrationRow>();
  for (const r of rows.rows) {
    const variant = r.variant ?? 'none';
    if (!byVariant.has(variant)) byVariant.set(variant, emptyRow(variant));
    for (const row of [byBand.get(fitBand(r.fit_score === null ? null : Number(r.fit_score)))!, byVariant.get(variant)!]) {
      row.contacted += 1;
      row.replied += r.replied ? 1 : 0;
      row.positive += r.positive ? 1 : 0;
      row.meetings += r.meeting ? 1 : 0;
    }
  }
  const finish = (row: CalibrationRow): CalibrationRow => ({
    ...row,
    positiveRate: row.contacted ? round(row.positive / row.contacted) : null,
    meetingRate: row.contacted ? round(row.meetings / row.contacted) : null,
    smallSample: row.contacted < SMALL_SAMPLE,
  });
  return {
    workspaceId,
    contacted: rows.rows.length,
    byFitBand: [...byBand.values()].map(finish),
    byVariant: [...byVariant.values()].sort((a, b) => a.group.localeCompare(b.group)).map(finish),
    definitions: DEFINITIONS,
  };
}

/** The calibration of the workspace a run belongs to. */
export async function loadRunCalibration(sql: Sql, runId: string): Promise<Calibration> {
  const run = await sql.query<{ workspace_id: string }>(`SELECT workspace_id FROM run WHERE id = :id::uuid`, { id: runId });
  if (!run.rows[0]) throw new NotFoundError(`run ${runId} does not exist`);
  return loadCalibration(sql, run.rows[0].workspace_id);
}

function emptyRow(group: string): CalibrationRow {
  return { group, contacted: 0, replied: 0, positive: 0, meetings: 0, positiveRate: null, meetingRate: null, smallSample: true };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const pct = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(1)}%`);

/** The section of the HTML report (every string escaped). */
export function renderCalibrationSection(c: Calibration): string {
  const table = (title: string, rows: CalibrationRow[]) => [
    `<h3>${escapeHtml(title)}</h3>`,
    '<table><tr><th></th><th>contacted</th><th>replied</th><th>positive</th><th>positive rate</th><th>meetings</th><th>meeting rate</th></tr>',
    ...rows.map(
      (r) =>
        `<tr><td>${escapeHtml(r.group)}</td><td>${r.contacted}</td><td>${r.replied}</td><td>${r.positive}</td>` +
        `<td>${escapeHtml(pct(r.positiveRate))}${r.contacted && r.smallSample ? ' <span class="muted small">(small sample)</span>' : ''}</td>` +
        `<td>${r.meetings}</td><td>${escapeHtml(pct(r.meetingRate))}</td></tr>`,
    ),
    '</table>',
  ];
  const out = [`<h2>Calibration: does the fit score predict replies? (${c.contacted} contacted)</h2>`];
  out.push(
    `<p class="muted small">Across the workspace, not only this run. Contacted: ${escapeHtml(c.definitions.contacted)}. Positive: ${escapeHtml(c.definitions.positive)}. ` +
      `Meeting: ${escapeHtml(c.definitions.meeting)}. Fewer than ${SMALL_SAMPLE} in a row is a small sample.</p>`,
  );
  if (c.contacted === 0) {
    out.push('<p class="muted">No email has been sent yet: rates appear once sequences are sent and answered.</p>');
    return out.join('\n');
  }
  out.push(...table('By fit score', c.byFitBand), ...table('By first-touch variant', c.byVariant));
  return out.join('\n');
}

/** The calibration as text for the terminal. */
export function formatCalibration(c: Calibration): string {
  const lines = [`Calibration (${c.contacted} contacted: ${c.definitions.contacted})`];
  if (c.contacted === 0) return `${lines[0]}\nNo email has been sent yet: rates appear once sequences are sent and answered.`;
  const block = (title: string, rows: CalibrationRow[]) => {
    lines.push('', title, `  ${'group'.padEnd(10)} ${'contacted'.padStart(9)} ${'positive'.padStart(9)} ${'rate'.padStart(7)} ${'meetings'.padStart(9)} ${'rate'.padStart(7)}`);
    for (const r of rows) {
      lines.push(
        `  ${r.group.padEnd(10)} ${String(r.contacted).padStart(9)} ${String(r.positive).padStart(9)} ${pct(r.positiveRate).padStart(7)} ${String(r.meetings).padStart(9)} ${pct(r.meetingRate).padStart(7)}${r.contacted && r.smallSample ? '  small sample' : ''}`,
      );
    }
  };
  block('By fit score', c.byFitBand);
  block('By first-touch variant', c.byVariant);
  lines.push('', `Positive: ${c.definitions.positive}. Meeting: ${c.definitions.meeting}.`);
  return lines.join('\n');
}
