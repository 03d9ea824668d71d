/**
 * Rules first: the replies that must never be missed are decided by deterministic code before any
 * model is asked, and its verdict wins.
 *
 * 1. A delivery report (RFC 3464 `multipart/report`) is a `bounce`: hard for a 5.x.x status, soft
 *    for 4.x.x and for a full mailbox (X.2.2, which RFC 3463 section 3.3 calls a persistent
 *    transient failure: the person can make room), with the status code and the recipient. A
 *    bounce from a server that sends no report (a mailer-daemon's plain text, Exim's delay
 *    warning, qmail's "failure notice") is recognised by its sender and subject and read for a
 *    status code; without one it counts as soft (retried, suppressed after repeats), never hard.
 * 2. A mail marked as automatic (`Auto-Submitted` other than `no`, `X-Autoreply`, `X-Autorespond`,
 *    `Precedence: auto_reply|bulk|junk`, or an auto-reply subject such as "Automatic reply:") is
 *    `out_of_office` when its words say so (English, German, French, Spanish), with the return
 *    date read from the text by chrono-node, else `auto_reply`. `auto_reply` is not final: an
 *    automatic "I have left the company, write to jane@..." is still a referral, so the classifier
 *    may turn it into `referral` or `wrong_person`, nothing else.
 * 3. Opt-out wording in the new text ("unsubscribe", "remove me", "stop emailing", "take me off
 *    your list" and the same in de/fr/es) is `unsubscribe`, and so is a reply that is nothing but
 *    "stop" or "remove". Only the stripped text counts: our own quoted "reply unsubscribe" line
 *    never does.
 *
 * `applyRules` returns `undefined` when no rule applies.
 */
import * as chrono from 'chrono-node';
import type { InboundMail } from './parse.ts';
import { stripReply, type StrippedReply } from './strip.ts';

export interface BounceInfo {
  kind: 'hard' | 'soft';
  /** enhanced status code (5.1.1), or the SMTP reply code when that is all there is; null when none was found */
  status: string | null;
  /** the address that could not be reached, when the report names it */
  recipient: string | null;
  diagnostic: string | null;
  /** Message-ID of our mail that bounced, when the report carries it (for thread matching) */
  originalMessageId: string | null;
}

export type RuleVerdict =
  | { label: 'bounce'; rule: 'delivery-report' | 'bounce-text'; final: true; bounce: BounceInfo; evidence: string }
  | { label: 'out_of_office'; rule: 'auto-headers+ooo-wording'; final: true; returnDate: string | null; evidence: string }
  | { label: 'auto_reply'; rule: 'auto-headers'; final: false; evidence: string }
  | { label: 'unsubscribe'; rule: 'opt-out-wording'; final: true; evidence: string };

