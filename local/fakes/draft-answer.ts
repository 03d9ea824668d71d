/**
 * How the fake Groq answers a drafting prompt (`lambdas/core/outreach/prompts/draft.v*.md`): a
 * well-behaved model's sequence, written only from the prompt's DRAFT DATA block, deterministic,
 * quoting verified facts word for word with their `[f1]` citations. Tests and
 * `prospector eval --suite drafts` script misbehaviour on top of it (`misbehave`), so that what
 * the grounding checker catches is measured against answers known to be clean or known to lie.
 */
import { z } from 'zod';
import type { DraftAnswer } from '#core/outreach/compose.ts';
import { quotable } from '#core/outreach/templates.ts';
import { extractBlock, salvageJson } from '#core/research/heuristic-answer.ts';

/** Whether a user prompt is a drafting prompt. */
export function isDraftPrompt(user: string): boolean {
  return user.includes('<<<DRAFT DATA>>>');
}

// What the answer needs of the data block; the rest is ignored, so the prompt may grow.
const DraftData = z.object({
  lead: z.object({ name: z.string(), company: z.string() }),
  persona: z.object({ pains: z.array(z.string()) }).nullable().optional(),
  seller: z.object({
    name: z.string(),
    product: z.string().nullable().optional(),
    valuePropositions: z.array(z.string()),
    differentiator: z.string().nullable().optional(),
    proof: z.array(z.object({ customer: z.string().nullable(), title: z.string() })),
  }),
  tone: z.object({ instructions: z.array(z.string()), callToAction: z.string(), bannedPhrases: z.array(z.string()) }),
  facts: z.array(z.object({ id: z.string(), quote: z.string() })),
});
export type DraftData = z.infer<typeof DraftData>;

/** The DRAFT DATA block of a drafting prompt, parsed; throws when it is missing or malformed. */
export function parseDraftData(user: string): DraftData {
  const block = extractBlock(user, 'DRAFT DATA');
  if (block === undefined) throw new Error('no DRAFT DATA block in the prompt');
  return DraftData.parse(JSON.parse(block));
}

function inline(phrase: string): string {
  const t = phrase.trim().replace(/[.!?]+$/, '');
  const first = /^\S+/.exec(t)?.[0] ?? '';
  return /^\p{Lu}\p{Ll}*$/u.test(first) ? t[0].toLowerCase() + t.slice(1) : t;
}

