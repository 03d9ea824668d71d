/** The run progress line: stage counts from the interpreter's events, leads done of the listed total, elapsed time. */
import { describe, expect, test } from 'vitest';
import { formatElapsed, progress } from '#local/progress.ts';

function stream(tty: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY: tty, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const exited = (name: string, output?: unknown) => ({ type: 'StateExited', state: { name, output } });

describe('progress', () => {
  test('plain lines: totals once ListRunLeads has run, leads done, stages, rate-limit waits and elapsed time', () => {
    let now = 1_000;
    const out = stream(false);
    const bar = progress(out, { intervalMs: 0, now: () => now });
    bar.onEvent(exited('SearchLeads'));
    expect(out.text).toBe('progress: searched 1 · fetched 0 · cleaned 0 · researched 0 · committed 0 · failed 0 · 0 s\n');
    bar.onEvent(exited('ListRunLeads', { leads: { count: 2, items: [] } }));
    bar.onEvent(exited('FetchSite'));
    bar.onEvent({ type: 'StateEntered', state: { name: 'WaitForRateLimit' } });
    now += 125_000;
    bar.onEvent(exited('LeadDone'));
    bar.done();
    const last = out.text.trim().split('\n').at(-1);
    expect(last).toBe('progress: leads 1/2 · searched 1 · fetched 1 · cleaned 0 · researched 0 · committed 0 · failed 0 · rate-limit waits 1 · 2m05s');
    expect(bar.counts()).toEqual({ searched: 1, fetched: 1, cleaned: 0, researched: 0, committed: 0, failed: 0 });
  });

  test('a terminal gets one redrawn line and a newline at the end; quiet events print nothing', () => {
    const out = stream(true);
    const bar = progress(out, { intervalMs: 0, now: () => 0 });
    bar.onEvent({ type: 'StateEntered', state: { name: 'FetchSite' } });
    expect(out.text).toBe('');
    bar.onEvent(exited('FetchSite'));
    bar.done();
    expect(out.text.startsWith('\r\x1b[2K')).toBe(true);
    expect(out.text.endsWith('\n')).toBe(true);
    expect(out.text).not.toContain('progress:');
  });

  test('elapsed time stays short', () => {
    expect(formatElapsed(4_200)).toBe('4 s');
    expect(formatElapsed(99_000)).toBe('99 s');
    expect(formatElapsed(100_000)).toBe('1m40s');
    expect(formatElapsed(3_720_000)).toBe('1h02m');
  });
});
