/**
 * Strip: what the sender wrote this time, without the quoted history and the signature, so our
 * own earlier words ("Reply 'unsubscribe' and I won't follow up") never decide a reply's label.
 *
 * `email-reply-parser` does the work (quote markers, reply headers in many languages, signature
 * separators, "Sent from my iPhone"). Before it, the text is cut at the first reply header of the
 * kinds mail clients write in English, German, French and Spanish, because those are the ones the
 * library can miss: a Gmail "On ... wrote:" wrapped over two lines, an Outlook block whose "From:"
 * has no address in brackets, "-----Mensaje original-----", Outlook's underscore rule, and the
 * localized "sent from my phone" lines. Everything after the cut is history, never new text.
 */
import EmailReplyParser from 'email-reply-parser';

export interface StrippedReply {
  /** the new text, trimmed; empty when the mail held nothing but history */
  text: string;
  /** history was found and removed */
  quoted: boolean;
  /** a signature or a "sent from my phone" line was removed */
  signature: boolean;
}

// A line that opens the quoted history. Each is anchored at the start of a line; "wrote:" headers
// may be wrapped over two lines by the client, so they are matched on a line and its successor.
const WROTE_HEADERS: RegExp[] = [
  /^On\s[^\n]{4,250}\bwrote\s?:\s*$/i,
  /^Am\s[^\n]{4,250}\bschrieb[^\n]{0,200}:\s*$/i,
  /^Le\s[^\n]{4,250}\ba\s+écrit\s?:\s*$/i,
  /^El\s[^\n]{4,250}\bescribió\s?:\s*$/i,
  /^[^\n]{2,200}<[^<>\s]+@[^<>\s]+>\s+(?:wrote|schrieb|a écrit|escribió)\s?:\s*$/i,
];
const SEPARATORS: RegExp[] = [
  /^-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado)\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^Begin forwarded message:\s*$/i,
];
// Outlook's header block: a "From:" line (in any of the four languages) followed within a few
// lines by a "Sent:"/"Date:" line.
const OUTLOOK_FROM = /^\*?(?:From|Von|De|Expéditeur|Remitente)\s?:\*?\s+\S/i;
const OUTLOOK_SENT = /^\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Date|Enviado|Fecha)\s?:\*?\s+\S/i;
const MOBILE_SIGNATURES =
  /^(?:Sent from my \w+.*|Sent from (?:Outlook|Mail|Yahoo Mail).*|Get Outlook for \w+.*|Von meinem \w+ gesendet.*|Gesendet von meinem \w+.*|Envoyé de mon \w+.*|Envoyé depuis mon \w+.*|Enviado desde mi \w+.*)$/i;

/** The new text of a reply (see the module comment). */
export function stripReply(text: string): StrippedReply {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const cut = historyStart(lines);
  const head = cut === -1 ? lines : lines.slice(0, cut);
  let signature = false;
  const kept = head.filter((line) => {
    if (MOBILE_SIGNATURES.test(line.trim())) {
      signature = true;
      return false;
    }
    return true;
  });
  const before = kept.join('\n').trim();
  const email = new EmailReplyParser().read(before);
  const visible = email.getVisibleText().trim();
  const fragments = email.getFragments();
  const libraryQuoted = fragments.some((f) => f.isQuoted());
  const librarySignature = fragments.some((f) => f.isSignature() && !f.isQuoted());
  return {
    text: tidy(visible),
    quoted: cut !== -1 || libraryQuoted,
    signature: signature || librarySignature,
  };
}

/** Index of the first line of the quoted history, or -1. */
function historyStart(lines: string[]): number {
  // the last line that is neither empty nor quoted: a quote block after it runs to the end
  let lastUnquoted = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i].trim();
    if (l && !l.startsWith('>')) {
      lastUnquoted = i;
      break;
    }
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    if (line.startsWith('>')) {
      // a quote block that runs to the end is history; a quote in the middle of new text (an
      // inline answer) is left to the library
      if (i > lastUnquoted) return i;
      continue;
    }
    if (SEPARATORS.some((re) => re.test(line))) return i;
    const joined = i + 1 < lines.length ? `${line} ${lines[i + 1].trim()}` : line;
    if (WROTE_HEADERS.some((re) => re.test(line))) return i;
    if (!/[.!?]$/.test(line) && WROTE_HEADERS.some((re) => re.test(joined))) return i;
    if (OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 5).some((l) => OUTLOOK_SENT.test(l.trim()))) return i;
  }
  return -1;
}

function tidy(text: string): string {
  return text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}
