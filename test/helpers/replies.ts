/** Mails and classifications for reply tests: a plain-text mail from an address, and a label with its details. */
import type { ReplyClassification } from '#core/replies/classify.ts';

/** A raw plain-text mail to the sample rep, dated 2 Dec 2026 11:00 UTC. */
export function replyMail(from: string, subject: string, id: string, body = 'Thanks for reaching out.', date = 'Wed, 2 Dec 2026 11:00:00 +0000'): string {
  return [`From: ${from}`, 'To: maya.okafor@tallyhand.com', `Subject: ${subject}`, `Date: ${date}`, `Message-ID: <${id}@example.test>`, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
}

/** A classification with `label`, acted on (confidence 0.9, not under review) unless `extra` says otherwise. */
export function labelled(label: ReplyClassification['label'], extra: Partial<ReplyClassification> = {}): ReplyClassification {
  return {
    label,
    confidence: 0.9,
    classifiedBy: 'heuristic',
    needsReview: false,
    questions: [],
    referral: null,
    objection: null,
    returnDate: null,
    bounce: null,
    evidence: 'test',
    model: null,
    promptVersion: null,
    fallbackReason: null,
    ...extra,
  };
}
