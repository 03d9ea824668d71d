/**
 * `prospector eval --suite replies`: how well replies are understood, on a bundled labelled set
 * (`local/data/replies-eval/*.eml`, expected labels and details in `labels.json`, sources in its
 * README).
 *
 * Every mail is parsed and classified by `classifyReply`, the function `replies import` runs, once
 * per classifier:
 * - `heuristic`: no language model, the rules then the offline heuristic classifier;
 * - `fake-groq`: the real groq-sdk against the loopback fake Groq started in-process (the rules,
 *   then one model call per remaining mail; the fake answers with the heuristic's label, so this
 *   column measures the call path, the answer checks and the repair, not a model's judgement);
 * - `groq`: the real Groq, only when `GROQ_API_KEY` is set.
 *
 * Figures per classifier: per-label precision and recall, macro-F1 over the ten labels, accuracy,
 * `deterministicMisses` (bounces, out-of-office notices sent with automatic headers and opt-outs
 * not given that label: goal 0), and `detailErrors` (a correct label with a wrong detail: a
 * bounce's kind or status, a return date, a referral's address, an objection's kind).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { RateLimitedError, ValidationError } from '#core/errors.ts';
import type { Llm } from '#core/ports.ts';
import { classifyReply, DEFAULT_CLASSIFY_MODEL, type ClassifyDeps, type ReplyClassification } from '#core/replies/classify.ts';
import { ObjectionKind, REPLY_LABELS, ReplyLabel } from '#core/replies/labels.ts';
import { parseMail } from '#core/replies/parse.ts';
import { startFakeGroq } from './fakes/fake-groq.ts';

export const REPLIES_EVAL_DIR = join(import.meta.dirname, 'data', 'replies-eval');

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** What one mail of the set should be labelled, and the details that label carries. */
export const ExpectedReply = z
  .object({
    label: ReplyLabel,
    lang: z.enum(['en', 'de', 'fr', 'es']),
    /** the MIME or wording shape the mail stands for, in a few words */
    shape: z.string().min(3),
    /** out_of_office and auto_reply: sent with Auto-Submitted, X-Autoreply, X-Autorespond or Precedence */
    autoHeaders: z.boolean().optional(),
    bounce: z.object({ kind: z.enum(['hard', 'soft']), status: z.string().nullable() }).strict().optional(),
    /** the first day back; null when the notice names none */
    returnDate: z.string().regex(DAY, 'a day as YYYY-MM-DD').nullable().optional(),
    referral: z.object({ email: z.string().email() }).strict().optional(),
    objection: ObjectionKind.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const need = (ok: boolean, path: string, message: string) => ok || ctx.addIssue({ code: 'custom', path: [path], message });
    need((e.label === 'bounce') === !!e.bounce, 'bounce', 'a "bounce" (and only a bounce) gives {kind, status}');
    need((e.label === 'out_of_office') === (e.returnDate !== undefined), 'returnDate', 'an "out_of_office" (and only one) gives returnDate (a day or null)');
    need(!['out_of_office', 'auto_reply'].includes(e.label) || e.autoHeaders !== undefined, 'autoHeaders', `an "${e.label}" says whether it carries automatic headers`);
    need((e.label === 'referral') === !!e.referral, 'referral', 'a "referral" (and only one) gives {email}');
    need((e.label === 'objection') === !!e.objection, 'objection', 'an "objection" (and only one) gives its kind');
  });
export type ExpectedReply = z.infer<typeof ExpectedReply>;

export const RepliesManifest = z.record(z.string().regex(/^[a-z0-9][a-z0-9.-]*\.eml$/, 'a file name such as dsn-postfix-hard.eml'), ExpectedReply);
export type RepliesManifest = z.infer<typeof RepliesManifest>;

/** Bounces, out-of-office notices with automatic headers and opt-outs: what the rules must never miss. */
export function mustNotMiss(e: ExpectedReply): boolean {
  return e.label === 'bounce' || e.label === 'unsubscribe' || (e.label === 'out_of_office' && e.autoHeaders === true);
}

/** One label's figures for one classifier. */
export const LabelFigures = z.object({
  /** mails of the set with this label */
  support: z.number().int().nonnegative(),
  /** mails the classifier gave this label */
  predicted: z.number().int().nonnegative(),
  /** null when the classifier never gave the label */
  precision: z.number().min(0).max(1).nullable(),
  /** null when the set has no mail with the label */
  recall: z.number().min(0).max(1).nullable(),
  f1: z.number().min(0).max(1),
}).strict();
export type LabelFigures = z.infer<typeof LabelFigures>;

const Share = z.number().min(0).max(1);
const Count = z.number().int().nonnegative();