/** The deterministic verdict on a mail, or `undefined`; `stripped` is computed when not given. */
export function applyRules(mail: InboundMail, stripped: StrippedReply = stripReply(mail.text)): RuleVerdict | undefined {
  const bounce = bounceOf(mail);
  if (bounce) return bounce;
  const auto = autoSignal(mail);
  if (auto) {
    const words = `${mail.subject}\n${stripped.text || mail.text}`;
    const ooo = firstMatch(OOO_WORDING, words);
    if (ooo) {
      return { label: 'out_of_office', rule: 'auto-headers+ooo-wording', final: true, returnDate: returnDateFrom(stripped.text || mail.text, mail.date), evidence: `${auto}; "${ooo}"` };
    }
    return { label: 'auto_reply', rule: 'auto-headers', final: false, evidence: auto };
  }
  const subject = subjectWords(mail.subject);
  const optOut = optOutWording(`${subject}\n${stripped.text}`) ?? bareOptOut(stripped.text) ?? bareOptOut(subject);
  if (optOut) return { label: 'unsubscribe', rule: 'opt-out-wording', final: true, evidence: `"${optOut}"` };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Bounces

const ENHANCED_STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
const SMTP_REPLY = /\b([45][0-5]\d)[\s-]/;
const BOUNCE_SENDER = /^(?:mailer-daemon|mail-daemon|postmaster|mailerdaemon)@/i;
// Delay warnings count: Exim's "Warning: message ... delayed 24 hours" and Exchange's "Delivery
// delayed:" are soft bounces sent without a report.
const BOUNCE_SUBJECT =
  /undeliver|undelivered|delivery (?:status notification|failure|has failed|failed|problem|delayed)|returned mail|failure notice|mail delivery (?:failed|subsystem)|^warning: message \S+ delayed|nicht zustellbar|unzustellbar|zustellung verzögert|non remis|remise différée|échec de (?:la )?(?:remise|distribution)|no se puede entregar|no entregado|error de entrega|entrega retrasada/i;

function bounceOf(mail: InboundMail): RuleVerdict | undefined {
  const report = mail.deliveryStatus;
  if (report) {
    const recipients = report.recipients;
    const failed = recipients.find((r) => r.action === 'failed') ?? recipients.find((r) => r.action === 'delayed');
    const notDelivery = recipients.length > 0 && recipients.every((r) => r.action && ['delivered', 'relayed', 'expanded'].includes(r.action));
    if (!notDelivery) {
      const r = failed ?? recipients[0];
      const status = r?.status ?? codeIn(r?.diagnosticCode ?? '') ?? codeIn(mail.text);
      const kind: BounceInfo['kind'] = status ? bounceKind(status) : r?.action === 'failed' ? 'hard' : 'soft';
      const bounce: BounceInfo = {
        kind,
        status,
        recipient: r?.finalRecipient ?? r?.originalRecipient ?? failedRecipientHeader(mail),
        diagnostic: r?.diagnosticCode ?? null,
        originalMessageId: report.originalMessageId,
      };
      return { label: 'bounce', rule: 'delivery-report', final: true, bounce, evidence: `delivery report: ${r?.action ?? 'no action'} ${status ?? 'no status'}` };
    }
    return undefined;
  }
  const sender = mail.from?.address ?? '';
  const nullSender = mail.headers['return-path'] === '<>';
  if ((BOUNCE_SENDER.test(sender) || nullSender || mail.headers['x-failed-recipients']) && BOUNCE_SUBJECT.test(mail.subject)) {
    const status = codeIn(mail.text);
    const bounce: BounceInfo = {
      kind: status ? bounceKind(status) : 'soft',
      status,
      recipient: failedRecipientHeader(mail),
      diagnostic: diagnosticLine(mail.text),
      originalMessageId: null,
    };
    return { label: 'bounce', rule: 'bounce-text', final: true, bounce, evidence: `bounce from ${sender || 'a null sender'}: "${mail.subject}"` };
  }
  return undefined;
}

/**
 * Hard for a permanent status (5.x.x, or an SMTP 5yz reply), soft otherwise; a full mailbox
 * (X.2.2, and SMTP 452/552 that say so) is soft whatever its class: RFC 3463 section 3.3 calls it
 * "a persistent transient failure", and the person can make room.
 */
function bounceKind(status: string): BounceInfo['kind'] {
  if (/^[45]\.2\.2$/.test(status)) return 'soft';
  return status.startsWith('5') ? 'hard' : 'soft';
}

function codeIn(text: string): string | null {
  const enhanced = ENHANCED_STATUS.exec(text);
  if (enhanced) return `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`;
  const smtp = SMTP_REPLY.exec(text);
  return smtp ? smtp[1] : null;
}

function failedRecipientHeader(mail: InboundMail): string | null {
  const header = mail.headers['x-failed-recipients'];
  const m = header ? /[^\s<>,;]+@[^\s<>,;]+/.exec(header) : null;
  return m ? m[0].toLowerCase() : null;
}

function diagnosticLine(text: string): string | null {
  const line = text.split('\n').find((l) => ENHANCED_STATUS.test(l) || SMTP_REPLY.test(l));
  return line ? line.trim().slice(0, 500) : null;
}

// ---------------------------------------------------------------------------------------------
// Automatic mail and out-of-office

const AUTO_SUBJECT =
  /^(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response)|out of (?:the )?office|ooo\b|abwesenheitsnotiz|automatische antwort|abwesend|réponse automatique|absence|absent|respuesta automática|fuera de la oficina)/i;

