/**
 * Classify: every fixture mail labelled offline (rules, then the labelled heuristic), and through
 * the real groq-sdk against the loopback fake Groq: a model's label, rules that win without a
 * call, an invalid answer repaired once, an invented referral address and a past return date
 * rejected, low confidence sent to review, and throttling passed on to the state machine.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { RateLimitedError } from '#core/errors.ts';
import { CLASSIFY_PROMPT_VERSION, classifyReply, DEFAULT_CLASSIFY_MODEL, type ClassifyDeps } from '#core/replies/classify.ts';
import { parseMail, type InboundMail } from '#core/replies/parse.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';

const mailOf = async (name: string) => parseMail(await readFile(new URL(`../fixtures/replies/${name}`, import.meta.url)), { source: name });

let fake: FakeGroq;
let groq: ClassifyDeps;
let offline: ClassifyDeps;
let archived: Map<string, Record<string, unknown>>;

beforeAll(async () => {
  fake = await startFakeGroq();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.setScript([]);
  fake.calls.length = 0;
  archived = new Map();
  const archive: ClassifyDeps['archive'] = async (record, callId, at) => {
    const key = `llm/dt=${at.toISOString().slice(0, 10)}/${callId}.json`;
    archived.set(key, record);
    return key;
  };
  groq = { llm: new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }), archive };
  offline = { llm: new HeuristicLlm(), archive };
});

describe('classifyReply offline (rules, then the labelled heuristic)', () => {
  it.each([
    ['dsn-gmail-hard.eml', 'bounce', 'rules'],
    ['dsn-postfix-soft.eml', 'bounce', 'rules'],
    ['ooo-en.eml', 'out_of_office', 'rules'],
    ['ooo-de.eml', 'out_of_office', 'rules'],
    ['ooo-fr.eml', 'out_of_office', 'rules'],
    ['ooo-es.eml', 'out_of_office', 'rules'],
    ['auto-reply-ticket.eml', 'auto_reply', 'rules'],
    ['optout-en-gmail.eml', 'unsubscribe', 'rules'],
    ['optout-de-outlook.eml', 'unsubscribe', 'rules'],
    ['optout-fr-apple.eml', 'unsubscribe', 'rules'],
    ['optout-es.eml', 'unsubscribe', 'rules'],
    ['referral.eml', 'referral', 'heuristic'],
    ['question.eml', 'needs_info', 'heuristic'],
    ['html-only.eml', 'interested', 'heuristic'],
    ['quoted-unsubscribe-interested.eml', 'interested', 'heuristic'],
  ])('%s is %s (by %s)', async (name, label, by) => {
    const { classification, calls } = await classifyReply(await mailOf(name), offline);
    expect(classification).toMatchObject({ label, classifiedBy: by });
    expect(calls).toEqual([]);
    if (by === 'heuristic') expect(classification.evidence).toMatch(/^offline heuristic classifier/);
  });

  it('gives the details each label carries', async () => {
    const bounce = (await classifyReply(await mailOf('dsn-gmail-hard.eml'), offline)).classification;
    expect(bounce.bounce).toMatchObject({ kind: 'hard', status: '5.1.1', recipient: 'nobody@acme.example' });
    expect(bounce).toMatchObject({ confidence: 1, needsReview: false });
    expect((await classifyReply(await mailOf('ooo-de.eml'), offline)).classification.returnDate).toBe('2026-12-21');
    const referral = (await classifyReply(await mailOf('referral.eml'), offline)).classification;
    expect(referral.referral).toEqual({ name: 'Jane Doe', email: 'jane.doe@acme.example' });
    const question = (await classifyReply(await mailOf('question.eml'), offline)).classification;
    expect(question.questions).toEqual(['How does your pricing work for a team of 40?', 'And do you integrate with NetSuite?']);
  });

  it('sends a reply it cannot read to review instead of acting', async () => {
    const mail = { ...(await mailOf('question.eml')), text: 'Hmm.' };
    expect((await classifyReply(mail, offline)).classification).toMatchObject({ needsReview: true, classifiedBy: 'heuristic' });
  });
});

describe('classifyReply with a model (real groq-sdk, loopback fake Groq)', () => {
  it('labels a referral in one strict, archived call that sees only the new text', async () => {
    const { classification, calls } = await classifyReply(await mailOf('referral.eml'), groq);
    expect(classification).toMatchObject({
      label: 'referral',
      classifiedBy: 'llm',
      model: DEFAULT_CLASSIFY_MODEL,
      promptVersion: CLASSIFY_PROMPT_VERSION,
      referral: { email: 'jane.doe@acme.example' },
      fallbackReason: null,
    });
    expect(calls.map((c) => [c.pass, c.outcome])).toEqual([['classify', 'ok']]);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].pass).toBe('classify');
    expect(fake.calls[0].body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'reply_classification', strict: true } });
    expect(fake.calls[0].user).toContain('jane.doe@acme.example');
    expect(fake.calls[0].user).not.toContain('Acme is hiring two accountants');
    expect([...archived.values()][0]).toMatchObject({ pass: 'classify', template: 'classify.v1', outcome: 'ok' });
  });

  it('makes no call when a rule decides (bounce, out-of-office, opt-out)', async () => {
    for (const name of ['dsn-gmail-hard.eml', 'ooo-fr.eml', 'optout-es.eml']) await classifyReply(await mailOf(name), groq);
    expect(fake.calls).toHaveLength(0);
  });

  it('never lets the quoted "unsubscribe" decide: the model sees only "Interested!..."', async () => {
    const { classification } = await classifyReply(await mailOf('quoted-unsubscribe-interested.eml'), groq);
    expect(classification).toMatchObject({ label: 'interested', classifiedBy: 'llm' });
    expect(fake.calls[0].user).not.toMatch(/unsubscribe|remove me/i);
  });

  it('repairs an invalid answer once', async () => {
    fake.setScript([{ at: 0, fault: { kind: 'schema-break' } }]);
    const { classification, calls } = await classifyReply(await mailOf('question.eml'), groq);
    expect(calls.map((c) => [c.pass, c.outcome])).toEqual([
      ['classify', 'invalid'],
      ['classify.repair', 'repaired'],
    ]);
    expect(classification).toMatchObject({ label: 'needs_info', classifiedBy: 'llm' });
    expect(classification.questions.length).toBeGreaterThan(0);
  });

  it('rejects a referral address the reply does not contain, even after the repair', async () => {
    const invented = JSON.stringify({ label: 'referral', confidence: 0.95, questions: [], referral: { name: 'Jane Doe', email: 'jane@acme-corp.example' }, objection: null, returnDate: null });
    fake.setScript([{ at: 0, fault: { kind: 'rewrite', rewrite: () => invented } }]);
    const { classification, calls } = await classifyReply(await mailOf('referral.eml'), groq);
    expect(calls.map((c) => c.outcome)).toEqual(['invalid', 'invalid']);
    expect(fake.calls[1].user).toContain('"jane@acme-corp.example" is not written in the reply');
    expect(classification).toMatchObject({ classifiedBy: 'heuristic', needsReview: true, referral: { email: 'jane.doe@acme.example' } });
    expect(classification.fallbackReason).toContain('not written in the reply');
    expect(classification.evidence).toMatch(/^offline heuristic classifier \(the model's answer was rejected\)/);
  });

  it('accepts the repaired referral when the repair gives the address from the reply', async () => {
    const invented = JSON.stringify({ label: 'referral', confidence: 0.9, questions: [], referral: { name: 'Jane', email: 'jane@acme.example' }, objection: null, returnDate: null });
    const fixed = invented.replace('jane@acme.example', 'jane.doe@acme.example');
    fake.setScript([
      { at: 0, fault: { kind: 'rewrite', rewrite: () => invented } },
      { at: 1, fault: { kind: 'rewrite', rewrite: () => fixed } },
    ]);
    const { classification, calls } = await classifyReply(await mailOf('referral.eml'), groq);
    expect(calls.map((c) => c.outcome)).toEqual(['invalid', 'repaired']);
    expect(classification).toMatchObject({ label: 'referral', classifiedBy: 'llm', referral: { name: 'Jane', email: 'jane.doe@acme.example' } });
  });

  it('rejects a return date that is not after the mail', async () => {
    const mail: InboundMail = { ...(await mailOf('question.eml')), text: 'I am travelling, back soon.' };
    const past = JSON.stringify({ label: 'out_of_office', confidence: 0.9, questions: [], referral: null, objection: null, returnDate: '2026-11-20' });
    fake.setScript([{ when: () => true, fault: { kind: 'rewrite', rewrite: () => past } }]);
    const { classification, calls } = await classifyReply(mail, groq);
    expect(calls).toHaveLength(2);
    expect(fake.calls[1].user).toContain("2026-11-20 is not after the mail's date (2026-12-02)");
    expect(classification).toMatchObject({ classifiedBy: 'heuristic', needsReview: true });
    expect(classification.returnDate).not.toBe('2026-11-20');
  });

  it('sends a low-confidence label to review', async () => {
    const unsure = JSON.stringify({ label: 'interested', confidence: 0.35, questions: [], referral: null, objection: null, returnDate: null });
    fake.setScript([{ at: 0, fault: { kind: 'rewrite', rewrite: () => unsure } }]);
    const { classification } = await classifyReply({ ...(await mailOf('html-only.eml')), text: 'Oh great, another vendor. Just what I needed.' }, groq);
    expect(classification).toMatchObject({ label: 'interested', classifiedBy: 'llm', confidence: 0.35, needsReview: true });
  });

  it('keeps an automatic mail auto_reply unless the model finds a referral in it', async () => {
    const ticket = await mailOf('auto-reply-ticket.eml');
    expect((await classifyReply(ticket, groq)).classification).toMatchObject({ label: 'auto_reply', classifiedBy: 'rules' });
    const left: InboundMail = { ...ticket, text: 'I have left Globex. Please contact my successor Raj Patel at raj.patel@globex.example.' };
    const referral = JSON.stringify({ label: 'referral', confidence: 0.9, questions: [], referral: { name: 'Raj Patel', email: 'raj.patel@globex.example' }, objection: null, returnDate: null });
    fake.setScript([{ when: () => true, fault: { kind: 'rewrite', rewrite: () => referral } }]);
    expect((await classifyReply(left, groq)).classification).toMatchObject({ label: 'referral', classifiedBy: 'llm', referral: { email: 'raj.patel@globex.example' } });
  });

  it('passes throttling on to the state machine', async () => {
    fake.setScript([{ at: 0, fault: { kind: '429', retryAfter: 7 } }]);
    await expect(classifyReply(await mailOf('question.eml'), groq)).rejects.toBeInstanceOf(RateLimitedError);
  });
});
