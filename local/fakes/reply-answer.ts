/**
 * What the fake Groq answers to a reply-classification prompt: the offline heuristic classifier's
 * answer on the reply's new text, in the model's answer shape, so `classifyReply` can be run end
 * to end through the real groq-sdk. A repair of a classification gets the previous answer back,
 * unwrapped when it was wrapped in another object (a model that fixes the shape but keeps its
 * claims: an invented referral address stays invented).
 *
 * A response prompt (a draft answer to a reply, from retrieved knowledge passages) gets a careful
 * model's answer: passages copied word for word with their `[k1]` ids, "I'll confirm" for what no
 * passage answers. The `invented-claim` fault adds one sentence no passage backs, cited to a
 * passage anyway, the way a model that embellishes would: the grounding checker must block it.
 */
import { z } from 'zod';
import { splitSentences } from '#core/outreach/grounding.ts';
import { extractBlock, salvageJson } from '#core/research/heuristic-answer.ts';
import { classifyText } from '#core/replies/heuristic.ts';
import { ClassifyAnswer } from '#core/replies/labels.ts';

const REPLY_BLOCK = /<<<REPLY from="[^"]*" date="([^"]*)" subject="([^"]*)">>>\n([\s\S]*?)\n<<<END REPLY>>>/;

/** A classification prompt carries exactly one reply block. */
export function isClassifyPrompt(user: string): boolean {
  return REPLY_BLOCK.test(user);
}

/** The heuristic's answer on the reply in the prompt. */
export function answerClassify(user: string): ClassifyAnswer {
  const m = REPLY_BLOCK.exec(user);
  const text = m?.[3] === '(no new text)' ? '' : (m?.[3] ?? '');
  const { cue: _cue, ...answer } = classifyText(text, m?.[2] ?? '', m && m[1] !== 'unknown' ? m[1] : null);
  return answer;
}

/**
 * The previous answer of `pass` in a repair prompt, unwrapped (a model may nest it a few levels
 * down); undefined when the repair is of another pass or nothing in it has `shape`.
 */
function previousAnswer<T>(user: string, pass: string, shape: z.ZodType<T>): T | undefined {
  const m = new RegExp(`<<<PREVIOUS ANSWER pass="${pass}">>>\\n([\\s\\S]*?)\\n<<<END PREVIOUS ANSWER>>>`).exec(user);
  if (!m) return undefined;
  const find = (value: unknown, depth: number): T | undefined => {
    const parsed = shape.safeParse(value);
    if (parsed.success) return parsed.data;
    if (depth > 3 || !value || typeof value !== 'object') return undefined;
    for (const child of Object.values(value)) {
      const found = find(child, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return find(salvageJson(m[1]), 0);
}

/** The previous classification, unwrapped; undefined when the repair is not of a classification. */
export function answerClassifyRepair(user: string): ClassifyAnswer | undefined {
  return previousAnswer(user, 'classify', ClassifyAnswer);
}

// ---------------------------------------------------------------------------------------------
// Responses to replies (lambdas/core/replies/prompts/respond.v*.md)

const RespondData = z.object({
  prospect: z.object({ name: z.string() }),
  questions: z.array(z.object({ question: z.string(), passages: z.array(z.string()), answerable: z.boolean() })),
  passages: z.array(z.object({ id: z.string(), text: z.string() })),
  tone: z.object({ callToAction: z.string() }),
});

/** A response prompt carries one RESPONSE DATA block. */
export function isRespondPrompt(user: string): boolean {
  return user.includes('<<<RESPONSE DATA>>>');
}

export interface RespondAnswer {
  body: string;
  repItems: string[];
}

const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);

/**
 * A careful model's response, written only from the prompt: for each answerable question the
 * sentence of its best passage that shares most words with the question, copied word for word
 * with the passage's id; for the others a plain "I'll confirm ..." and a rep item.
 */
export function answerRespond(user: string): RespondAnswer {
  const block = extractBlock(user, 'RESPONSE DATA');
  if (block === undefined) throw new Error('no RESPONSE DATA block in the prompt');
  const data = RespondData.parse(JSON.parse(block));
  const first = data.prospect.name.trim().split(/\s+/)[0];
  const parts = [`Hi ${first || 'there'},`, 'Thanks for the questions.'];
  const repItems: string[] = [];
  for (const q of data.questions) {
    const passage = data.passages.find((p) => p.id === q.passages[0]);
    if (!q.answerable || !passage) {
      const what = q.question.replace(/[?.!\s]+$/, '').replace(/^(?:do|does|can|could|is|are|will|would)\s+(?:you|we|it)\s+/i, '');
      parts.push(`I'll confirm the answer on "${what}" and come back to you.`);
      repItems.push(what);
      continue;
    }
    const asked = words(q.question);
    const sentences = splitSentences(passage.text).map((s) => s.text);
    const best = sentences.reduce((a, b) => ([...words(b)].filter((w) => asked.has(w)).length > [...words(a)].filter((w) => asked.has(w)).length ? b : a), sentences[0] ?? passage.text);
    parts.push(`${best} [${passage.id}]`);
  }
  parts.push(data.tone.callToAction);
  return { body: parts.join('\n\n'), repItems };
}

/** The previous response answer, unwrapped; undefined when the repair is not of a response. */
export function answerRespondRepair(user: string): RespondAnswer | undefined {
  return previousAnswer(user, 'respond', z.object({ body: z.string(), repItems: z.array(z.string()) }));
}

/** The claim the `invented-claim` fault adds: numbers and a customer no passage has. */
export const INVENTED_CLAIM = 'More than 4,000 finance teams run on us, including Maersk and Siemens.';

/** A response answer with one invented claim after the greeting, cited to the first passage given. */
export function withInventedClaim(content: string, user: string, claim = INVENTED_CLAIM): string {
  try {
    const answer = JSON.parse(content) as RespondAnswer;
    const block = extractBlock(user, 'RESPONSE DATA');
    const id = block ? (RespondData.parse(JSON.parse(block)).passages[0]?.id ?? 'k1') : 'k1';
    const [greeting, ...rest] = answer.body.split('\n\n');
    return JSON.stringify({ ...answer, body: [greeting, `${claim} [${id}]`, ...rest].join('\n\n') });
  } catch {
    return content;
  }
}