/** One classifier's figures on the set; `misses` and `details` name the mails behind them. */
export const RepliesEvalClassifier = z.object({
  classifier: z.enum(['heuristic', 'fake-groq', 'groq']),
  /** the model asked, null for the heuristic */
  model: z.string().nullable(),
  replies: Count,
  accuracy: Share,
  macroF1: Share,
  perLabel: z.object(Object.fromEntries(REPLY_LABELS.map((l) => [l, LabelFigures])) as Record<ReplyLabel, typeof LabelFigures>).strict(),
  /** must-not-miss mails (see `mustNotMiss`) given another label: goal 0 */
  deterministicMisses: Count,
  /** right label, wrong detail (bounce kind or status, return date, referral address, objection kind) */
  detailErrors: Count,
  /** labels under the review threshold: the rep decides */
  needsReview: Count,
  /** labels the deterministic rules decided */
  byRules: Count,
  /** model calls made (a repair counts) */
  llmCalls: Count,
  misses: z.array(z.object({ file: z.string(), expected: ReplyLabel, got: ReplyLabel, classifiedBy: z.enum(['rules', 'llm', 'heuristic']), evidence: z.string() }).strict()),
  details: z.array(z.object({ file: z.string(), field: z.string(), expected: z.unknown(), got: z.unknown() }).strict()),
}).strict();
export type RepliesEvalClassifier = z.infer<typeof RepliesEvalClassifier>;
export type RepliesEvalMiss = RepliesEvalClassifier['misses'][number];

/** What `prospector eval --suite replies --json --details` prints. */
export const RepliesEvalResult = z.object({
  suite: z.literal('replies'),
  replies: Count,
  languages: z.object({ en: Count, de: Count, fr: Count, es: Count }).strict(),
  /** mails of the set that must never be missed */
  mustNotMiss: Count,
  classifiers: z.array(RepliesEvalClassifier),
}).strict();
export type RepliesEvalResult = z.infer<typeof RepliesEvalResult>;

/** What `--json` prints without `--details`: the figures, not the mails behind them. */
export const RepliesEvalFigures = RepliesEvalResult.extend({ classifiers: z.array(RepliesEvalClassifier.omit({ misses: true, details: true })) }).strict();
export type RepliesEvalFigures = z.infer<typeof RepliesEvalFigures>;

