/**
 * The grounding checker on hand-written drafts: each rule both ways, and property tests for
 * the guarantee that matters (an invented number or name is never "grounded").
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnboardingFile } from '#core/onboarding/import.ts';
import {
  checkGrounding,
  citedSentences,
  numberMentions,
  sellerEvidence,
  splitSentences,
  type GroundingInput,
  type GroundingReport,
  type SellerEvidence,
} from '#core/outreach/grounding.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';

let seller: SellerEvidence;
let banned: string[];
let signature: string;

beforeAll(async () => {
  const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
  seller = sellerEvidence(onboarding);
  banned = onboarding.tone.bannedPhrases;
  signature = onboarding.users[0].signature ?? '';
});

const FACTS = [
  { id: 'a1', localId: 'f1', researchId: 'r1', verified: true, quote: 'In March 2026 we opened two new cross-dock sites in Columbus, Ohio, bringing our network to 14 warehouses.' },
  { id: 'a2', localId: 'f2', researchId: 'r1', verified: true, quote: 'Northwind moves 1.2 million pallets a year and processes about 9,000 carrier invoices a month.' },
  { id: 'a3', localId: 'f3', researchId: 'r1', verified: false, quote: 'We are hiring an Accounts Payable Specialist in Dayton.' },
  { id: 'b1', localId: 'f1', researchId: 'r2', verified: true, quote: 'Southwind raised a $40M Series B led by Foundry Ventures.' },
];

const OPT_OUT = 'Not the right person? Reply and I will not follow up.';

function check(body: string, overrides: Partial<GroundingInput> = {}): GroundingReport {
  return checkGrounding({
    channel: 'email',
    firstTouch: true,
    subject: 'Carrier invoices at Northwind',
    body,
    lead: { name: 'Dana Ruiz', companyName: 'Northwind Logistics', title: 'VP Finance', domain: 'northwind.example' },
    researchId: 'r1',
    facts: FACTS,
    seller,
    tone: { maxWords: 110, bannedPhrases: banned, signature },
    ...overrides,
  });
}

const rules = (r: GroundingReport) => r.findings.map((f) => f.rule);
const good = () => `Hi Dana,

Saw that Northwind opened two new cross-dock sites in Columbus in March [f1]. More sites usually means more carrier invoices and a longer close.

Keelhaul Freight moved 9,000 invoices a month into Tallyhand and cut processing time by 72%.

Worth a 15-minute look next week?

${OPT_OUT}

${signature}`;

describe('a grounded draft', () => {
  it('passes with no finding, and its citation resolves to the sentence that carries it', () => {
    const report = check(good());
    expect(report.body).toContain('Senior Account Executive, Tallyhand');
    expect(report.findings).toEqual([]);
    expect(report.verdict).toBe('grounded');
    const cited = report.sentences.find((s) => s.factIds.length > 0)!;
    expect(cited.text).toBe('Saw that Northwind opened two new cross-dock sites in Columbus in March.');
    expect(cited.validFactIds).toEqual(['f1']);
    expect(report.body).not.toContain('[f1]');
  });
});

describe('citations', () => {
  it('blocks a fact that does not exist, one of another lead, and an unverified one; accepts uuids of this research', () => {
    expect(rules(check(`Hi Dana, your team opened two sites [f9]. ${OPT_OUT}`))).toContain('unknown_fact');
    expect(rules(check(`Hi Dana, your team opened two sites [b1]. ${OPT_OUT}`))).toContain('foreign_fact');
    const unverified = check(`Hi Dana, you are hiring in Dayton [f3]. ${OPT_OUT}`);
    expect(unverified.verdict).toBe('blocked');
    expect(rules(unverified)).toEqual(expect.arrayContaining(['unverified_fact', 'invented_specific']));
    expect(check(`Hi Dana, your team opened two sites [a1]. ${OPT_OUT}`).verdict).toBe('grounded');
  });

  it("does not let a foreign fact's quote back a specific", () => {
    const report = check(`Hi Dana, congrats on the $40M Series B [b1]. ${OPT_OUT}`);
    expect(report.findings.filter((f) => f.rule === 'invented_specific').map((f) => f.detail)).toEqual([
      expect.stringContaining('"$40M"'),
      expect.stringContaining('"Series B"'),
    ]);
  });

  it('attaches a marker after the full stop to the sentence before it', () => {
    const { sentences } = citedSentences('You opened two sites. [f1] More sites mean more invoices.');
    expect(sentences.map((s) => [s.text, s.factIds])).toEqual([
      ['You opened two sites.', ['f1']],
      ['More sites mean more invoices.', []],
    ]);
  });
});

describe('invented specifics', () => {
  it('blocks an invented number, amount, percentage, month, past date and name, naming each and its sentence', () => {
    const cases: [string, string][] = [
      ['Hi Dana, you opened 15 new sites in Columbus [f1].', '"15"'],
      ['Hi Dana, Northwind processes 12,000 invoices a month [f2].', '"12,000"'],
      ['Hi Dana, your AP team saves $250k a year.', '"$250k"'],
      ['Hi Dana, Northwind grew 40% last year.', '"40%"'],
      ['Hi Dana, you opened two sites in April [f1].', '"April"'],
      ['Hi Dana, you opened two sites last week [f1].', '"last week"'],
      ['Hi Dana, your team at Acme Freight is growing.', '"Acme Freight"'],
      ['Congrats on the Series B!', '"Series B"'],
      ['Hi Dana, you now run NetSuite across the network.', '"NetSuite"'],
      ['Hi Dana, your 3rd site is in Columbus [f1].', '"3rd"'],
      ['Hi Dana, Northwind grew 3x since the sites opened [f1].', '"3x"'],
      ['Hi Dana, your site says "we are drowning in carrier invoices" [f2].', '"we are drowning in carrier invoices"'],
    ];
    for (const [sentence, what] of cases) {
      const report = check(`${sentence} ${OPT_OUT}`);
      const invented = report.findings.filter((f) => f.rule === 'invented_specific');
      expect(report.verdict, sentence).toBe('blocked');
      expect(invented.map((f) => f.detail).join(' | '), sentence).toContain(what);
      expect(invented[0].excerpt, sentence).toBe(sentence.replace(' [f1]', '').replace(' [f2]', ''));
      expect(invented[0].sentenceIndex, sentence).toBe(0);
    }
  });

  it('accepts the same values written differently: words for digits, thousands separators, scales', () => {
    expect(check(`Hi Dana, Northwind opened 2 cross-dock sites [f1]. ${OPT_OUT}`).verdict).toBe('grounded');
    expect(check(`Hi Dana, you process about 9000 carrier invoices a month [f2]. ${OPT_OUT}`).verdict).toBe('grounded');
    expect(check(`Hi Dana, you move 1,200,000 pallets a year [f2]. ${OPT_OUT}`).verdict).toBe('grounded');
    expect(check(`Hi Dana, you run fourteen warehouses [f1]. ${OPT_OUT}`).verdict).toBe('grounded');
    expect(check(`Hi Dana, you opened sites in Mar 2026 [f1]. ${OPT_OUT}`).verdict).toBe('grounded');
    expect(check(`Hi Dana, your site says "Northwind moves 1.2 million pallets a year" [f2]. ${OPT_OUT}`).verdict).toBe('grounded');
  });

  it('never lets a percentage stand for a plain number', () => {
    expect(numberMentions('72 branches and 72% less time')).toEqual([
      expect.objectContaining({ kind: 'number', value: 72 }),
      expect.objectContaining({ kind: 'percent', value: 72 }),
    ]);
    const report = check(`Hi Dana, you cut costs by 14% [f1]. ${OPT_OUT}`);
    expect(report.findings.map((f) => f.detail).join()).toContain('"14%"');
  });

  it("takes the seller's data outside sentences about the prospect, and only its own names or same-phrase numbers inside them", () => {
    // A proof point from the onboarding, told as the seller's story: fine.
    expect(check(`Corvid Components stopped $410k in duplicate invoices in 90 days. ${OPT_OUT}`).verdict).toBe('grounded');
    // The same customer said to be the prospect's: invented.
    const report = check(`Hi Dana, like your partner Corvid Components, you could stop duplicates. ${OPT_OUT}`);
    expect(report.findings.find((f) => f.rule === 'invented_specific')?.detail).toMatch(/"Corvid Components" \(name\) is said about the prospect, but only the seller's data has it/);
    // A customer's number is not the prospect's.
    expect(check(`Hi Dana, Northwind pays 2,300 vendors. ${OPT_OUT}`).findings.map((f) => f.detail)).toEqual([
      expect.stringMatching(/"2,300" \(number\) is said about the prospect, but only the seller's data has it/),
    ]);
    // The seller's own names and its call to action's numbers are fine in any sentence.
    expect(check(`Would you be open to a 15-minute look at Tallyhand AP Automation? ${OPT_OUT}`).verdict).toBe('grounded');
  });

  it('points at the uncited fact that would back a specific', () => {
    const report = check(`Hi Dana, you process about 9,000 carrier invoices a month. ${OPT_OUT}`);
    expect(report.verdict).toBe('blocked');
    expect(report.findings[0].detail).toMatch(/"9,000".*\(fact f2 has it: cite it\)/);
  });

  it('flags (not blocks) a sentence about the prospect that leans on a fact cited only elsewhere', () => {
    const report = check(`Hi Dana, Northwind opened two sites [f1]. Columbus must keep your team busy. ${OPT_OUT}`);
    expect(report.verdict).toBe('flagged');
    expect(report.findings).toEqual([expect.objectContaining({ rule: 'uncited_specific', severity: 'warn', sentenceIndex: 1 })]);
  });
});

describe('capitalised words', () => {
  it('reads ordinary words at a sentence start, after a colon and in a title-case subject as words, not names', () => {
    const body = `Congrats on the new sites in Columbus [f1]. Quick question: Does the close slow down as sites open? Most finance teams say yes. ${OPT_OUT}`;
    const report = check(body, { subject: 'Quick Question About Month-End Close' });
    expect(report.findings).toEqual([]);
  });

  it('checks an uncommon capitalised word even at a sentence start', () => {
    const report = check(`Zentrix is a customer of ours. ${OPT_OUT}`);
    expect(report.findings.map((f) => f.detail)).toEqual([expect.stringContaining('"Zentrix"')]);
  });

  it('reads an ordinary word before a company form as part of the name: "Likely Corp", "Monday Holdings"', () => {
    // Found by the property below: "Likely" starting a sentence is a word, but "Likely Corp" is a company.
    expect(check(`Likely Corp is a customer of ours. ${OPT_OUT}`).findings.map((f) => f.detail)).toEqual([expect.stringContaining('"Likely Corp"')]);
    expect(check(`Hi Dana, your peers at Monday Holdings opened two sites [f1]. ${OPT_OUT}`).findings.map((f) => f.detail)).toEqual([
      expect.stringContaining('"Monday Holdings"'),
    ]);
    // an ordinary word before a name that is not a company form stays a word
    expect(check(`Thanks Dana, I could show you on Tuesday. ${OPT_OUT}`).verdict).toBe('grounded');
  });

  it("requires a run of capitalised words as a whole: two true names do not make a third", () => {
    // "Northwind" (the lead) and "Freight" (Keelhaul Freight) are each known; "Northwind Freight" is not.
    expect(check(`Hi Dana, Northwind Freight opened two sites [f1]. ${OPT_OUT}`).findings.map((f) => f.detail)).toEqual([
      expect.stringContaining('"Northwind Freight"'),
    ]);
  });

  it('does not take weekdays, "I", or "May" starting a sentence for names, but does check a month mid-sentence', () => {
    expect(check(`I could show you on Tuesday. May I send a short video? ${OPT_OUT}`).verdict).toBe('grounded');
    expect(check(`Hi Dana, you opened two sites in May [f1]. ${OPT_OUT}`).findings.map((f) => f.detail)).toEqual([expect.stringContaining('"May" (month)')]);
  });

  it('accepts the lead, the company, the title and a possessive of them', () => {
    expect(check(`Hi Dana, as VP Finance at Northwind Logistics, Northwind's close is yours. ${OPT_OUT}`).verdict).toBe('grounded');
  });
});

describe('sentences', () => {
  it('splits at line breaks and end punctuation, not at abbreviations, initials or decimals', () => {
    expect(splitSentences('Hi Dana,\nCrumb & Co. opened 1.5 sites, e.g. in Ohio. J. Smith agreed! Really? Yes.').map((s) => s.text)).toEqual([
      'Hi Dana,',
      'Crumb & Co. opened 1.5 sites, e.g. in Ohio.',
      'J. Smith agreed!',
      'Really?',
      'Yes.',
    ]);
  });
});

describe('first-touch and style rules', () => {
  it('blocks a pretended relationship in a first touch, and a reply-style subject; allows it in a follow-up', () => {
    for (const phrase of ['As discussed, ', 'Following up on our call, ', 'Great speaking with you last time. ', 'Per our conversation, ']) {
      const report = check(`${phrase}Tallyhand could help. ${OPT_OUT}`);
      expect(report.verdict, phrase).toBe('blocked');
      expect(rules(report), phrase).toContain('pretended_relationship');
    }
    expect(rules(check(`Tallyhand could help. ${OPT_OUT}`, { subject: 'Re: invoices' }))).toEqual(['pretended_relationship']);
    expect(check(`As promised, here is the case study. ${OPT_OUT}`, { firstTouch: false }).verdict).toBe('grounded');
  });

  it('blocks unresolved placeholders of every common shape', () => {
    for (const placeholder of ['{{first_name}}', '{company}', '[First Name]', '[Insert pain here]', '<first_name>', '%COMPANY%', 'TBD']) {
      const report = check(`Hi ${placeholder}, Tallyhand could help. ${OPT_OUT}`);
      expect(report.verdict, placeholder).toBe('blocked');
      expect(report.findings.find((f) => f.rule === 'placeholder')?.detail, placeholder).toContain(placeholder);
    }
  });

  it('flags banned phrases whatever their case and spacing, and not a word that merely contains one', () => {
    const report = check(`I hope this  email finds you WELL. Tallyhand could help. ${OPT_OUT}`);
    expect(report.findings).toEqual([expect.objectContaining({ rule: 'banned_phrase', severity: 'warn', sentenceIndex: 0 })]);
    expect(check(`Tallyhand could help with synergyless close. ${OPT_OUT}`, { tone: { maxWords: 110, bannedPhrases: ['synergy'] } }).verdict).toBe('grounded');
  });

  it('flags a body over the length limit (signature and opt-out not counted) and a LinkedIn note over 300 characters', () => {
    const words = (n: number) => Array.from({ length: n }, () => 'close').join(' ');
    expect(rules(check(`${words(60)}. ${OPT_OUT}\n${signature}`, { tone: { maxWords: 60, bannedPhrases: [], signature } }))).toEqual([]);
    const long = check(`${words(61)}. ${OPT_OUT}`, { tone: { maxWords: 60, bannedPhrases: [] } });
    expect(long.findings).toEqual([expect.objectContaining({ rule: 'too_long', detail: '61 words; the tone allows 60' })]);
    const note = check(`Hi Dana, ${words(60)}.`, { channel: 'linkedin_connection_note', subject: null });
    expect(note.findings.map((f) => f.rule)).toEqual(['too_long']);
    expect(check('Hi Dana, glad to connect.', { channel: 'linkedin_connection_note', subject: null }).verdict).toBe('grounded');
  });

  it('flags an email without an opt-out line, but not a LinkedIn message', () => {
    expect(rules(check('Tallyhand could help.'))).toEqual(['missing_opt_out']);
    expect(check('Tallyhand could help.', { channel: 'linkedin_message', subject: null }).verdict).toBe('grounded');
  });

  it('flags spam-trigger wording and an ALL-CAPS subject, but not an acronym the evidence has', () => {
    expect(rules(check(`Tallyhand is risk-free, act now!! ${OPT_OUT}`))).toEqual(['spam_wording', 'spam_wording', 'spam_wording']);
    expect(rules(check(`Tallyhand could help. ${OPT_OUT}`, { subject: 'QUICK QUESTION ABOUT AP' }))).toEqual(['all_caps_subject']);
    expect(rules(check(`Tallyhand could help. ${OPT_OUT}`, { subject: 'Your invoices: URGENT' }))).toEqual(['spam_wording', 'all_caps_subject']);
    expect(check(`Tallyhand could help. ${OPT_OUT}`, { subject: 'AP automation for Northwind' }).verdict).toBe('grounded');
  });
});

describe('properties', () => {
  const evidenceNumbers = new Set(FACTS.concat().flatMap((f) => numberMentions(f.quote).map((n) => n.value)));

  it('catches any number that no evidence has, however it is written', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5_000_000 }),
        fc.constantFrom('plain', 'comma', 'percent', 'money', 'k'),
        (n, style) => {
          const value = style === 'k' ? n * 1000 : n;
          fc.pre(!evidenceNumbers.has(value) && !evidenceNumbers.has(n));
          const written =
            style === 'comma' ? n.toLocaleString('en-US') : style === 'percent' ? `${n}%` : style === 'money' ? `$${n}` : style === 'k' ? `$${n}k` : String(n);
          const report = check(`Hi Dana, Northwind opened two sites [f1] and reached ${written} this quarter. ${OPT_OUT}`);
          return report.verdict === 'blocked' && report.findings.some((f) => f.rule === 'invented_specific' && f.detail.includes(`"${written}`));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('catches any capitalised made-up name, at a sentence start or inside it', () => {
    const known = [...seller.ownNames, ...seller.texts, ...FACTS.map((f) => f.quote), 'Dana Ruiz Northwind Logistics VP Finance'].join(' ').toLowerCase();
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z][a-z]{3,9}$/), fc.boolean(), (name, atStart) => {
        fc.pre(!known.includes(name.toLowerCase()));
        const body = atStart ? `${name}ly Corp is a customer of ours. ${OPT_OUT}` : `Hi Dana, your peers at ${name} Holdings opened two sites [f1]. ${OPT_OUT}`;
        const report = check(body);
        return report.verdict === 'blocked' && report.findings.some((f) => f.rule === 'invented_specific' && f.detail.includes(name));
      }),
      { numRuns: 300 },
    );
  });

  it('never calls a draft grounded when it cites a fact of another research', () => {
    fc.assert(
      fc.property(fc.constantFrom('b1'), fc.string({ maxLength: 40 }), (id, filler) => {
        const text = filler.replace(/[[\]{}<>%]/g, '');
        return check(`Tallyhand ${text} could help [${id}]. ${OPT_OUT}`).verdict === 'blocked';
      }),
      { numRuns: 100 },
    );
  });
});
