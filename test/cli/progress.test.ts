/** The run progress line: what this run did with its leads, from the interpreter's events; leads done of the listed total; elapsed time. */
import { describe, expect, test } from 'vitest';
import { formatElapsed, progress } from '#local/progress.ts';

function stream(tty: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY: tty, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

const exited = (name: string, output?: unknown) => ({ type: 'StateExited', state: { name, output } });

describe('progress', () => {
  test('plain lines: searches until the leads are listed, then leads done and their outcomes, rate-limit waits and elapsed time', () => {
    let now = 1_000;
    const out = stream(false);
    const bar = progress(out, { intervalMs: 0, now: () => now });
    bar.onEvent(exited('SearchLeads'));
    expect(out.text).toBe('progress: searched 1 · researched 0 · skipped 0 · failed 0 · 0 s\n');
    bar.onEvent(exited('ListRunLeads', { leads: { count: 3, items: [] } }));
    bar.onEvent(exited('FetchSite', { fetch: { skipped: false } }));
    bar.onEvent({ type: 'StateEntered', state: { name: 'WaitForRateLimit' } });
    now += 125_000;
    bar.onEvent(exited('CommitResearch', { commit: { status: 'researched' } }));
    bar.onEvent(exited('LeadDone'));
    bar.done();
    const last = out.text.trim().split('\n').at(-1);
    expect(last).toBe('progress: leads 1/3 · researched 1 · skipped 0 · failed 0 · rate-limit waits 1 · 2m05s');
  });

  test('research reused unchanged, a robots.txt refusal and too little evidence count as skipped, not researched', () => {
    const out = stream(false);
    const bar = progress(out, { intervalMs: 0, now: () => 0 });
    bar.onEvent(exited('ListRunLeads', { leads: { count: 4, items: [] } }));
    bar.onEvent(exited('ResearchLead', { research: { skipped: true, reason: 'unchanged' } }));
    bar.onEvent(exited('FetchSite', { fetch: { skipped: true } }));
    bar.onEvent(exited('ResearchLead', { research: { skipped: false } }));
    bar.onEvent(exited('CommitResearch', { commit: { status: 'skipped' } }));
    bar.onEvent(exited('RecordFailure'));
    expect(bar.counts()).toEqual({ searched: 0, researched: 0, skipped: 3, failed: 1 });
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
