/**
 * The drafter (`draftLead`) through the real groq-sdk against the loopback fake Groq: one
 * budgeted, validated, repair-once, archived call for a whole sequence in `llm` mode, templates
 * in `template` mode and whenever no model can or should be asked.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { ValidationError } from '#core/errors.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import { DRAFT_PROMPT_TOKEN_LIMIT, DRAFT_PROMPT_VERSION, type ComposeInput } from '#core/outreach/compose.ts';
import { DEFAULT_DRAFT_MODEL, draftLead, draftOptionsFrom, type DraftDeps, type DraftLeadResult } from '#core/outreach/draft.ts';
import type { DraftSequence } from '#core/outreach/templates.ts';
import { DEFAULT_MODELS } from '#core/research/models.ts';
import { loadLocalConfig } from '#local/config.ts';
import { misbehave } from '#local/fakes/draft-answer.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { northwindInput, northwindResearch } from '#test/helpers/drafting.ts';

let onboarding: Onboarding;
let fake: FakeGroq;
let llm: GroqLlm;
let archived: Map<string, Record<string, unknown>>;
let deps: DraftDeps;

beforeAll(async () => {
  onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
  fake = await startFakeGroq();
  llm = new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.setScript([]);
  archived = new Map();
  deps = {
    llm,
    archive: async (record, callId, at) => {
      const key = `llm/dt=${at.toISOString().slice(0, 10)}/${callId}.json`;
      archived.set(key, record);
      return key;
    },
  };
});

const RESEARCH = northwindResearch({ hooks: [{ hook: 'Two new cross-dock sites', factIds: ['f2'] }], emailAngle: { angle: 'Open with the new sites', factIds: ['f2'] } });

const input = (overrides: Partial<ComposeInput> = {}): ComposeInput => northwindInput(onboarding, RESEARCH, overrides);

function sequenceOf(r: DraftLeadResult): DraftSequence {
  if (!r.drafted) throw new Error(`expected a draft, got: ${r.reason}`);
  return r.sequence;
}

describe('draftLead in llm mode', () => {
  it('drafts the whole sequence in one strict, archived call under the prompt limit, every message checked', async () => {
    const r = await draftLead(input(), deps, 'llm');
    const s = sequenceOf(r);
    expect(r.drafter).toBe('llm');
    expect(DEFAULT_DRAFT_MODEL).toBe(DEFAULT_MODELS.synthesis);
    expect(s).toMatchObject({ source: 'llm', model: DEFAULT_DRAFT_MODEL, promptVersion: DRAFT_PROMPT_VERSION });
    expect(s.steps.map((st) => [st.kind, st.messages.map((m) => m.variant)])).toEqual([
      ['email', ['a', 'b']],
      ['linkedin_connection_note', [null]],
      ['follow_up_email', [null]],
      ['follow_up_email', [null]],
    ]);
    for (const m of s.steps.flatMap((st) => st.messages)) expect(m.check.verdict, `${m.angle}: ${JSON.stringify(m.check.findings)}`).toBe('grounded');
    expect(s.steps[0].messages[0].check.sentences.flatMap((x) => x.validFactIds)).toContain('f2');

    expect(fake.calls).toHaveLength(1);
    const call = fake.calls[0];
    expect(call.pass).toBe('draft');
    expect(call.model).toBe(DEFAULT_DRAFT_MODEL);
    expect(call.responseFormat).toMatchObject({ type: 'json_schema', json_schema: { name: 'outreach_sequence', strict: true } });
    // verified facts and the seller's data, never a page and never the unverified fact
    expect(call.user).toContain('<<<DRAFT DATA>>>');
    expect(call.user).not.toContain('<<<PAGE');
    expect(call.user).not.toContain('Dayton');
    expect(r.prompt!.tokens).toBeLessThanOrEqual(DRAFT_PROMPT_TOKEN_LIMIT);

    expect(r.calls).toEqual([expect.objectContaining({ pass: 'draft', provider: 'groq', model: DEFAULT_DRAFT_MODEL, promptVersion: DRAFT_PROMPT_VERSION, outcome: 'ok' })]);
    const record = archived.get(r.calls[0].lakeKey)!;
    expect(record).toMatchObject({ kind: 'llm-exchange', pass: 'draft', template: 'draft.v2', lead: { domain: 'northwind.example' }, outcome: 'ok' });
  });

  it('uses the configured drafting model', async () => {
    const r = await draftLead(input(), deps, 'llm', { model: DEFAULT_MODELS.facts });
    expect(fake.calls.at(-1)!.model).toBe(DEFAULT_MODELS.facts);
    expect(sequenceOf(r).model).toBe(DEFAULT_MODELS.facts);
  });

  it('repairs an answer that is not JSON once, and drafts from the repaired answer', async () => {
    fake.setScript([{ at: 0, fault: { kind: 'invalid-json' } }]);
    const r = await draftLead(input(), deps, 'llm');
    expect(fake.calls.slice(-2).map((c) => c.pass)).toEqual(['draft', 'repair']);
    expect(r.calls.map((c) => [c.pass, c.outcome])).toEqual([
      ['draft', 'invalid'],
      ['draft.repair', 'repaired'],
    ]);
    expect(sequenceOf(r).steps[0].messages.map((m) => m.check.verdict)).toEqual(['grounded', 'grounded']);
  });

  it('blocks what a misbehaving model invents, whatever it cites', async () => {
    fake.setScript([{ when: (c) => c.pass === 'draft', fault: { kind: 'rewrite', rewrite: (content, c) => misbehave(content, c.user, 'invented_funding') } }]);
    const s = sequenceOf(await draftLead(input(), deps, 'llm'));
    const [a, b] = s.steps[0].messages;
    expect(a.draft).toMatch(/Congrats on the \$40M Series B \[f\d+\]\./);
    expect(a.check.verdict).toBe('blocked');
    expect(a.check.findings.map((f) => f.rule)).toContain('invented_specific');
    expect(b.check.verdict).toBe('grounded');
  });

  it('lets an outage reach the state machine by name, with the failed exchange archived', async () => {
    fake.setScript([{ at: 0, fault: { kind: '500' } }]);
    await expect(draftLead(input(), deps, 'llm')).rejects.toMatchObject({ name: 'LlmUnavailable' });
    expect([...archived.values()]).toEqual([expect.objectContaining({ pass: 'draft', outcome: 'error', error: expect.objectContaining({ name: 'LlmUnavailable' }) })]);
  });

  it('asks no model without a verified fact: templates answer (no personalised draft, or a labelled generic one)', async () => {
    const research = { ...RESEARCH, facts: RESEARCH.facts.map((f) => ({ ...f, verified: false })) };
    const before = fake.calls.length;
    const r = await draftLead(input({ research }), deps, 'llm');
    expect(r).toMatchObject({ drafted: false, drafter: 'template', calls: [], prompt: null });
    expect(r.templateReason).toMatch(/no verified fact/);
    const generic = await draftLead(input({ research, allowGeneric: true }), deps, 'llm');
    expect(sequenceOf(generic)).toMatchObject({ source: 'template', personalised: false, model: null });
    expect(fake.calls.length).toBe(before);
  });

  it('drafts from templates with the offline provider, labelled as templates', async () => {
    const r = await draftLead(input(), { ...deps, llm: new HeuristicLlm() }, 'llm');
    expect(r.drafter).toBe('template');
    expect(r.templateReason).toMatch(/offline/);
    expect(sequenceOf(r)).toMatchObject({ source: 'template', model: null, promptVersion: 'template-v1' });
  });
});

describe('draftLead in template mode', () => {
  it('never calls the model', async () => {
    const before = fake.calls.length;
    const r = await draftLead(input(), deps, 'template');
    expect(r).toMatchObject({ drafted: true, drafter: 'template', calls: [] });
    expect(r.templateReason).toBeUndefined();
    expect(fake.calls.length).toBe(before);
  });
});

describe('the drafting model setting', () => {
  const config = (env: Record<string, string>) => loadLocalConfig({ PROSPECTOR_HOME: '/tmp/x', ...env }).pipeline.draftModel;
  it('defaults to the synthesis model, follows it, and is set by PROSPECTOR_DRAFT_MODEL', () => {
    expect(config({})).toBe(DEFAULT_MODELS.synthesis);
    expect(config({ PROSPECTOR_SYNTHESIS_MODEL: DEFAULT_MODELS.facts })).toBe(DEFAULT_MODELS.facts);
    expect(config({ PROSPECTOR_DRAFT_MODEL: DEFAULT_MODELS.facts })).toBe(DEFAULT_MODELS.facts);
    // the pipeline's settings as draftLead takes them; a config without the setting (the cloud today) drafts with the synthesis model
    expect(draftOptionsFrom(loadLocalConfig({ PROSPECTOR_HOME: '/tmp/x', PROSPECTOR_DRAFT_MODEL: DEFAULT_MODELS.facts }).pipeline)).toEqual({ model: DEFAULT_MODELS.facts });
    expect(draftOptionsFrom({ synthesisModel: 'x/y', modelPrices: { 'x/y': { inputPerMillion: 1, outputPerMillion: 2 } } })).toEqual({ model: 'x/y', modelPrices: { 'x/y': { inputPerMillion: 1, outputPerMillion: 2 } } });
  });

  it('refuses a model Groq has shut down, naming PROSPECTOR_DRAFT_MODEL', () => {
    let error: unknown;
    try {
      config({ PROSPECTOR_DRAFT_MODEL: 'llama-3.3-70b-versatile' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'PROSPECTOR_DRAFT_MODEL', message: expect.stringContaining('shut down by Groq on 2026-08-16') }]);
  });
});
