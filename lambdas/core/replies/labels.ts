/**
 * The labels a reply gets, the answer a model (or the offline heuristic) gives, and the checks
 * that answer must pass beyond its shape: a referral's address must be written in the reply (or
 * copied on it), never invented; a return date must come after the mail; each detail belongs to
 * its label only. One zod schema each, types inferred from them.
 */
import { z } from 'zod';

export const REPLY_LABELS = [
  'interested',
  'needs_info',
  'referral',
  'objection',
  'not_interested',
  'unsubscribe',
  'out_of_office',
  'auto_reply',
  'bounce',
  'wrong_person',
] as const;
export const ReplyLabel = z.enum(REPLY_LABELS);
export type ReplyLabel = z.infer<typeof ReplyLabel>;

export const OBJECTION_KINDS = ['timing', 'budget', 'competitor', 'no_need'] as const;
export const ObjectionKind = z.enum(OBJECTION_KINDS);
export type ObjectionKind = z.infer<typeof ObjectionKind>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ADDRESS = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;

/** What the model answers (every key required: Groq's strict mode). */
export const ClassifyAnswer = z.object({
  label: ReplyLabel,
  confidence: z.number().min(0).max(1),
  questions: z.array(z.string().trim().min(1).max(500)).max(10),
  referral: z.object({ name: z.string().trim().max(120).nullable(), email: z.string().trim().max(254) }).nullable(),
  objection: ObjectionKind.nullable(),
  returnDate: z.string().regex(DAY, 'a day as YYYY-MM-DD').nullable(),
});
export type ClassifyAnswer = z.infer<typeof ClassifyAnswer>;

/** What the cross-field checks compare an answer with. */
export interface AnswerContext {
  /** the reply's new text, as the model saw it */
  text: string;
  /** addresses copied on the reply: a referral is often cc'd rather than written out */
  cc: string[];
  /** the mail's Date as ISO 8601, or null */
  mailDate: string | null;
}

/** `ClassifyAnswer` plus the checks that need the reply (see the module comment). */
export function checkedAnswer(context: AnswerContext): z.ZodType<ClassifyAnswer> {
  const text = context.text.toLowerCase();
  const cc = new Set(context.cc.map((a) => a.toLowerCase()));
  const mailDay = context.mailDate ? context.mailDate.slice(0, 10) : null;
  return ClassifyAnswer.superRefine((a, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (a.label === 'referral' && !a.referral) issue('referral', 'label "referral" needs the referred person: {"name", "email"}');
    if (a.referral) {
      const email = a.referral.email.toLowerCase();
      if (a.label !== 'referral') issue('referral', `only a "referral" names a person; use null for "${a.label}"`);
      else if (!ADDRESS.test(email)) issue('referral.email', `"${a.referral.email}" is not an email address`);
      else if (!text.includes(email) && !cc.has(email)) {
        issue('referral.email', `"${a.referral.email}" is not written in the reply: give only an address the reply contains, or another label`);
      }
    }
    if (a.label === 'objection' && !a.objection) issue('objection', 'label "objection" needs its kind: timing, budget, competitor or no_need');
    if (a.label !== 'objection' && a.objection) issue('objection', `only an "objection" has a kind; use null for "${a.label}"`);
    if (a.label === 'needs_info' && a.questions.length === 0) issue('questions', 'label "needs_info" needs the reply\'s questions');
    if (a.label !== 'needs_info' && a.questions.length > 0) issue('questions', `only "needs_info" lists questions; use [] for "${a.label}"`);
    if (a.returnDate) {
      if (a.label !== 'out_of_office') issue('returnDate', `only "out_of_office" has a return date; use null for "${a.label}"`);
      else if (Number.isNaN(Date.parse(`${a.returnDate}T00:00:00Z`))) issue('returnDate', `"${a.returnDate}" is not a real day`);
      else if (mailDay && a.returnDate <= mailDay) issue('returnDate', `${a.returnDate} is not after the mail's date (${mailDay})`);
    }
  });
}
