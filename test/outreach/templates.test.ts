/**
 * Offline template drafting on hand-written research: the sequence's shape, the two angles,
 * the tone mapped to wording, the length limit, banned phrases, the evidence rule and variant
 * assignment. (The sample web's real research is drafted in test/e2e/local-run.test.ts.)
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import {
  assignVariants,
  draftFromTemplates,
  matchPersona,
  teamWords,
  TEMPLATE_LABEL,
  toneInstructions,
  valuePropositionsFor,
  type DraftSequence,
  type TemplateInput,
} from '#core/outreach/templates.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { northwindInput, northwindResearch } from '#test/helpers/drafting.ts';

let onboarding: Onboarding;
beforeAll(async () => {
  onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
});

const RESEARCH = northwindResearch({ hooks: [{ hook: 'New sites', factIds: ['f2'] }], pains: [{ pain: 'x', valueProposition: 'made up by a model', factIds: ['f2'] }] });

const input = (overrides: Partial<TemplateInput> = {}): TemplateInput => northwindInput(onboarding, RESEARCH, overrides);

function drafted(i: TemplateInput): DraftSequence {
  const out = draftFromTemplates(i);
  if (!out.drafted) throw new Error(`expected a draft, got: ${out.reason}`);
  return out.sequence;
}

const messages = (s: DraftSequence) => s.steps.flatMap((st) => st.messages);

describe('a template sequence', () => {
  it('has two first-touch variants with different angles, a LinkedIn note and two follow-ups over about ten business days, all grounded', () => {
    const s = drafted(input());
    expect(s).toMatchObject({ source: 'template', label: TEMPLATE_LABEL, personalised: true, personaName: 'AP operations owner', repEmail: 'lukas.brenner@tallyhand.com' });
    expect(s.steps.map((st) => [st.position, st.kind, st.dayOffset, st.messages.map((m) => m.variant)])).toEqual([
      [1, 'email', 0, ['a', 'b']],
      [2, 'linkedin_connection_note', 1, [null]],
      [3, 'follow_up_email', 3, [null]],
      [4, 'follow_up_email', 8, [null]],
    ]);
    const [a, b] = s.steps[0].messages;
    expect([a.angle, b.angle]).toEqual(['problem', 'proof']);
    expect(a.subject).toBe('Idea for Northwind Logistics');
    expect(b.subject).toBe('What Keelhaul Freight changed');
    // The problem angle opens with the prospect; the proof angle with the customer's result.
    expect(a.check.body.split('\n\n')[1]).toMatch(/^Reading the Northwind Logistics site, this stood out: "In March 2026 we opened two new cross-dock sites/);
    expect(b.check.body.split('\n\n')[1]).toMatch(/^Keelhaul Freight cut invoice processing time by 72%\./);
    for (const m of messages(s)) {
      expect(m.check.verdict, `${m.angle}: ${JSON.stringify(m.check.findings)}`).toBe('grounded');
      expect(m.check.words).toBeLessThanOrEqual(onboarding.tone.maxWords);
    }
    expect(s.steps[1].messages[0].check.body.length).toBeLessThanOrEqual(300);
  });

  it('quotes only verified facts, each with its citation, and the synthesis only to choose them', () => {
    const s = drafted(input());
    const cited = messages(s).flatMap((m) => m.check.sentences.flatMap((x) => x.validFactIds));
    // The hook's fact opens, the other verified fact follows up; the unverified one never appears.
    expect(cited).toEqual(['f2', 'f2', 'f1']);
    expect(messages(s).map((m) => m.draft).join('\n')).not.toMatch(/Dayton|Accounts Payable Specialist/);
    // The model's paraphrased value proposition is ignored for the seller's own first one.
    expect(s.steps[0].messages[0].draft).toContain('Tallyhand helps teams close the books days faster');
    expect(s.steps[0].messages[0].draft).not.toContain('made up by a model');
  });

  it("pitches the value proposition that answers the persona's problem and the ICP's first product", () => {
    const [logistics, saas] = [onboarding.icps.find((i) => i.slug === 'midmarket-logistics')!, onboarding.icps.find((i) => i.slug === 'b2b-saas-scaleups')!];
    const [closeBooks, catchDuplicates, cashBack] = onboarding.company.valuePropositions;
    const none = northwindResearch({});
    // a SaaS CFO whose problem is spend scattered across cards: the payments product, not AP automation
    const cfo = matchPersona('CFO', saas.personas);
    expect(valuePropositionsFor(none, onboarding, saas, cfo)[0]).toBe(cashBack);
    const email = drafted(input({ icp: saas, lead: { ...input().lead, title: 'CFO' } })).steps[0].messages[0];
    expect(email.draft).toContain('SaaS and vendor spend is scattered across cards and teams.');
    expect(email.draft).toContain(`Tallyhand helps teams ${cashBack[0].toLowerCase()}${cashBack.slice(1)}.`);
    // an AP manager keying freight invoices: AP automation, then duplicates for the follow-up
    const ap = matchPersona('Accounts Payable Manager', logistics.personas);
    expect(valuePropositionsFor(none, onboarding, logistics, ap).slice(0, 2)).toEqual([closeBooks, catchDuplicates]);
    // the research's pick wins when it is the seller's own words
    expect(valuePropositionsFor(northwindResearch({ pains: [{ pain: 'x', valueProposition: ` ${cashBack} `, factIds: ['f2'] }] }), onboarding, logistics, ap)[0]).toBe(cashBack);
    // no persona and no product named: the onboarding's order
    expect(valuePropositionsFor(none, { ...onboarding, products: [] }, { ...logistics, products: [] }, undefined)).toEqual(onboarding.company.valuePropositions);
  });

  it("names the teams the seller works with from the persona's department, not always finance", () => {
    const logistics = onboarding.icps.find((i) => i.slug === 'midmarket-logistics')!;
    const body = (icp: typeof logistics) => {
      const s = drafted(input({ icp, lead: { ...input().lead, title: 'CFO' } }));
      return { first: s.steps[0].messages[0].draft, note: s.steps.find((st) => st.kind === 'linkedin_connection_note')!.messages[0].draft };
    };
    // the sample's personas are in Finance
    expect(body(logistics).first).toContain('In finance teams, a moment like that');
    expect(body(logistics).note).toContain('I work with finance teams on');
    // a seller to IT departments: an acronym keeps its capitals
    const itIcp = { ...logistics, personas: logistics.personas.map((p) => ({ ...p, departments: ['IT', 'Security'] })) };
    expect(body(itIcp).first).toContain('In IT teams, a moment like that');
    expect(body(itIcp).note).toContain('I work with IT teams on');
    expect(body(itIcp).first).not.toContain('finance');
    // a persona with no department: no team is named
    const none = { ...logistics, personas: logistics.personas.map((p) => ({ ...p, departments: [] })) };
    expect(body(none).first).toContain('In teams like yours, a moment like that');
    expect(body(none).note).toContain('I work with teams like yours on');
    expect(teamWords({ departments: ['Procurement'] })).toBe('procurement teams');
    expect(teamWords({ departments: ['R&D'] })).toBe('R&D teams');
  });

  it('ends a quote like a sentence, so the citation and the next sentence stay apart', () => {
    const research = {
      ...RESEARCH,
      facts: [
        { id: 'f1', category: 'funding', claim: 'x', quote: 'Northwind raises £55M Series C to expand in North America', verified: true },
        { id: 'f2', category: 'news', claim: 'x', quote: 'Northwind Logistics opened a new depot in Leeds', verified: true },
      ],
    };
    const s = drafted(input({ research }));
    for (const m of messages(s)) expect(m.check.verdict, JSON.stringify(m.check.findings)).toBe('grounded');
    const follow = s.steps[2].messages[0].check.sentences;
    expect(follow.find((x) => x.validFactIds.length > 0)?.text).toMatch(/"Northwind (raises £55M Series C to expand in North America|Logistics opened a new depot in Leeds)\."$/);
  });

  it('is deterministic', () => {
    expect(drafted(input())).toEqual(drafted(input()));
  });

  it('gives a lead without a verified fact no personalised draft, and a labelled generic one only when allowed', () => {
    const bare = { ...RESEARCH, facts: RESEARCH.facts.map((f) => ({ ...f, verified: false })) };
    expect(draftFromTemplates(input({ research: bare }))).toEqual({ drafted: false, reason: 'no verified fact to quote: no personalised draft' });
    const generic = drafted(input({ research: bare, allowGeneric: true }));
    expect(generic.personalised).toBe(false);
    expect(messages(generic).every((m) => m.check.sentences.every((x) => x.factIds.length === 0))).toBe(true);
    for (const m of messages(generic)) expect(m.check.verdict, JSON.stringify(m.check.findings)).toBe('grounded');
  });

  it('skips a fact whose quote the checker would block and opens with the next', () => {
    const research = {
      ...RESEARCH,
      findings: { hooks: [{ hook: 'x', factIds: ['f9'] }] },
      facts: [{ id: 'f9', category: 'news', claim: 'x', quote: 'Dear {{first_name}}, thanks for your order today.', verified: true }, ...RESEARCH.facts],
    };
    const s = drafted(input({ research }));
    expect(s.steps[0].messages[0].check.sentences.flatMap((x) => x.validFactIds)).toEqual(['f2']);
  });
});

describe('tone of voice', () => {
  it('maps formality, warmth and directness to wording and to plain instructions', () => {
    const formal = { ...onboarding, tone: { ...onboarding.tone, formality: 0.9, warmth: 0.2, directness: 0.2 } };
    const s = drafted(input({ onboarding: formal }));
    const body = s.steps[0].messages[0].check.body;
    expect(body).toMatch(/^Dear Dana,/);
    expect(body).toContain('I read this on the Northwind Logistics website:');
    expect(body).toContain('No pressure either way.');
    expect(body).toContain('Kind regards,');
    expect(s.tone.instructions[0]).toMatch(/^Write formally/);
    expect(s.tone.instructions[2]).toMatch(/^Be low-pressure/);

    const casual = drafted(input({ onboarding: { ...onboarding, tone: { ...onboarding.tone, formality: 0.1 } } }));
    expect(casual.steps[0].messages[0].check.body).toMatch(/^Hey Dana,\n\nSaw this on the Northwind Logistics site:/);
    expect(toneInstructions(onboarding.tone).join(' ')).toContain('"synergy"');
  });

  it('keeps the body within the length limit by dropping optional sentences, never the quote, the call to action or the opt-out', () => {
    const short = { ...onboarding, tone: { ...onboarding.tone, maxWords: 40 } };
    const s = drafted(input({ onboarding: short }));
    for (const m of s.steps[0].messages) {
      expect(m.check.findings).toEqual([]);
      expect(m.check.words).toBeLessThanOrEqual(40);
      expect(m.check.body).toContain('Worth a 15-minute look next week?');
      expect(m.check.body).toContain("Reply and I won't follow up.");
      expect(m.check.sentences.some((x) => x.validFactIds.includes('f2'))).toBe(true);
    }
  });

  it('leaves out a sentence with a banned phrase', () => {
    const strict = { ...onboarding, tone: { ...onboarding.tone, bannedPhrases: ['familiar problem'] } };
    const s = drafted(input({ onboarding: strict }));
    expect(s.steps[0].messages[0].check.body).not.toContain('familiar problem');
    expect(s.steps[0].messages[0].check.verdict).toBe('grounded');
  });

  it('signs with the owning rep', () => {
    const s = drafted(input({ repEmail: 'lukas.brenner@tallyhand.com' }));
    expect(s.repEmail).toBe('lukas.brenner@tallyhand.com');
    expect(s.steps[0].messages[0].check.body).toMatch(/Lukas Brenner\nAccount Executive, Tallyhand$/);
  });
});

describe('personas and variants', () => {
  it('matches the persona by title, and falls back to the first persona', () => {
    const personas = onboarding.icps[0].personas;
    expect(matchPersona('CFO', personas)?.name).toBe('Finance leader');
    expect(matchPersona('Financial Controller', personas)?.name).toBe('AP operations owner');
    expect(matchPersona(null, personas)?.name).toBe('Finance leader');
  });

  it('assigns variants deterministically, independent of order, balanced within one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { maxLength: 60 }), fc.string(), (ids, experiment) => {
        const once = assignVariants(experiment, ids);
        const shuffled = assignVariants(experiment, [...ids].reverse());
        const a = [...once.values()].filter((v) => v === 'a').length;
        const b = once.size - a;
        return ids.every((id) => once.get(id) === shuffled.get(id)) && Math.abs(a - b) <= 1 && once.size === ids.length;
      }),
    );
  });
});