interface LabelledMail {
  file: string;
  raw: Buffer;
  expected: ExpectedReply;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The manifest and every mail it names; a mail without an entry, or an entry without a file, is an error naming it. */
export async function loadRepliesSet(dir = REPLIES_EVAL_DIR): Promise<LabelledMail[]> {
  const manifestPath = join(dir, 'labels.json');
  const parsed = RepliesManifest.safeParse(JSON.parse(await readFile(manifestPath, 'utf8')));
  if (!parsed.success) throw new ValidationError(manifestPath, parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  const issues = [
    ...files.filter((f) => !parsed.data[f]).map((f) => ({ path: f, message: 'a mail with no entry in labels.json' })),
    ...Object.keys(parsed.data).filter((f) => !files.includes(f)).map((f) => ({ path: f, message: 'an entry of labels.json with no such file' })),
  ];
  if (issues.length > 0) throw new ValidationError(manifestPath, issues);
  return Promise.all(files.map(async (file) => ({ file, raw: await readFile(join(dir, file)), expected: parsed.data[file] })));
}

/** Where the details of a correct label differ from the manifest. */
function detailDiffs(e: ExpectedReply, c: ReplyClassification): { field: string; expected: unknown; got: unknown }[] {
  const out: { field: string; expected: unknown; got: unknown }[] = [];
  const diff = (field: string, expected: unknown, got: unknown) => expected !== got && out.push({ field, expected, got });
  if (e.bounce) {
    diff('bounce.kind', e.bounce.kind, c.bounce?.kind ?? null);
    diff('bounce.status', e.bounce.status, c.bounce?.status ?? null);
  }
  if (e.returnDate !== undefined) diff('returnDate', e.returnDate, c.returnDate);
  if (e.referral) diff('referral.email', e.referral.email.toLowerCase(), c.referral?.email.toLowerCase() ?? null);
  if (e.objection) diff('objection', e.objection, c.objection);
  return out;
}

/** Figures of one classifier from its labels. */
export function scoreClassifier(
  set: LabelledMail[],
  got: ReplyClassification[],
  meta: Pick<RepliesEvalClassifier, 'classifier' | 'model' | 'llmCalls'>,
): RepliesEvalClassifier {
  const perLabel = {} as Record<ReplyLabel, LabelFigures>;
  const f1s = {} as Record<ReplyLabel, number>;
  for (const label of REPLY_LABELS) {
    const support = set.filter((m) => m.expected.label === label).length;
    const predicted = got.filter((c) => c.label === label).length;
    const hits = set.filter((m, i) => m.expected.label === label && got[i].label === label).length;
    const precision = predicted ? hits / predicted : null;
    const recall = support ? hits / support : null;
    const f1 = precision && recall ? (2 * precision * recall) / (precision + recall) : 0;
    f1s[label] = f1;
    perLabel[label] = { support, predicted, precision: precision === null ? null : round(precision), recall: recall === null ? null : round(recall), f1: round(f1) };
  }
  // macro-F1 over the labels the set has or the classifier gave (an invented label costs too)
  const scored = REPLY_LABELS.filter((l) => perLabel[l].support > 0 || perLabel[l].predicted > 0);
  const misses: RepliesEvalMiss[] = [];
  const details: RepliesEvalClassifier['details'] = [];
  set.forEach((m, i) => {
    const c = got[i];
    if (c.label !== m.expected.label) misses.push({ file: m.file, expected: m.expected.label, got: c.label, classifiedBy: c.classifiedBy, evidence: c.evidence });
    else details.push(...detailDiffs(m.expected, c).map((d) => ({ file: m.file, ...d })));
  });
  return {
    ...meta,
    replies: set.length,
    accuracy: round((set.length - misses.length) / Math.max(1, set.length)),
    macroF1: round(scored.reduce((n, l) => n + f1s[l], 0) / Math.max(1, scored.length)),
    perLabel,
    deterministicMisses: set.filter((m, i) => mustNotMiss(m.expected) && got[i].label !== m.expected.label).length,
    detailErrors: details.length,
    needsReview: got.filter((c) => c.needsReview).length,
    byRules: got.filter((c) => c.classifiedBy === 'rules').length,
    misses,
    details,
  };
}

/** Waits a throttled classifier out this many times per mail before the eval gives up. */
const MAX_RATE_LIMIT_WAITS = 5;

async function classifyAll(
  set: LabelledMail[],
  llm: Llm,
  model: string,
  opts: { sleep: (ms: number) => Promise<void>; onProgress: (line: string) => void },
): Promise<{ labels: ReplyClassification[]; calls: number }> {
  // The exchanges are not kept: the eval measures labels, and must leave nothing behind.
  const deps: ClassifyDeps = { llm, archive: async (_record, callId) => `eval/replies/${callId}` };
  const labels: ReplyClassification[] = [];
  let calls = 0;
  for (const m of set) {
    const mail = await parseMail(m.raw, { source: m.file });
    for (let waits = 0; ; waits++) {
      try {
        const result = await classifyReply(mail, deps, { model });
        labels.push(result.classification);
        calls += result.calls.length;
        break;
      } catch (error) {
        // Groq's free tier allows 30 requests a minute: wait as it asks, as the state machine would
        if (!(error instanceof RateLimitedError) || waits >= MAX_RATE_LIMIT_WAITS) throw error;
        opts.onProgress(`eval: rate-limited at ${m.file}; waiting ${error.retryAfterSeconds} s as the model's API asks`);
        await opts.sleep(error.retryAfterSeconds * 1000);
      }
    }
  }
  return { labels, calls };
}

export interface RepliesEvalOptions {
  dir?: string;
  /** the real Groq as a third classifier (never in tests) */
  groq?: { apiKey: string; baseURL?: string; model?: string };
  onProgress?: (line: string) => void;
  /** how a rate limit is waited out (default: a timer) */
  sleep?: (ms: number) => Promise<void>;
}

/** Classifies the labelled set with each classifier and scores them; nothing is stored. */
export async function runRepliesEval(options: RepliesEvalOptions = {}): Promise<RepliesEvalResult> {
  const progress = options.onProgress ?? (() => undefined);
  const run = { onProgress: progress, sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))) };
  const dir = options.dir ?? REPLIES_EVAL_DIR;
  const set = await loadRepliesSet(dir);
  const languages = { en: 0, de: 0, fr: 0, es: 0 };
  for (const m of set) languages[m.expected.lang]++;
  const classifiers: RepliesEvalClassifier[] = [];

  progress(`eval: classifying ${set.length} labelled replies with the offline heuristic (no language model)`);
  const offline = await classifyAll(set, new HeuristicLlm(), DEFAULT_CLASSIFY_MODEL, run);
  classifiers.push(scoreClassifier(set, offline.labels, { classifier: 'heuristic', model: null, llmCalls: offline.calls }));

  const fake = await startFakeGroq();
  try {
    progress(`eval: classifying ${set.length} labelled replies through groq-sdk against the loopback fake Groq (${fake.baseURL})`);
    const llm = new GroqLlm({ apiKey: 'eval-fake-key', baseURL: fake.baseURL, maxRetries: 0 });
    const viaFake = await classifyAll(set, llm, DEFAULT_CLASSIFY_MODEL, run);
    classifiers.push(scoreClassifier(set, viaFake.labels, { classifier: 'fake-groq', model: DEFAULT_CLASSIFY_MODEL, llmCalls: viaFake.calls }));
  } finally {
    await fake.close();
  }

  if (options.groq) {
    const model = options.groq.model ?? DEFAULT_CLASSIFY_MODEL;
    progress(`eval: classifying ${set.length} labelled replies with Groq (${model})`);
    const llm = new GroqLlm({ apiKey: options.groq.apiKey, ...(options.groq.baseURL ? { baseURL: options.groq.baseURL } : {}) });
    const real = await classifyAll(set, llm, model, run);
    classifiers.push(scoreClassifier(set, real.labels, { classifier: 'groq', model, llmCalls: real.calls }));
  }
  progress(`eval: scored against ${dir === REPLIES_EVAL_DIR ? 'local/data/replies-eval/labels.json' : join(dir, 'labels.json')}`);
  return RepliesEvalResult.parse({ suite: 'replies', replies: set.length, languages, mustNotMiss: set.filter((m) => mustNotMiss(m.expected)).length, classifiers });
}
