/**
 * `prospector eval --suite replies --json` as a user runs it (in this process,
 * test/helpers/cli-in-process.ts: the CLI's main with its own environment and output): the bundled
 * labelled replies classified by the offline heuristic and through groq-sdk against the loopback
 * fake Groq; no bounce, out-of-office with automatic headers or opt-out may be missed, and
 * macro-F1 stays above a floor. With a key, a third column from the configured endpoint (here a
 * loopback fake, never the real Groq). Also the scoring itself on a set small enough to count by hand,
 * and a manifest that does not match its folder.
 */
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ReplyClassification } from '#core/replies/classify.ts';
import { REPLY_LABELS } from '#core/replies/labels.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { cliEnv, closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';
import { loadRepliesSet, REPLIES_EVAL_DIR, RepliesEvalFigures, RepliesEvalResult, scoreClassifier, type ExpectedReply } from '#local/eval-replies.ts';


// Measured on the bundled set: 0.957 for both classifiers; the floor leaves room for a reworded cue.
const MACRO_F1_FLOOR = 0.9;

/** The command over `home`; throws with its stderr when it fails, as a failed child would. */
const run = async (args: string[], home: string, extra: Record<string, string> = {}) => {
  // GROQ_BASE_URL pointing nowhere proves the suite never leaves its own loopback fake
  const r = await prospector(['eval', '--suite', 'replies', ...args], cliEnv(home, { GROQ_BASE_URL: 'http://127.0.0.1:9', ...extra }));
  if (r.code !== 0) throw new Error(`prospector eval --suite replies ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
};

describe('prospector eval --suite replies', () => {
  let home: string;
  let figures: RepliesEvalFigures;
  let detailed: RepliesEvalResult;
  let stderr: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-eval-replies-home-'));
    const [plain, withDetails] = await Promise.all([run(['--json'], home), run(['--json', '--details'], home)]);
    const lines = plain.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    figures = RepliesEvalFigures.parse(JSON.parse(lines[0]));
    detailed = RepliesEvalResult.parse(JSON.parse(withDetails.stdout));
    stderr = plain.stderr;
  }, 150_000);

  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('classifies a set of at least 80 replies in four languages with every label', () => {
    expect(figures.replies).toBeGreaterThanOrEqual(80);
    for (const lang of ['en', 'de', 'fr', 'es'] as const) expect(figures.languages[lang], lang).toBeGreaterThanOrEqual(10);
    expect(figures.mustNotMiss).toBeGreaterThanOrEqual(30);
    for (const c of figures.classifiers) {
      expect(Object.keys(c.perLabel).sort()).toEqual([...REPLY_LABELS].sort());
      for (const label of REPLY_LABELS) expect(c.perLabel[label].support, label).toBeGreaterThan(0);
      expect(REPLY_LABELS.reduce((n, l) => n + c.perLabel[l].support, 0)).toBe(figures.replies);
      expect(REPLY_LABELS.reduce((n, l) => n + c.perLabel[l].predicted, 0)).toBe(figures.replies);
    }
  });

  test('misses no bounce, out-of-office with automatic headers or opt-out, offline and through the fake Groq', () => {
    // no key: the real Groq is never a column
    expect(figures.classifiers.map((c) => c.classifier)).toEqual(['heuristic', 'fake-groq']);
    for (const c of figures.classifiers) {
      expect(c.deterministicMisses, c.classifier).toBe(0);
      expect(c.perLabel.bounce.recall, c.classifier).toBe(1);
      expect(c.perLabel.unsubscribe.recall, c.classifier).toBe(1);
      expect(c.byRules, c.classifier).toBeGreaterThanOrEqual(figures.mustNotMiss);
      expect(c.detailErrors, JSON.stringify(detailed.classifiers.find((d) => d.classifier === c.classifier)?.details)).toBe(0);
    }
  });

  test(`keeps macro-F1 at or above ${MACRO_F1_FLOOR} for both classifiers`, () => {
    for (const c of figures.classifiers) {
      const misses = detailed.classifiers.find((d) => d.classifier === c.classifier)?.misses;
      expect(c.macroF1, JSON.stringify(misses, null, 1)).toBeGreaterThanOrEqual(MACRO_F1_FLOOR);
      expect(c.replies).toBe(figures.replies);
    }
  });

  test('the fake-Groq column really went through groq-sdk to the loopback fake; the heuristic called nothing', () => {
    const [heuristic, fake] = figures.classifiers;
    expect(heuristic).toMatchObject({ model: null, llmCalls: 0 });
    expect(fake.model).toMatch(/^openai\/gpt-oss/);
    // one call (and at most one repair) for every mail the rules left open
    expect(fake.llmCalls).toBeGreaterThanOrEqual(figures.replies - fake.byRules);
    expect(fake.llmCalls).toBeLessThanOrEqual(2 * (figures.replies - fake.byRules) + 10);
  });

  test('--details names the mislabelled mails; progress goes to stderr, the figures alone to stdout', () => {
    for (const c of detailed.classifiers) {
      const wrong = REPLY_LABELS.reduce((n, l) => n + c.perLabel[l].support, 0) - Math.round(c.accuracy * c.replies);
      expect(c.misses).toHaveLength(wrong);
      for (const m of c.misses) expect(m.expected).not.toBe(m.got);
    }
    expect(stderr).toContain(`eval: classifying ${figures.replies} labelled replies with the offline heuristic`);
    expect(stderr).toContain('against the loopback fake Groq (http://127.0.0.1:');
    expect(stderr.trim().split('\n').at(-1)).toBe('eval: scored against local/data/replies-eval/labels.json');
  });
});

describe('prospector eval --suite replies with GROQ_API_KEY set (Groq stood in for by a loopback fake)', () => {
  let groq: FakeGroq;
  let home: string;
  beforeAll(async () => {
    groq = await startFakeGroq();
    home = await mkdtemp(join(tmpdir(), 'prospector-eval-replies-key-'));
  });
  afterAll(async () => {
    await groq?.close();
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('adds a third column from the configured Groq, and waits out a rate limit instead of failing', async () => {
    // three 429s: groq-sdk's own two retries, then the eval waits as retry-after asks
    groq.setScript([{ at: [0, 1, 2], fault: { kind: '429', retryAfter: '1' } }]);
    const out = await run(['--json'], home, { GROQ_API_KEY: 'gsk_eval_test_key_0123456789', GROQ_BASE_URL: groq.baseURL });
    const result = RepliesEvalFigures.parse(JSON.parse(out.stdout));
    expect(result.classifiers.map((c) => c.classifier)).toEqual(['heuristic', 'fake-groq', 'groq']);
    const [, fake, real] = result.classifiers;
    expect(real.model).toBe(fake.model);
    // every call the column counted reached the configured endpoint; the three throttled ones too
    expect(real.llmCalls).toBe(groq.calls.length - 3);
    expect(real.llmCalls).toBeGreaterThanOrEqual(result.replies - real.byRules);
    expect(real).toMatchObject({ deterministicMisses: 0, macroF1: fake.macroF1 });
    expect(out.stderr).toMatch(/eval: rate-limited at \S+\.eml; waiting 1 s/);
    expect(out.stderr).toContain(`with Groq (${fake.model})`);
  }, 150_000);
});

describe('scoreClassifier and the manifest', () => {
  const mail = (file: string, label: ExpectedReply['label'], extra: Partial<ExpectedReply> = {}) => ({ file, raw: Buffer.from(''), expected: { label, lang: 'en' as const, shape: 'test', ...extra } });
  const got = (label: ReplyClassification['label'], extra: Partial<ReplyClassification> = {}): ReplyClassification => ({
    label, confidence: 0.9, classifiedBy: 'heuristic', needsReview: false, questions: [], referral: null, objection: null, returnDate: null, bounce: null,
    evidence: 'test', model: null, promptVersion: null, fallbackReason: null, ...extra,
  });

  test('counts precision, recall, macro-F1, must-not-miss misses and wrong details', () => {
    const set = [
      mail('a.eml', 'bounce', { bounce: { kind: 'hard', status: '5.1.1' } }),
      mail('b.eml', 'bounce', { bounce: { kind: 'soft', status: '4.2.2' } }),
      mail('c.eml', 'interested'),
      mail('d.eml', 'out_of_office', { autoHeaders: false, returnDate: null }),
    ];
    const labels = [
      got('bounce', { bounce: { kind: 'hard', status: '5.1.1', recipient: null, diagnostic: null, originalMessageId: null } }),
      got('auto_reply'),
      got('interested'),
      got('interested'),
    ];
    const s = scoreClassifier(set, labels, { classifier: 'heuristic', model: null, llmCalls: 0 });
    expect(s.perLabel.bounce).toEqual({ support: 2, predicted: 1, precision: 1, recall: 0.5, f1: 0.667 });
    expect(s.perLabel.interested).toEqual({ support: 1, predicted: 2, precision: 0.5, recall: 1, f1: 0.667 });
    expect(s.perLabel.auto_reply).toEqual({ support: 0, predicted: 1, precision: 0, recall: null, f1: 0 });
    expect(s.perLabel.wrong_person).toEqual({ support: 0, predicted: 0, precision: null, recall: null, f1: 0 });
    // bounce, interested, out_of_office, auto_reply: (0.667 + 0.667 + 0 + 0) / 4
    expect(s.macroF1).toBe(0.333);
    expect(s.accuracy).toBe(0.5);
    // a missed bounce counts; an out-of-office without automatic headers does not
    expect(s.deterministicMisses).toBe(1);
    expect(s.misses.map((m) => m.file)).toEqual(['b.eml', 'd.eml']);
  });

  test('a right label with a wrong detail is a detail error', () => {
    const set = [mail('a.eml', 'bounce', { bounce: { kind: 'soft', status: '5.2.2' } }), mail('r.eml', 'referral', { referral: { email: 'jane@x.example' } })];
    const labels = [
      got('bounce', { bounce: { kind: 'hard', status: '5.2.2', recipient: null, diagnostic: null, originalMessageId: null } }),
      got('referral', { referral: { name: null, email: 'JANE@x.example' } }),
    ];
    const s = scoreClassifier(set, labels, { classifier: 'heuristic', model: null, llmCalls: 0 });
    expect(s.details).toEqual([{ file: 'a.eml', field: 'bounce.kind', expected: 'soft', got: 'hard' }]);
    expect(s.accuracy).toBe(1);
  });

  test('a mail without a manifest entry, or an entry without its mail, is refused by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prospector-replies-set-'));
    try {
      const [first] = (await readdir(REPLIES_EVAL_DIR)).filter((f) => f.endsWith('.eml'));
      await copyFile(join(REPLIES_EVAL_DIR, first), join(dir, 'stray.eml'));
      await writeFile(join(dir, 'labels.json'), JSON.stringify({ 'gone.eml': { label: 'interested', lang: 'en', shape: 'test' } }));
      await expect(loadRepliesSet(dir)).rejects.toThrow(/stray\.eml: a mail with no entry in labels\.json[\s\S]*gone\.eml: an entry of labels\.json with no such file/);
      await writeFile(join(dir, 'labels.json'), JSON.stringify({ 'stray.eml': { label: 'bounce', lang: 'en', shape: 'test' } }));
      await expect(loadRepliesSet(dir)).rejects.toThrow(/stray\.eml\.bounce: a "bounce" \(and only a bounce\) gives \{kind, status\}/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
