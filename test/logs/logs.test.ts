/**
 * What a whole local run writes to its logs and to its state payloads (the Step Functions
 * execution history in the cloud): structured JSON lines in the Powertools shape with run and
 * lead ids, and never a full lead email, the Groq API key, or text from a fetched page. Run at
 * debug level over the bundled lead directory and sample web, with Groq served by the fake
 * (so the key is really sent) and some LLM faults so the error paths log too.
 */
import { readFile } from 'node:fs/promises';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLog, redact } from '#core/log.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { RunSummary } from '#core/pipeline/finish-run.ts';
import { openLocal, runOnce, type LocalRuntime } from '#local/runner.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { forDomain, installTripwire, type Tripwire } from '#test/hostile/support.ts';
import { migratedHome } from '#test/helpers/home.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';

const API_KEY = 'gsk_LOGSUITEfakeKeyDoNotLog9f8e7d6c5b4a';
const SITES = join(import.meta.dirname, '..', '..', 'local', 'sample-web', 'sites');
const DIRECTORY = join(import.meta.dirname, '..', '..', 'local', 'data', 'lead-directory.json');

// Distinctive sentences from sample pages the run fetches (the first two are the kind of line
// the facts pass quotes, so they travel through prompts, answers and the database).
const PAGE_SENTENCES: [string, string][] = [
  ['brightpallet.example/about.html', 'BrightPallet started in 2011 with one 80,000-square-foot building on Alum Creek Drive'],
  ['brightpallet.example/about.html', 'a site manager whose phone number is on your invoice'],
];

interface StateEvent {
  type: string;
  state?: { name: string; input?: unknown; output?: unknown };
  [k: string]: unknown;
}

