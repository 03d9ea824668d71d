/**
 * What the fake Groq answers to a reply-classification prompt: the offline heuristic classifier's
 * answer on the reply's new text, in the model's answer shape, so `classifyReply` can be run end
 * to end through the real groq-sdk. A repair of a classification gets the previous answer back,
 * unwrapped when it was wrapped in another object (a model that fixes the shape but keeps its
 * claims: an invented referral address stays invented).
 */
import { salvageJson } from '#core/research/heuristic-answer.ts';
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

/** The previous classification, unwrapped; undefined when the repair is not of a classification. */
export function answerClassifyRepair(user: string): ClassifyAnswer | undefined {
  const m = /<<<PREVIOUS ANSWER pass="classify">>>\n([\s\S]*?)\n<<<END PREVIOUS ANSWER>>>/.exec(user);
  if (!m) return undefined;
  const find = (value: unknown, depth: number): ClassifyAnswer | undefined => {
    const parsed = ClassifyAnswer.safeParse(value);
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
