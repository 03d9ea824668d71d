/**
 * The offline heuristic classifier: what labels a reply when no language model is configured.
 * Keyword cues in English, German, French and Spanish, read on the stripped new text only, in an
 * order that puts the costly mistakes last (a referral or a "not interested" is looked for before
 * "interested", so "not interested" never reads as interest). Every answer says it came from
 * here (`classifiedBy: 'heuristic'`), and its confidence stays modest: the rep reviews whatever
 * it is unsure of. It answers in the model's answer shape so the same checks apply to both.
 */
import type { ClassifyAnswer, ObjectionKind } from './labels.ts';
import { OOO_WORDING, returnDateFrom } from './rules.ts';

export interface HeuristicAnswer extends ClassifyAnswer {
  /** the cue that decided, for the rep */
  cue: string;
}

/** Characters of new text the heuristic reads. */
export const MAX_HEURISTIC_CHARS = 6000;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

const REFERRAL_CUE =
  /\b(?:reach out to|contact|talk to|speak (?:to|with)|get in touch with|loop(?:ing)? in|cc'?d|forward(?:ed|ing)? (?:this )?to|better person|right person is|in charge of|responsible for|owns? (?:the|this)|handles?)\b|\b(?:wenden Sie sich an|Ansprechpartner|Ansprechpartnerin|zuständig|Kollegin|Kollege|kontaktieren Sie)\b|\b(?:contactez|adressez-vous à|mon collègue|ma collègue|en charge|responsable)\b|\b(?:contacte con|hable con|póngase en contacto|mi compañer[oa]|encargad[oa]|responsable)\b/i;
const WRONG_PERSON =
  /\b(?:not the right person|wrong person|not my (?:area|department|role)|no longer (?:work|with)|(?:I )?left the company|don't handle|do not handle|not responsible for)\b|\bnicht (?:die richtige|der richtige|zuständig)\b|\bnicht mehr bei\b|\bpas la bonne personne\b|\bne (?:suis|travaille) plus\b|\bno soy la persona\b|\bya no trabajo\b/i;
const NOT_INTERESTED =
  /\b(?:not interested|no interest|no thanks|no thank you|not for us|we(?:'re| are) not looking|we will pass|we'll pass|not a fit|please don't follow up)\b|\bkein(?:e|en)? Interesse\b|\bnein,? danke\b|\bpas intéressée?s?(?![\p{L}\p{N}])|\bnon merci\b|\bno (?:me|nos) interesa\b|\bno estamos interesados\b|\bno,? gracias\b/iu;
const OBJECTIONS: [ObjectionKind, RegExp][] = [
  ['budget', /\b(?:budget|too expensive|can't afford|cannot afford|no money|costs? too much|pricey)\b|\bkein Budget\b|\bzu teuer\b|\bpas de budget\b|\btrop cher\b|\bsin presupuesto\b|\bdemasiado caro\b|\bno hay presupuesto\b/i],
  ['competitor', /\b(?:already (?:use|using|have|work with)|we use|we're using|under contract|existing (?:vendor|provider|solution)|happy with (?:our|the) current)\b|\bnutzen bereits\b|\bbereits (?:im Einsatz|einen Anbieter)\b|\butilisons déjà(?![\p{L}\p{N}])|\bdéjà un (?:prestataire|fournisseur|outil)\b|\bya (?:usamos|utilizamos|tenemos)\b/iu],
  ['timing', /\b(?:not (?:right )?now|not at the moment|maybe later|next (?:quarter|year|month)|in a few months|bad time|not a priority|reach out (?:again )?in|circle back|after (?:Q[1-4]|the holidays))\b|\bderzeit nicht\b|\bmomentan nicht\b|\bspäter\b|\bnächstes (?:Jahr|Quartal)\b|\bpas (?:pour le )?moment\b|\bplus tard\b|\bl'année prochaine\b|\bahora no\b|\bmás adelante\b|\bel próximo (?:año|trimestre)\b/i],
  ['no_need', /\b(?:don't need|do not need|no need|we (?:do|handle) (?:it|this) in-house|not needed|no use for)\b|\bbrauchen (?:wir )?(?:das )?nicht\b|\bkein Bedarf\b|\bpas besoin\b|\bno (?:lo )?necesitamos\b/i],
];
const INTERESTED =
  /\b(?:interested|sounds (?:good|great|interesting)|let'?s (?:talk|chat|connect|meet|set up|book|schedule)|happy to (?:talk|chat|meet)|book a (?:call|meeting|demo)|set up a (?:call|meeting)|send (?:me )?(?:the|a) (?:deck|demo|info)|(?:a )?demo\b|keen|yes,? please|count me in|call me)\b|\b(?:interessiert|klingt gut|gerne|gern|lassen Sie uns)\b|\b(?:intéress(?:ée?s?|e)|ça m'intéresse|volontiers|avec plaisir)(?![\p{L}\p{N}])|\b(?:me interesa|interesad[oa]s?|suena bien|con gusto|hablemos)\b/iu;

// A machine's acknowledgement that carries no automatic headers says what it is in words.
const AUTOMATED =
  /\b(?:this is an? (?:automated|automatic|auto-generated) (?:response|reply|message|e-?mail)|(?:automated|automatic) (?:response|reply) to confirm|do not reply to this (?:e-?mail|message))\b|\bautomatisch (?:erstellte|generierte) (?:Nachricht|Antwort|E-Mail)\b|\bceci est une réponse automatique\b|\besta es una respuesta automática(?![\p{L}\p{N}])/iu;

/** The offline heuristic's answer for a reply's new text (see the module comment). */
export function classifyText(text: string, subject: string, mailDate: string | null): HeuristicAnswer {
  // typographic apostrophes (Apple Mail, Outlook) read as plain ones; a reply's decisive words
  // come first, and a cap keeps every pattern's work small on a huge mail
  const t = text.slice(0, MAX_HEURISTIC_CHARS).replace(/[\u2018\u2019]/g, "'").trim();
  const none = { questions: [], referral: null, objection: null, returnDate: null };
  if (!t) return { label: 'needs_info', confidence: 0.2, ...none, questions: [], cue: 'no new text' };

  const ooo = OOO_WORDING.map((re) => re.exec(`${subject}\n${t}`)?.[0]).find(Boolean);
  if (ooo) return { label: 'out_of_office', confidence: 0.7, ...none, returnDate: returnDateFrom(t, mailDate), cue: `out-of-office words without automatic headers: "${ooo}"` };

  const emails = [...new Set(t.match(EMAIL) ?? [])];
  const referralCue = REFERRAL_CUE.exec(t)?.[0];
  if (emails.length > 0 && referralCue) {
    const email = emails[0].toLowerCase();
    return { label: 'referral', confidence: 0.7, ...none, referral: { name: nameNear(t, emails[0]), email }, cue: `an address and "${referralCue}"` };
  }
  const wrong = WRONG_PERSON.exec(t)?.[0];
  if (wrong) return { label: 'wrong_person', confidence: 0.65, ...none, cue: `"${wrong}"` };
  const no = NOT_INTERESTED.exec(t)?.[0];
  if (no) return { label: 'not_interested', confidence: 0.7, ...none, cue: `"${no}"` };
  for (const [kind, re] of OBJECTIONS) {
    const m = re.exec(t)?.[0];
    if (m) return { label: 'objection', confidence: 0.6, ...none, objection: kind, cue: `${kind}: "${m}"` };
  }
  const questions = questionsIn(t);
  if (questions.length > 0) return { label: 'needs_info', confidence: 0.65, ...none, questions, cue: `${questions.length} question(s)` };
  const yes = INTERESTED.exec(t)?.[0];
  if (yes) return { label: 'interested', confidence: 0.7, ...none, cue: `"${yes}"` };
  if (/^\s*(?:yes|yep|sure|ok(?:ay)?|ja|oui|sí|si)\b[\s.!]*$/i.test(t)) return { label: 'interested', confidence: 0.5, ...none, cue: 'a one-word yes' };
  if (/^\s*(?:no|nope|nein|non)[\s.!]*$/i.test(t)) return { label: 'not_interested', confidence: 0.5, ...none, cue: 'a one-word no' };
  const auto = AUTOMATED.exec(t)?.[0];
  if (auto) return { label: 'auto_reply', confidence: 0.6, ...none, cue: `automatic-reply wording without automatic headers: "${auto}"` };
  return { label: 'needs_info', confidence: 0.3, ...none, cue: 'no cue matched: left to the rep' };
}

/** Sentences that end in a question mark (the Spanish opening mark kept). */
export function questionsIn(text: string): string[] {
  // split after each sentence end (linear: no regex that can backtrack over a long text)
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.endsWith('?') && s.length > 3)
    .slice(0, 10);
}

/** The capitalised words right before an address ("Jane Doe (jane@...)"), when there are any. */
function nameNear(text: string, email: string): string | null {
  const before = text.slice(0, text.indexOf(email)).replace(/[(<\[:,\s]+$/, '');
  const m = /((?:[A-ZÀ-Ý][\p{L}'-]+\s+)?[A-ZÀ-Ý][\p{L}'-]+)$/u.exec(before);
  return m ? m[1] : null;
}