describe('logs and state payloads of a whole local run', () => {
  let home: string;
  let fake: FakeGroq;
  let rt: LocalRuntime;
  let tripwire: Tripwire;
  let summary: RunSummary;
  const lines: string[] = [];
  const events: StateEvent[] = [];
  let emails: string[] = [];

  beforeAll(async () => {
    tripwire = installTripwire();
    for (const [file, sentence] of PAGE_SENTENCES) {
      expect((await readFile(join(SITES, file), 'utf8')).replace(/\s+/g, ' ')).toContain(sentence);
    }
    fake = await startFakeGroq({ apiKey: API_KEY });
    fake.setScript([
      { when: forDomain(fake.calls, 'shipwise-cloud.example', { repairs: true }), fault: { kind: 'invalid-json' } },
      { when: forDomain(fake.calls, 'stackharbor.example'), fault: { kind: '500' } },
      { when: forDomain(fake.calls, 'quillstack.example'), times: 1, fault: { kind: '429', retryAfter: 3 } },
    ]);
    home = await migratedHome('prospector-logs-');
    rt = await openLocal({
      env: {
        PROSPECTOR_HOME: home,
        PROSPECTOR_LOG_LEVEL: 'debug',
        GROQ_API_KEY: API_KEY,
        GROQ_BASE_URL: fake.baseURL,
        PROSPECTOR_FETCH_TIMEOUT_MS: '2000',
        PROSPECTOR_LEAD_CONCURRENCY: '6',
      },
      log: jsonLog({ level: 'debug', write: (line) => lines.push(line) }),
      sampleWebSlowMs: 5000,
    });
    await importOnboarding(rt.deps.sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
    summary = await runOnce(rt, {
      retryIntervalOverrides: { ResearchLead: 1, FetchSite: 1, CleanPages: 1, CommitResearch: 1, RecordFailure: 1 },
      waitTimeOverrides: { WaitForRateLimit: 1 },
      onEvent: (e) => events.push(JSON.parse(JSON.stringify(e)) as StateEvent),
    });
    const stored = await rt.deps.sql.query<{ email: string }>('SELECT email FROM lead');
    const directory = JSON.parse(await readFile(DIRECTORY, 'utf8')) as { lead_email: string }[];
    // Every address the run saw: stored leads and everything the directory handed over
    // (excluded and invalid ones included), as given and as normalised.
    emails = [...new Set([...stored.rows.map((r) => r.email), ...directory.map((d) => d.lead_email.trim()), ...directory.map((d) => d.lead_email.trim().toLowerCase())])].filter((e) => e.includes('@'));
  }, 180_000);

  afterAll(async () => {
    tripwire?.restore();
    await rt?.close();
    await fake?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const isFinishOutput = (e: StateEvent) => (e.type === 'StateExited' && e.state?.name === 'FinishRun') || e.type === 'ExecutionSucceeded';

  it('ran the pipeline through Groq (the fake), with the key, and exercised the error paths', () => {
    expect(summary.status).toBe('succeeded');
    expect(summary.llmProvider).toBe('groq');
    expect(summary.leadsResearched).toBeGreaterThan(10);
    expect(fake.calls.length).toBeGreaterThan(20);
    expect(fake.calls.every((c) => c.authorization === `Bearer ${API_KEY}`)).toBe(true);
    expect(summary.failures.map((f) => f.error)).toEqual(expect.arrayContaining(['LlmOutputInvalid', 'LlmUnavailable', 'FetchTimeout', 'InvalidLead']));
    expect(events.some((e) => e.type === 'StateEntered' && e.state?.name === 'WaitForRateLimit')).toBe(true);
    expect(tripwire.refused).toEqual([]);
  });

  it('writes one JSON object per line in the Powertools shape, with run and lead ids on per-lead lines', () => {
    expect(lines.length).toBeGreaterThan(50);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const entry of parsed) {
      expect(Object.keys(entry).slice(0, 4)).toEqual(['level', 'message', 'timestamp', 'service']);
      expect(['DEBUG', 'INFO', 'WARN', 'ERROR']).toContain(entry.level);
      expect(new Date(entry.timestamp as string).toISOString()).toBe(entry.timestamp);
    }
    const levels = new Set(parsed.map((e) => e.level));
    expect(levels).toEqual(new Set(['DEBUG', 'INFO', 'WARN']));
    for (const message of ['site fetched', 'lead researched', 'lead failed']) {
      const hits = parsed.filter((e) => e.message === message);
      expect(hits.length, message).toBeGreaterThan(0);
      for (const h of hits) {
        expect(h.runId, message).toBe(summary.runId);
        expect(h.leadId, message).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
  });

  it('never logs a full lead email, the API key, an Authorization header or page text', () => {
    expect(emails.length).toBeGreaterThan(30);
    const all = lines.join('\n');
    for (const email of emails) expect(all, email).not.toContain(email);
    expect(all).not.toContain(API_KEY);
    expect(all).not.toMatch(/Bearer\s+gsk_/);
    for (const [, sentence] of PAGE_SENTENCES) expect(all).not.toContain(sentence);
    expect(all).not.toMatch(/<html|<body|<p>/i);
  });

  it('carries no email, key or page text in any state input or output (the run summary aside)', () => {
    expect(events.length).toBeGreaterThan(100);
    const payloads = events.filter((e) => !isFinishOutput(e)).map((e) => JSON.stringify(e));
    const all = payloads.join('\n');
    for (const email of emails) expect(all, email).not.toContain(email);
    expect(all).not.toContain(API_KEY);
    for (const [, sentence] of PAGE_SENTENCES) expect(all).not.toContain(sentence);
    // Step Functions caps a payload at 256 KiB; ids and lake keys keep them far below.
    expect(Math.max(...payloads.map((p) => Buffer.byteLength(p)))).toBeLessThan(32 * 1024);
  });

  // Known leak outside this suite: FinishRun returns the whole RunSummary, whose `skipped` and
  // `failures` lists name every lead by full email, and that output is the execution's output
  // (kept in the Step Functions execution history for 90 days). The step should return counts
  // only and the CLI read the lists with summarizeRun.
  it('carries no lead email in the FinishRun output either', () => {
    const finish = events.filter(isFinishOutput).map((e) => JSON.stringify(e)).join('\n');
    expect(finish.length).toBeGreaterThan(0);
    for (const email of emails) expect(finish, email).not.toContain(email);
  });

  it('keeps the key and page text out of the run summary too', () => {
    const text = JSON.stringify(summary);
    expect(text).not.toContain(API_KEY);
    for (const [, sentence] of PAGE_SENTENCES) expect(text).not.toContain(sentence);
  });
});

describe('redact', () => {
  it('masks emails however they are written, in keys as well as values', () => {
    const out = JSON.stringify(
      redact({
        'dana.ruiz@keelhaul-freight.example': 'seen',
        url: 'https://x.example/unsubscribe?email=Dana.Ruiz%40Keelhaul-Freight.example&y=1',
        nested: { list: ['PRIYA@BRIGHTPALLET.EXAMPLE', { deep: 'cc: ops+leads@xn--bcher-kva.example' }] },
        error: new Error('lead dana.ruiz@keelhaul-freight.example failed'),
      }),
    );
    for (const raw of ['dana.ruiz@', 'Dana.Ruiz%40', 'PRIYA@', 'ops+leads@']) expect(out).not.toContain(raw);
    expect(out).toContain('d***@keelhaul-freight.example');
    expect(out).toContain('D***%40Keelhaul-Freight.example');
  });

  it('drops secrets by key and by shape', () => {
    const out = JSON.stringify(
      redact({
        apiKey: 'whatever',
        headers: { Authorization: 'Bearer abc', 'x-api-key': 'k', Cookie: 'sid=1' },
        message: 'request failed: Authorization: Bearer sk-live-0123456789abcdef and gsk_abcdefghijklmnop',
        basic: 'Basic dXNlcjpwYXNzd29yZA==',
        promptTokens: 120,
      }),
    );
    for (const secret of ['whatever', 'Bearer abc', 'sid=1', 'sk-live-0123456789abcdef', 'gsk_abcdefghijklmnop', 'dXNlcjpwYXNzd29yZA==']) expect(out).not.toContain(secret);
    expect(out).toContain('"promptTokens":120');
  });

  it('never writes bodies: bytes become a size and long strings are cut', () => {
    const body = `<html><body>${'<p>Confidential roadmap paragraph.</p>'.repeat(500)}</body></html>`;
    const out = redact({ raw: Buffer.from(body), text: body }) as { raw: string; text: string };
    expect(out.raw).toBe(`[${Buffer.byteLength(body)} bytes]`);
    expect(out.text.length).toBeLessThan(2100);
    expect(out.text).toMatch(/…\[\d+ more chars\]$/);
  });

  it('survives hostile shapes: cycles, depth, huge arrays', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => JSON.stringify(redact(cyclic))).not.toThrow();
    expect((redact(Array.from({ length: 10_000 }, (_, i) => i)) as unknown[]).length).toBe(50);
  });
});
