/**
 * A preview of the tone of voice: one opening sentence to a sample prospect, written at the
 * chosen formality, warmth and directness, so a seller sees what the numbers mean before saving.
 *
 * With Groq (the `Llm` port whose provider is `groq`) the model writes it, its answer checked with
 * zod; offline, or when Groq does not answer, a deterministic template writes it, and the label
 * says which. Nothing is stored: a preview is not a draft.
 */
import { z } from 'zod';
import type { Llm } from '../ports.ts';
import { DEFAULT_MODELS } from '../research/models.ts';

export interface TonePreviewInput {
  formality: number;
  warmth: number;
  directness: number;
  language: string;
  callToAction: string;
  bannedPhrases: string[];
  companyName: string;
  /** the first value proposition, what the sentence is about */
  valueProposition: string;
}

export interface TonePreview {
  sentence: string;
  source: 'groq' | 'offline-template';
  /** what the reader is told about where the sentence came from */
  label: string;
}

/** The sample prospect every preview is written to. */
export const PREVIEW_PROSPECT = { firstName: 'Dana', company: 'Keelhaul Freight' } as const;

const band = (x: number) => (x >= 2 / 3 ? 'high' : x >= 1 / 3 ? 'mid' : 'low');

function lowerFirst(s: string): string {
  const t = s.trim().replace(/[.!?]+$/, '');
  return /^[A-Z][a-z]/.test(t) ? t[0].toLowerCase() + t.slice(1) : t;
}

/** The offline template: the same tone and seller always give the same sentence. */
export function templateSentence(input: TonePreviewInput): string {
  const { firstName } = PREVIEW_PROSPECT;
  const [f, w, d] = [band(input.formality), band(input.warmth), band(input.directness)];
  const greeting =
    f === 'high' ? (w === 'high' ? `Dear ${firstName}, I hope this finds you well:` : `Dear ${firstName}:`)
    : w === 'high' ? `Hi ${firstName}, hope your week is going well —`
    : w === 'mid' ? `Hi ${firstName} —`
    : `${firstName} —`;
  const what = lowerFirst(input.valueProposition);
  const company = input.companyName.trim();
  const body =
    d === 'high' ? (f === 'low' ? `${company} can help you ${what}.` : `${company} helps teams like yours ${what}.`)
    : d === 'mid' ? (f === 'high' ? `teams similar to yours use ${company} to ${what}, and it may merit a look.` : `teams like yours use ${company} to ${what}, and it might be worth a look.`)
    : f === 'low' ? `I wondered if it'd be useful to hear how teams like yours use ${company} to ${what}.`
    : `I wondered whether it might be useful to hear how teams similar to yours use ${company} to ${what}.`;
  return `${greeting} ${body}`;
}

const Answer = z.strictObject({ sentence: z.string().trim().min(1).max(600) });

/**
 * One sentence at this tone: Groq's when `llm` is Groq and answers with a valid sentence, else the
 * template's (with the reason in the label when Groq was asked and failed).
 */
export async function previewTone(input: TonePreviewInput, llm?: Llm | null): Promise<TonePreview> {
  const offline = (why: string): TonePreview => ({ sentence: templateSentence(input), source: 'offline-template', label: `Offline template, no language model: ${why}` });
  if (!llm || llm.provider !== 'groq') return offline('set GROQ_API_KEY to have Groq write it.');
  try {
    const response = await llm.complete({
      pass: 'tone_preview',
      model: DEFAULT_MODELS.facts,
      promptVersion: 'tone-preview-1',
      system:
        'You write the opening sentence of a cold sales email. Answer with JSON {"sentence": "..."} only. ' +
        'Match the tone numbers exactly (0 low, 1 high). One sentence, at most 40 words, no invented facts or numbers.',
      user: JSON.stringify({
        prospect: PREVIEW_PROSPECT,
        seller: input.companyName,
        about: input.valueProposition,
        tone: { formality: input.formality, warmth: input.warmth, directness: input.directness, language: input.language },
        avoid: input.bannedPhrases,
      }),
      schema: {
        name: 'tone_preview',
        schema: { type: 'object', properties: { sentence: { type: 'string' } }, required: ['sentence'], additionalProperties: false },
        strict: true,
      },
      maxTokens: 600,
      temperature: 0.2,
      reasoningEffort: 'low',
    });
    const answer = Answer.parse(JSON.parse(response.content));
    return { sentence: answer.sentence, source: 'groq', label: `Written by Groq (${response.model}) at this tone; every draft is still checked against the research.` };
  } catch (error) {
    return offline(`Groq did not give a usable sentence (${(error as Error).name}: ${(error as Error).message.slice(0, 120)}).`);
  }
}