/** Why a mail counts as sent by a machine, or null. */
export function autoSignal(mail: InboundMail): string | null {
  const h = mail.headers;
  const auto = h['auto-submitted']?.toLowerCase();
  if (auto && auto !== 'no') return `Auto-Submitted: ${h['auto-submitted']}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autoresponder'] as const) {
    const v = h[name]?.toLowerCase();
    if (v !== undefined && v !== 'no' && v !== 'false') return `${name}: ${h[name]}`;
  }
  const precedence = (h.precedence ?? h['x-precedence'])?.toLowerCase();
  if (precedence && ['auto_reply', 'auto-reply', 'bulk', 'junk'].includes(precedence)) return `Precedence: ${precedence}`;
  if (AUTO_SUBJECT.test(mail.subject.trim())) return `subject "${mail.subject.trim()}"`;
  return null;
}

/** Out-of-office wording in English, German, French and Spanish. */
export const OOO_WORDING: RegExp[] = [
  /\bout of (?:the )?office\b/i,
  /\bOOO\b/,
  /\bon (?:annual |parental |maternity |paternity |sick |medical )?(?:leave|vacation|holidays?)\b/i,
  /\baway from (?:the office|my desk|work)\b/i,
  /\b(?:I am|I'm|I will be|I'll be) (?:currently )?(?:away|travell?ing|off)\b/i,
  /\blimited access to (?:e-?mail|my e-?mails?)\b/i,
  /\b(?:will|I'll) (?:be )?(?:back|return(?:ing)?)\b/i,
  /\bnicht im (?:Büro|Haus|Office)\b/i,
  /\babwesend\b|\bAbwesenheit/i,
  /\b(?:im|in) Urlaub\b|\baußer Haus\b/i,
  /\bwieder (?:erreichbar|im Büro|da)\b/i,
  /\babsente?s? (?:du|au) bureau\b|\bhors du bureau\b/i,
  /\ben (?:congés?|vacances|déplacement)(?![\p{L}\p{N}])|\bje suis absente?\b/iu,
  /\bde retour (?:le|au|à partir)\b/i,
  /\bfuera de (?:la )?oficina\b/i,
  /\bde (?:vacaciones|viaje|permiso)\b|\bestoy ausente\b/i,
  /\b(?:a mi regreso|estaré de vuelta|regresaré|volveré)(?![\p{L}\p{N}])/iu,
];

function firstMatch(patterns: RegExp[], text: string): string | null {
  for (const re of patterns) {
    const m = re.exec(text);
    if (m) return m[0];
  }
  return null;
}

// Words near a date that make it the day the person is back, and words that make it the last day away.
const BACK_CUE = /\b(?:back|return(?:ing|s)?|wieder|zurück|ab dem|ab|retour|rentre(?:rai)?|reviens|reviendrai|de vuelta|regres(?:o|aré|ar)|volveré|vuelvo|a partir del?)(?![\p{L}\p{N}])/iu;
const UNTIL_CUE = /\b(?:until|till|through|thru|bis|jusqu'(?:au|à)|jusqu’(?:au|à)|hasta)\b/i;
const LOCALES = [chrono.en, chrono.de, chrono.fr, chrono.es];

/**
 * The first day the sender is back, as YYYY-MM-DD, from an out-of-office text: a date with a
 * "back/return" cue in its sentence is that day; otherwise the day after the latest date named
 * ("away until the 18th" is read as back on the 19th, so a follow-up is never early). Only dates
 * after the mail's date and within a year count. Null when the text names none.
 */
export function returnDateFrom(text: string, mailDate: string | null): string | null {
  const reference = mailDate ? new Date(mailDate) : new Date();
  const refDay = dayOf(reference.getUTCFullYear(), reference.getUTCMonth() + 1, reference.getUTCDate());
  const limit = addDays(refDay, 366);
  const found = new Map<number, { day: string; index: number; length: number }>();
  // an absence notice names its dates early; four parsers over a huge text would be slow for nothing
  const head = text.slice(0, 5000);
  for (const locale of LOCALES) {
    for (const r of locale.parse(head, reference, { forwardDate: true })) {
      if (!r.start.isCertain('day') || !r.start.isCertain('month')) continue;
      const date = r.end && r.end.isCertain('day') ? r.end : r.start;
      const day = dayOf(date.get('year') ?? reference.getUTCFullYear(), date.get('month') ?? 1, date.get('day') ?? 1);
      if (day <= refDay || day > limit) continue;
      const same = found.get(r.index);
      if (!same || same.length < r.text.length) found.set(r.index, { day, index: r.index, length: r.text.length });
    }
  }
  if (found.size === 0) return null;
  // Where locales read the same words differently, the longest reading wins: English reads
  // "18 d" of "18 décembre" as eighteen days from now, French the whole date.
  const spans = [...found.values()].sort((a, b) => a.index - b.index || b.length - a.length);
  const dates = spans.filter((d) => !spans.some((o) => o !== d && o.index <= d.index && o.index + o.length >= d.index + d.length && o.length > d.length));
  const back = dates.filter((d) => BACK_CUE.test(sentenceAround(head, d.index, d.length)) && !UNTIL_CUE.test(textBefore(head, d.index)));
  if (back.length > 0) return back.map((d) => d.day).sort().at(-1) as string;
  const latest = dates.map((d) => d.day).sort().at(-1) as string;
  return addDays(latest, 1);
}

function sentenceAround(text: string, index: number, length: number): string {
  const before = text.slice(0, index);
  const start = Math.max(before.lastIndexOf('. '), before.lastIndexOf('.\n'), before.lastIndexOf('\n\n'), -1) + 1;
  const after = text.slice(index + length);
  const endRel = after.search(/\.(?:\s|$)|\n\n/);
  return text.slice(start, endRel === -1 ? text.length : index + length + endRel);
}

/** The few words right before a date: "until" there makes it the last day away. */
function textBefore(text: string, index: number): string {
  return text.slice(Math.max(0, index - 30), index);
}

function dayOf(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Opt-outs

/** Opt-out wording in English, German, French and Spanish. */
export const OPT_OUT_WORDING: RegExp[] = [
  /\bunsubscribe\b/i,
  /\bremove (?:me|my (?:e-?mail|address|name|details))\b/i,
  /\btake me off\b/i,
  /\bstop (?:e-?mailing|emailing|sending|contacting|writing to|messaging)\b/i,
  /\b(?:do not|don't|never) (?:contact|e-?mail|email|write to|message) me\b/i,
  /\bopt(?:-| )?(?:me )?out\b/i,
  /\bno (?:more|further) (?:e-?mails|emails|messages)\b/i,
  /\bleave me alone\b/i,
  /\babmelden\b|\babbestellen\b|\baustragen\b|\btragen sie mich\b[^.]{0,40}\baus\b/i,
  /\b(?:aus|von) (?:ihrem|ihrer|dem|der|diesem|dieser) (?:Verteiler|Liste|Mailingliste|Newsletter)\b[^.]{0,30}\b(?:entfernen|nehmen|streichen|löschen)\b/i,
  /\b(?:entfernen|nehmen|streichen|löschen) Sie mich\b[^.]{0,30}\b(?:aus|von) (?:ihrem|ihrer|dem|der|diesem|dieser) (?:Verteiler|Liste|Mailingliste|Newsletter|Adressliste)\b/i,
  /\bkeine weiteren (?:E-?Mails|Mails|Nachrichten)\b|\bkeine (?:E-?Mails|Mails|Nachrichten) mehr\b/i,
  /\bnicht mehr (?:kontaktieren|anschreiben|schreiben|anrufen)\b|\bkontaktieren sie mich nicht\b/i,
  /\bdésabonner\b|\bdésinscri(?:re|vez|ption)\b|\bdésabonnement\b/i,
  /\b(?:retirez|supprimez|enlevez|rayez)[- ]moi\b/i,
  /\bme (?:retirer|supprimer|enlever|rayer) de (?:votre|vos|la|cette|ces) (?:liste|listes|fichier|base|envois|mailings?)\b/i,
  /\bne (?:plus )?(?:me )?(?:contacter|écrire|relancer)(?: plus)?\b|\bne plus recevoir\b/i,
  /\b(?:arrêtez|cessez) de m['’](?:écrire|envoyer|contacter|relancer)\b/i,
  /\b(?:darme|d[eé]nme|dadme|d[eé]me|darnos|d[eé]nnos|dar) de baja\b|\bbaja de (?:su|la|esta) lista\b/i,
  /\b(?:elimín|quít|sác|borr)(?:e|a|en)me\b/i,
  /\bno me (?:escriba|escriban|contacte|contacten|envíe|envíen|manden?)(?: más)?\b/i,
  /\bdej(?:e|en) de (?:escribirme|enviarme|contactarme)\b|\bno quiero recibir más\b/i,
];

function optOutWording(text: string): string | null {
  return firstMatch(OPT_OUT_WORDING, text.replace(/[\u2018\u2019]/g, "'"));
}

/** A reply that is nothing but a stop word ("STOP", "Remove", "Stopp", "Baja") is an opt-out too, as in text messaging. */
const BARE_OPT_OUT = /^\s*(?:stop|stopp|remove|unsub|arrêtez|baja)[\s.!]*$/i;

function bareOptOut(text: string): string | null {
  return BARE_OPT_OUT.exec(text)?.[0].trim() ?? null;
}

/** A subject without its reply and forward prefixes: a bare "Unsubscribe" subject is an opt-out. */
function subjectWords(subject: string): string {
  const bare = subject.replace(/^(?:\s*(?:re|aw|wg|fw|fwd|tr|rv|r)\s*(?:\[\d+\])?\s*:\s*)+/i, '').trim();
  // "Re: <our subject>" is our words: only a subject the sender wrote themselves is read
  return /^(?:re|aw|wg|fw|fwd|tr|rv)\s*:/i.test(subject.trim()) ? '' : bare;
}
