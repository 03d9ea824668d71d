/**
 * Sequence settings per ICP: the onboarding field that says which touches a lead gets and when,
 * its validation (errors name the field), its round trip through the database, and drafting
 * that follows it — by templates, and by the LLM drafter through the real groq-sdk against the
 * loopback fake Groq — while the sample onboarding keeps the sequence it always had.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { ValidationError } from '#core/errors.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { DEFAULT_SEQUENCE_STEPS, MAX_SEQUENCE_STEPS, parseOnboarding, type Onboarding, type OnboardingIcp } from '#core/onboarding/schema.ts';
import { buildDraftPrompt, DRAFT_PROMPT_TOKEN_LIMIT, type ComposeInput } from '#core/outreach/compose.ts';
import { draftLead, type DraftDeps } from '#core/outreach/draft.ts';
import { loadOnboarding } from '#core/outreach/drafting-context.ts';
import { draftFromTemplates, type DraftSequence } from '#core/outreach/templates.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { freshDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { northwindInput, northwindResearch } from '#test/helpers/drafting.ts';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

let onboarding: Onboarding;
let sampleRaw: any;
beforeAll(async () => {
  onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
  sampleRaw = parseYaml(await readFile(SAMPLE_ONBOARDING, 'utf8'));
});

const CUSTOM = [
  { kind: 'email', day: 0 },
  { kind: 'linkedin_message', day: 2 },
  { kind: 'call_task', day: 4 },
  { kind: 'follow_up_email', day: 6 },
] as const;

const RESEARCH = northwindResearch({ hooks: [{ hook: 'Two new cross-dock sites', factIds: ['f2'] }], emailAngle: { angle: 'Open with the new sites', factIds: ['f2'] } }, [
  { id: 'f4', category: 'technology', claim: 'ERP', quote: 'Our finance team closes the books every month in NetSuite.', verified: true },
]);

function icpWith(steps: readonly { kind: string; day: number }[]): OnboardingIcp {
  return { ...onboarding.icps[0], sequence: { steps: steps.map((s) => ({ ...s })) as OnboardingIcp['sequence']['steps'] } };
}

const input = (icp: OnboardingIcp = onboarding.icps[0]): ComposeInput => northwindInput(onboarding, RESEARCH, { icp });

const shape = (s: DraftSequence) => s.steps.map((st) => [st.position, st.kind, st.dayOffset, st.messages.map((m) => m.variant)]);

/** The issues `parseOnboarding` reports for the first ICP's `sequence`, by path. */
function sequenceIssues(sequence: unknown): Record<string, string> {
  const raw = structuredClone(sampleRaw);
  raw.icps[0].sequence = sequence;
  try {
    parseOnboarding(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return Object.fromEntries((e as ValidationError).issues.map((i) => [i.path, i.message]));
  }
  return {};
}

describe('the sequence setting in the onboarding file', () => {
  it('defaults to a first email, a LinkedIn connection note and two follow-ups over about ten business days', () => {
    expect(onboarding.icps.every((icp) => JSON.stringify(icp.sequence.steps) === JSON.stringify(DEFAULT_SEQUENCE_STEPS))).toBe(true);
    expect(onboarding.icps[0].sequence.steps).toEqual([
      { kind: 'email', day: 0 },
      { kind: 'linkedin_connection_note', day: 1 },
      { kind: 'follow_up_email', day: 3 },
      { kind: 'follow_up_email', day: 8 },
    ]);
  });

  it('accepts a custom sequence', () => {
    expect(sequenceIssues({ steps: CUSTOM })).toEqual({});
  });

  it('names the field and what is wrong for each bad sequence', () => {
    expect(sequenceIssues({ steps: [{ kind: 'linkedin_message', day: 0 }, { kind: 'follow_up_email', day: 2 }] })).toEqual({
      'icps[0].sequence.steps[0]': 'the first step must be an email on day 0 (got linkedin_message on day 0)',
    });
    expect(sequenceIssues({ steps: [{ kind: 'email', day: 2 }] })).toEqual({ 'icps[0].sequence.steps[0]': 'the first step must be an email on day 0 (got email on day 2)' });
    expect(sequenceIssues({ steps: [{ kind: 'email', day: 0 }, { kind: 'fax', day: 1 }] })).toEqual({
      'icps[0].sequence.steps[1].kind': expect.stringContaining('must be one of email, follow_up_email, linkedin_connection_note, linkedin_message, call_task'),
    });
    expect(sequenceIssues({ steps: [{ kind: 'email', day: 0 }, { kind: 'follow_up_email', day: 5 }, { kind: 'call_task', day: 3 }] })).toEqual({
      'icps[0].sequence.steps[2].day': "must not be before the previous step's day (5)",
    });
    expect(sequenceIssues({ steps: [{ kind: 'email', day: 0 }, { kind: 'email', day: 2 }] })).toEqual({
      'icps[0].sequence.steps[1].kind': expect.stringContaining('only the first step is an email'),
    });
    expect(sequenceIssues({ steps: [{ kind: 'email', day: 0 }, { kind: 'call_task', day: 1.5 }] })).toEqual({ 'icps[0].sequence.steps[1].day': 'must be a whole number of business days' });
    const seven = [{ kind: 'email', day: 0 }, ...Array.from({ length: 6 }, (_, i) => ({ kind: 'follow_up_email', day: i + 1 }))];
    expect(sequenceIssues({ steps: seven })).toEqual({ 'icps[0].sequence.steps': 'has at most 6 steps' });
    expect(sequenceIssues({ steps: [] })).toEqual({ 'icps[0].sequence.steps': 'needs at least one step (the first email)' });
    expect(sequenceIssues({ step: CUSTOM })).toMatchObject({ 'icps[0].sequence.step': expect.stringContaining('unknown field') });
  });

  it('is stored with the ICP and loaded back for drafting; a changed setting loads changed', async () => {
    const db = await freshDb();
    try {
      const custom = { ...onboarding, icps: [icpWith(CUSTOM), ...onboarding.icps.slice(1)] };
      const { workspaceId } = await importOnboarding(db, custom);
      const icpId = (await db.query<{ id: string }>(`SELECT id FROM icp WHERE slug = :slug`, { slug: custom.icps[0].slug })).rows[0].id;
      const before = await loadOnboarding(db, workspaceId, icpId);
      expect(before.icp.icp.sequence.steps).toEqual(CUSTOM);

      // Re-importing with the default sequence changes what drafting reads (and so the onboarding
      // hash in the sequence's idempotency key).
      await importOnboarding(db, onboarding);
      const after = await loadOnboarding(db, workspaceId, icpId);
      expect(after.icp.icp.sequence.steps).toEqual(DEFAULT_SEQUENCE_STEPS);
      expect(JSON.stringify(after.onboarding)).not.toBe(JSON.stringify(before.onboarding));
      await expect(db.query(`UPDATE icp SET sequence_steps = '[{"kind": "call_task", "day": 0}]'::jsonb WHERE id = :id::uuid`, { id: icpId })).rejects.toThrow(/icp_sequence_steps_shape/);
    } finally {
      await db.close();
    }
  });
});

describe('templates follow the ICP sequence', () => {
  it('draft the sample onboarding as before: two variants, a connection note, a follow-up and a last note', () => {
    const out = draftFromTemplates(input());
    if (!out.drafted) throw new Error(out.reason);
    expect(shape(out.sequence)).toEqual([
      [1, 'email', 0, ['a', 'b']],
      [2, 'linkedin_connection_note', 1, [null]],
      [3, 'follow_up_email', 3, [null]],
      [4, 'follow_up_email', 8, [null]],
    ]);
    expect(out.sequence.steps[3].messages[0].angle).toBe('last_note');
  });

  it('draft a custom sequence step by step, each later touch quoting a fact not used before', () => {
    const out = draftFromTemplates(input(icpWith(CUSTOM)));
    if (!out.drafted) throw new Error(out.reason);
    const s = out.sequence;
    expect(shape(s)).toEqual([
      [1, 'email', 0, ['a', 'b']],
      [2, 'linkedin_message', 2, [null]],
      [3, 'call_task', 4, [null]],
      [4, 'follow_up_email', 6, [null]],
    ]);
    for (const m of s.steps.flatMap((st) => st.messages)) expect(m.check.verdict, `${m.angle}: ${JSON.stringify(m.check.findings)}`).not.toBe('blocked');
    const cited = (i: number) => [...new Set(s.steps[i].messages[0].check.sentences.flatMap((x) => x.validFactIds))];
    const opening = s.steps[0].messages[0].check.sentences.flatMap((x) => x.validFactIds);
    expect(opening).toContain('f2');
    expect(cited(1)).toEqual(['f1']);
    expect(cited(2)).toEqual(['f4']);
    // the one follow-up is not a "last note": with the facts spent, it brings the seller's differentiator
    expect(s.steps[3].messages[0].angle).toBe('value');
    expect(s.steps[3].messages[0].draft).toContain('Worth knowing:');
    expect(s.steps[1].messages[0].subject).toBeNull();
    expect(s.steps[2].messages[0].draft).toMatch(/^Call Dana Ruiz at Northwind Logistics\./);
    expect(s.steps[2].messages[0].draft).toContain(`The ask: ${onboarding.tone.callToAction}`);
    // no signature or opt-out line off email
    expect(s.steps[1].messages[0].draft).not.toContain(s.tone.signature);
  });
});

describe('the LLM drafter follows the ICP sequence (real groq-sdk, loopback fake Groq)', () => {
  let fake: FakeGroq;
  let deps: DraftDeps;
  beforeAll(async () => {
    fake = await startFakeGroq();
    deps = { llm: new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }), archive: async (_r, callId) => `llm/${callId}.json` };
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => fake.setScript([]));

  const schemaKeys = (responseFormat: unknown) => Object.keys((responseFormat as { json_schema: { schema: { properties: object } } }).json_schema.schema.properties).sort();

  it('asks for the sample onboarding the same parts as before', async () => {
    const r = await draftLead(input(), deps, 'llm');
    if (!r.drafted) throw new Error(r.reason);
    expect(schemaKeys(fake.calls.at(-1)!.responseFormat)).toEqual(['connectionNote', 'followUp1', 'followUp2', 'variantA', 'variantB']);
    expect(shape(r.sequence)).toEqual([
      [1, 'email', 0, ['a', 'b']],
      [2, 'linkedin_connection_note', 1, [null]],
      [3, 'follow_up_email', 3, [null]],
      [4, 'follow_up_email', 8, [null]],
    ]);
    for (const m of r.sequence.steps.flatMap((st) => st.messages)) expect(m.check.verdict, `${m.angle}: ${JSON.stringify(m.check.findings)}`).toBe('grounded');
  });

  it('drafts a custom sequence in one call: the prompt lists its parts, the schema asks for them, every message is checked', async () => {
    const before = fake.calls.length;
    const r = await draftLead(input(icpWith(CUSTOM)), deps, 'llm');
    if (!r.drafted) throw new Error(r.reason);
    expect(fake.calls).toHaveLength(before + 1);
    const call = fake.calls.at(-1)!;
    expect(schemaKeys(call.responseFormat)).toEqual(['callTask1', 'followUp1', 'linkedinMessage1', 'variantA', 'variantB']);
    expect(call.user).toContain('- linkedinMessage1: LinkedIn message, day 2:');
    expect(call.user).toContain('- callTask1: call task for the rep, day 4:');
    expect(call.user).toContain('- followUp1: follow-up email, day 6:');
    expect(r.prompt!.tokens).toBeLessThanOrEqual(DRAFT_PROMPT_TOKEN_LIMIT);
    expect(r.sequence.source).toBe('llm');
    expect(shape(r.sequence)).toEqual([
      [1, 'email', 0, ['a', 'b']],
      [2, 'linkedin_message', 2, [null]],
      [3, 'call_task', 4, [null]],
      [4, 'follow_up_email', 6, [null]],
    ]);
    expect(r.sequence.steps.map((st) => st.messages.map((m) => m.angle))).toEqual([['problem', 'proof'], ['linkedin'], ['call'], ['follow_up']]);
    for (const m of r.sequence.steps.flatMap((st) => st.messages)) expect(m.check.verdict, `${m.angle}: ${JSON.stringify(m.check.findings)}`).toBe('grounded');
    expect(r.sequence.steps[1].messages[0].check.sentences.flatMap((x) => x.validFactIds).length).toBeGreaterThan(0);
  });

  it('still catches an invented specific in a later step of a custom sequence', async () => {
    fake.setScript([
      {
        when: (c) => c.pass === 'draft',
        fault: {
          kind: 'rewrite',
          rewrite: (content) => {
            const a = JSON.parse(content);
            a.callTask1.body = `${a.callTask1.body}\n\nCongrats on the $85M Series D.`;
            return JSON.stringify(a);
          },
        },
      },
    ]);
    const r = await draftLead(input(icpWith(CUSTOM)), deps, 'llm');
    if (!r.drafted) throw new Error(r.reason);
    const call = r.sequence.steps[2].messages[0];
    expect(call.check.verdict).toBe('blocked');
    expect(call.check.findings.map((f) => f.rule)).toContain('invented_specific');
    expect(r.sequence.steps[0].messages.map((m) => m.check.verdict)).toEqual(['grounded', 'grounded']);
  });

  it('keeps the longest allowed sequence under the prompt limit, with room for facts of the longest quote kept', () => {
    const longest = [
      { kind: 'email', day: 0 }, { kind: 'linkedin_connection_note', day: 1 }, { kind: 'follow_up_email', day: 2 }, { kind: 'linkedin_message', day: 3 },
      { kind: 'call_task', day: 4 }, { kind: 'follow_up_email', day: 9 },
    ];
    expect(longest).toHaveLength(MAX_SEQUENCE_STEPS);
    const p = buildDraftPrompt(input(icpWith(longest)));
    expect(p.tokens).toBeLessThanOrEqual(DRAFT_PROMPT_TOKEN_LIMIT);
    expect(p.plan.flatMap((s) => s.parts)).toEqual(['variantA', 'variantB', 'connectionNote', 'followUp1', 'linkedinMessage1', 'callTask1', 'followUp2']);
    expect(p.dropped.facts).toBe(0);
    // facts quoted at the prompt's longest (220 characters) still leave room for two of them
    const long = 'In 2026 our network of cross-dock warehouses grew again, and every site now runs the same carrier invoice audit before payment, which our finance team reviews each week with the regional operations leads and procurement.';
    const research = { ...RESEARCH, facts: [1, 2, 3].map((n) => ({ id: `f${n}`, category: 'news', claim: 'Network', quote: `${long} (${n})`, verified: true })) };
    const q = buildDraftPrompt({ ...input(icpWith(longest)), research });
    expect(q.tokens).toBeLessThanOrEqual(DRAFT_PROMPT_TOKEN_LIMIT);
    expect(q.factIds.length).toBeGreaterThanOrEqual(2);
  });
});
