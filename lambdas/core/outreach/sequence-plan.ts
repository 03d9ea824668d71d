/**
 * The shape of a lead's sequence, from the ICP's sequence settings: which touch comes when, what
 * each is for, and which channel the grounding checker reads it as. Templates and the LLM
 * drafter both follow it, so a custom sequence is drafted the same way with or without a model.
 *
 * The first step is always the first email (the onboarding schema holds that), with two variants
 * (problem angle, proof angle). A follow-up email after another one that is the last follow-up
 * of the sequence says it is the last note; earlier follow-ups bring a new fact or the seller's
 * differentiator. A step is a first touch (no pretended relationship allowed) when no earlier step
 * reached the prospect on the same channel: the first email, the first LinkedIn step, the first call.
 */
import { DEFAULT_SEQUENCE_STEPS, type SequenceStepKind } from '../onboarding/schema.ts';
import type { Channel } from './grounding.ts';

/** One step of the ICP's settings: its kind and business days after the first email. */
export interface SequenceStepSetting {
  kind: SequenceStepKind;
  day: number;
}

/** What one step of a sequence is: where it sits, what it is for, how it is checked. */
export interface PlannedStep {
  /** 1-based, as `sequence_step.position` */
  position: number;
  kind: SequenceStepKind;
  dayOffset: number;
  channel: Channel;
  firstTouch: boolean;
  /** what the message does (`message.angle` for the steps after the first email) */
  angle: 'first_email' | 'follow_up' | 'last_note' | 'connection' | 'linkedin' | 'call';
  /** the answer's key(s) for the step in a model's answer: two for the first email */
  parts: string[];
}

function family(kind: SequenceStepKind): 'email' | 'linkedin' | 'call' {
  return kind === 'email' || kind === 'follow_up_email' ? 'email' : kind === 'call_task' ? 'call' : 'linkedin';
}

const PART_PREFIX: Record<Exclude<SequenceStepKind, 'email'>, string> = {
  follow_up_email: 'followUp',
  linkedin_connection_note: 'connectionNote',
  linkedin_message: 'linkedinMessage',
  call_task: 'callTask',
};

/**
 * The steps of a sequence from the ICP's settings (the default sequence when none are given).
 * Answer keys are numbered per kind (`followUp1`, `followUp2`; a lone connection note is
 * `connectionNote`), so the default sequence asks a model for the same keys it always did.
 */
export function planSequence(settings: readonly SequenceStepSetting[] = DEFAULT_SEQUENCE_STEPS): PlannedStep[] {
  const seen = new Set<string>();
  const counts = new Map<SequenceStepKind, number>();
  const followUps = settings.filter((s) => s.kind === 'follow_up_email').length;
  return settings.map((s, i) => {
    const f = family(s.kind);
    const firstTouch = !seen.has(f);
    seen.add(f);
    const n = (counts.get(s.kind) ?? 0) + 1;
    counts.set(s.kind, n);
    const channel: Channel = f === 'email' ? 'email' : (s.kind as Exclude<SequenceStepKind, 'email' | 'follow_up_email'>);
    let angle: PlannedStep['angle'];
    let parts: string[];
    if (s.kind === 'email') {
      angle = 'first_email';
      parts = ['variantA', 'variantB'];
    } else {
      angle = s.kind === 'follow_up_email' ? (followUps >= 2 && n === followUps ? 'last_note' : 'follow_up') : s.kind === 'call_task' ? 'call' : s.kind === 'linkedin_message' ? 'linkedin' : 'connection';
      const single = s.kind === 'linkedin_connection_note' && settings.filter((x) => x.kind === s.kind).length === 1;
      parts = [single ? PART_PREFIX[s.kind] : `${PART_PREFIX[s.kind]}${n}`];
    }
    return { position: i + 1, kind: s.kind, dayOffset: s.day, channel, firstTouch, angle, parts };
  });
}