function sentence(phrase: string): string {
  const t = phrase.trim().replace(/[;,:]+$/, '');
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** One line of the prompt's PARTS list: the answer keys, the step's kind and day, what to write. */
export interface DraftPart {
  keys: string[];
  kind: string;
  day: number;
  what: string;
}

const DEFAULT_PARTS: DraftPart[] = [
  { keys: ['variantA', 'variantB'], kind: 'first email', day: 0, what: '' },
  { keys: ['connectionNote'], kind: 'LinkedIn connection note', day: 1, what: 'a connection request' },
  { keys: ['followUp1'], kind: 'follow-up email', day: 3, what: 'one new fact or the differentiator' },
  { keys: ['followUp2'], kind: 'follow-up email', day: 8, what: 'a short last note saying it is the last' },
];

/** The PARTS a drafting prompt asks for (`- key, key: kind, day N: what`); the default sequence when the prompt lists none. */
export function parseDraftParts(user: string): DraftPart[] {
  const at = user.indexOf('PARTS (');
  if (at < 0) return DEFAULT_PARTS;
  const parts: DraftPart[] = [];
  for (const line of user.slice(at).split('\n').slice(1)) {
    const m = /^- ([A-Za-z0-9, ]+): ([^,]+), day (\d+): (.*)$/.exec(line.trim());
    if (!m) break;
    parts.push({ keys: m[1].split(',').map((k) => k.trim()), kind: m[2].trim(), day: Number(m[3]), what: m[4] });
  }
  return parts.length > 0 ? parts : DEFAULT_PARTS;
}

/** A clean sequence for the prompt's lead: what a careful model would write, part by part as the prompt lists them. */
export function answerDraft(user: string): DraftAnswer {
  const d = parseDraftData(user);
  const first = /^\p{L}[\p{L}'-]*$/u.test(d.lead.name.trim().split(/\s+/)[0] ?? '') ? d.lead.name.trim().split(/\s+/)[0] : '';
  const how = d.tone.instructions.join(' ');
  const hello = /greet with "Dear"/.test(how) ? 'Dear' : /greet with "Hey"/.test(how) ? 'Hey' : 'Hi';
  const greeting = first ? `${hello} ${first},` : 'Hello,';
  const company = d.lead.company;
  const optOut = "Not the right person, or not a priority? Reply and I won't follow up.";
  const quoted = d.facts.map((f) => ({ id: f.id, text: quotable(f.quote, 20) })).filter((f): f is { id: string; text: string } => !!f.text);
  const [one] = quoted;
  // Later steps spend the facts after the opening one, one each, then fall back on seller data.
  let next = 1;
  const fresh = () => quoted[next++];
  const proof = d.seller.proof[0];
  const product = d.seller.product ?? d.seller.name;
  const pain = d.persona?.pains[0];
  const para = (...parts: (string | undefined | false)[]) => parts.filter((p): p is string => !!p).join(' ');
  const email = (...paragraphs: string[]) => [greeting, ...paragraphs.filter(Boolean), d.tone.callToAction, optOut].join('\n\n');
  const cite = (f: { id: string; text: string } | undefined, lead: string) => (f ? `${lead} "${f.text}" [${f.id}]` : undefined);
  const later = (part: DraftPart): { body: string } => {
    if (/connection note/i.test(part.kind)) return { body: `${greeting} I work with teams like yours on ${product} and read about ${company}. Glad to connect.` };
    if (/last note/i.test(part.what)) return { body: `${greeting}\n\nLast note from me. If ${product} is not a priority at ${company} right now, no problem: I won't follow up again.` };
    if (/LinkedIn message/i.test(part.kind)) {
      const f = fresh();
      return { body: [greeting, cite(f, `I read this on the ${company} site:`) ?? (proof ? sentence(proof.title) : sentence(`${d.seller.name} helps teams ${inline(d.seller.valuePropositions[0])}`)), d.tone.callToAction].join('\n\n') };
    }
    if (/call task/i.test(part.kind)) {
      const f = fresh();
      return {
        body: [
          `Call ${d.lead.name} at ${company}.`,
          para(cite(f, 'Why now:'), sentence(`What we offer: ${d.seller.name} helps teams ${inline(d.seller.valuePropositions[0])}`)),
          `The ask: ${d.tone.callToAction}`,
        ].join('\n\n'),
      };
    }
    const f = fresh();
    return {
      body: email(
        para(
          cite(f, `One more thing from the ${company} site:`) ?? (d.seller.differentiator ? `Worth knowing: ${sentence(inline(d.seller.differentiator))}` : undefined),
          d.seller.valuePropositions[1] && sentence(`${d.seller.name} can also ${inline(d.seller.valuePropositions[1])}`),
        ),
      ),
    };
  };
  const rest: Record<string, { body: string }> = {};
  for (const part of parseDraftParts(user)) for (const key of part.keys) if (key !== 'variantA' && key !== 'variantB') rest[key] = later(part);
  return {
    ...rest,
    variantA: {
      subject: `Idea for ${company}`,
      body: email(
        para(cite(one, `I read this on the ${company} site:`), pain && `A moment like that often comes with a familiar problem: ${sentence(inline(pain))}`),
        sentence(`${d.seller.name} helps teams ${inline(d.seller.valuePropositions[0])}`),
      ),
    },
    variantB: {
      subject: proof?.customer ? `What ${proof.customer} changed` : 'A result worth a look',
      body: email(para(proof ? sentence(proof.title) : sentence(`${d.seller.name} helps teams ${inline(d.seller.valuePropositions[0])}`)), para(cite(one, `Why I thought of ${company}:`))),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Misbehaviour

/** The ways a drafting model goes wrong that the evaluation scripts, and the rule each should trip. */
export const MISBEHAVIOURS = {
  invented_funding: { rule: 'invented_specific', invented: true },
  wrong_customer: { rule: 'invented_specific', invented: true },
  made_up_number: { rule: 'invented_specific', invented: true },
  pretended_call: { rule: 'pretended_relationship', invented: true },
  banned_phrase: { rule: 'banned_phrase', invented: false },
  placeholder: { rule: 'placeholder', invented: false },
} as const;
export type Misbehaviour = keyof typeof MISBEHAVIOURS;

/** Which first-touch variant a misbehaviour is written into. */
export function misbehaviourVariant(kind: Misbehaviour): 'a' | 'b' {
  return kind === 'wrong_customer' ? 'b' : 'a';
}

/** The first of `candidates` that the prompt does not contain anywhere: invented for sure. */
function absent(user: string, candidates: string[]): string {
  return candidates.find((c) => !user.toLowerCase().includes(c.toLowerCase())) ?? candidates.at(-1)!;
}

/** Puts `text` right after the greeting of a body. */
function afterGreeting(body: string, text: string): string {
  const at = body.indexOf('\n\n');
  return at < 0 ? `${text} ${body}` : `${body.slice(0, at)}\n\n${text} ${body.slice(at + 2)}`;
}

/**
 * Rewrites a clean answer (JSON text) to misbehave in one way, in one first-touch variant. What
 * it writes is invented relative to the prompt: a funding round, a customer, a number that the
 * prompt does not contain, even when the sentence cites a real fact.
 */
export function misbehave(content: string, user: string, kind: Misbehaviour): string {
  const answer = JSON.parse(content) as DraftAnswer;
  const d = parseDraftData(user);
  const cited = /\[(f\d+)\]/.exec(answer.variantA.body)?.[1];
  const a = answer.variantA;
  const b = answer.variantB;
  switch (kind) {
    case 'invented_funding': {
      const round = absent(user, ['Series B', 'Series C', 'Series D']);
      const amount = absent(user, ['$40M', '$65M', '$85M']);
      a.body = afterGreeting(a.body, `Congrats on the ${amount} ${round}${cited ? ` [${cited}]` : ''}.`);
      break;
    }
    case 'wrong_customer': {
      const wrong = absent(user, ['Harrow Vale Freight', 'Quillstone Metals']);
      const customer = d.seller.proof[0]?.customer;
      if (customer && b.body.includes(customer)) b.body = b.body.replace(customer, wrong);
      else b.body = afterGreeting(b.body, `${wrong} is one of our customers.`);
      break;
    }
    case 'made_up_number': {
      const n = absent(user, ['37', '43', '58', '61']);
      a.body = afterGreeting(a.body, `With your ${n} warehouses, that adds up fast.`);
      break;
    }
    case 'pretended_call':
      a.body = afterGreeting(a.body, 'As we discussed on our call, here is the idea.');
      break;
    case 'banned_phrase': {
      const phrases = [...d.tone.bannedPhrases].sort((x, y) => y.split(/\s+/).length - x.split(/\s+/).length);
      const phrase = phrases[0] ?? 'synergy';
      a.body = afterGreeting(a.body, `${phrase[0].toUpperCase()}${phrase.slice(1)}.`);
      break;
    }
    case 'placeholder':
      a.body = a.body.replace(/^[^\n]*/, 'Hi {{first_name}},');
      break;
  }
  return JSON.stringify(answer);
}

const AnyDraftAnswer = z
  .object({ variantA: z.object({ subject: z.string().min(1), body: z.string().min(1) }), variantB: z.object({ subject: z.string().min(1), body: z.string().min(1) }) })
  .catchall(z.object({ body: z.string().min(1) }));

/**
 * A repair of a drafting answer: the previous answer salvaged and unwrapped when a valid
 * sequence is inside it; undefined when the previous answer was not a drafting answer at all.
 */
export function answerDraftRepair(user: string): DraftAnswer | undefined {
  const m = /<<<PREVIOUS ANSWER[^>]*>>>\n([\s\S]*?)\n<<<END PREVIOUS ANSWER>>>/.exec(user);
  const find = (value: unknown, depth: number): DraftAnswer | undefined => {
    // Any sequence's answer: the first email's two variants, and a body for every other part.
    const parsed = AnyDraftAnswer.safeParse(value);
    if (parsed.success) return parsed.data as DraftAnswer;
    if (depth > 3 || !value || typeof value !== 'object') return undefined;
    for (const child of Object.values(value)) {
      const found = find(child, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  const value = salvageJson(m?.[1] ?? '');
  return value === undefined ? undefined : find(value, 0);
}
