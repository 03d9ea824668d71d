/**
 * Strip: the new text of Gmail, Outlook and Apple Mail replies in English, German, French and
 * Spanish, with our own quoted words (which say "unsubscribe") always removed.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseMail } from '#core/replies/parse.ts';
import { stripReply } from '#core/replies/strip.ts';

const OUR_WORDS = /unsubscribe|won't follow up|faster close|schnellerer|clôture|cierre/i;

const REPLIES: { name: string; text: string; expected: string }[] = [
  {
    name: 'Gmail, English, header wrapped over two lines',
    text: 'Sure, send me the deck.\n\nOn Tue, Dec 1, 2026 at 9:15 AM Anna Rep <anna.rep@seller.example>\nwrote:\n\n> Would a faster close help?\n> Reply "unsubscribe" and I won\'t follow up.\n',
    expected: 'Sure, send me the deck.',
  },
  {
    name: 'Gmail, German',
    text: 'Klingt gut, rufen Sie mich an.\n\nAm Di., 1. Dez. 2026 um 10:00 Uhr schrieb Anna Rep <anna.rep@seller.example>:\n> Könnte ein schnellerer Abschluss helfen?\n> Antworten Sie mit "unsubscribe".\n',
    expected: 'Klingt gut, rufen Sie mich an.',
  },
  {
    name: 'Gmail, French',
    text: "Oui, ça m'intéresse.\n\nLe mar. 1 déc. 2026 à 10:00, Anna Rep <anna.rep@seller.example> a écrit :\n> Une clôture plus rapide ? Répondez « unsubscribe » sinon.\n",
    expected: "Oui, ça m'intéresse.",
  },
  {
    name: 'Gmail, Spanish',
    text: 'Sí, me interesa.\n\nEl mar, 1 dic 2026 a las 10:00, Anna Rep (<anna.rep@seller.example>) escribió:\n> ¿Un cierre más rápido? Responda "unsubscribe" si no.\n',
    expected: 'Sí, me interesa.',
  },
  {
    name: 'Outlook, English, header block without an address',
    text: 'Not now, maybe in Q2.\n\n________________________________\nFrom: Anna Rep\nSent: Tuesday, December 1, 2026 10:00 AM\nTo: Priya Nair\nSubject: Close\n\nWould a faster close help? Reply "unsubscribe" if not.\n',
    expected: 'Not now, maybe in Q2.',
  },
  {
    name: 'Outlook, German, Von/Gesendet without the underscore rule',
    text: 'Bitte senden Sie mir Preise.\n\nVon: Anna Rep\nGesendet: Dienstag, 1. Dezember 2026 10:00\nAn: Petra Schmidt\nBetreff: Abschluss\n\nKönnte ein schnellerer Abschluss helfen? Antworten Sie mit "unsubscribe".\n',
    expected: 'Bitte senden Sie mir Preise.',
  },
  {
    name: 'Outlook, French, De/Envoyé',
    text: "Pouvez-vous m'appeler jeudi ?\n\nDe : Anna Rep\nEnvoyé : mardi 1 décembre 2026 10:00\nÀ : Marc Dubois\nObjet : Clôture\n\nUne clôture plus rapide ? Répondez « unsubscribe ».\n",
    expected: "Pouvez-vous m'appeler jeudi ?",
  },
  {
    name: 'Outlook, Spanish, original-message separator',
    text: '¿Cuánto cuesta?\n\n-----Mensaje original-----\nDe: Anna Rep\nEnviado el: martes, 1 de diciembre de 2026 10:00\nPara: Javier Ruiz\nAsunto: Cierre\n\n¿Un cierre más rápido? Responda "unsubscribe".\n',
    expected: '¿Cuánto cuesta?',
  },
  {
    name: 'Apple Mail, English, phone signature and quote',
    text: "Let's talk Thursday.\n\nSent from my iPhone\n\n> On Dec 1, 2026, at 10:00, Anna Rep <anna.rep@seller.example> wrote:\n>\n> Not the right person? Reply and I won't follow up.\n",
    expected: "Let's talk Thursday.",
  },
  {
    name: 'Apple Mail, German phone signature',
    text: 'Gerne, nächste Woche.\n\nVon meinem iPhone gesendet\n\n> Am 01.12.2026 um 10:00 schrieb Anna Rep <anna.rep@seller.example>:\n>\n> Antworten Sie mit "unsubscribe".\n',
    expected: 'Gerne, nächste Woche.',
  },
  {
    name: 'signature after "-- "',
    text: 'Interested, call me.\n\n-- \nMaria Costa\nCFO, Vandelay\n+1 555 0100\n',
    expected: 'Interested, call me.',
  },
];

describe('stripReply', () => {
  for (const r of REPLIES) {
    it(`keeps only the new text: ${r.name}`, () => {
      const stripped = stripReply(r.text);
      expect(stripped.text).toBe(r.expected);
      expect(stripped.text).not.toMatch(OUR_WORDS);
    });
  }

  it('says what it removed', () => {
    expect(stripReply(REPLIES[0].text)).toMatchObject({ quoted: true, signature: false });
    expect(stripReply(REPLIES[8].text)).toMatchObject({ quoted: true, signature: true });
    expect(stripReply('Yes please.')).toEqual({ text: 'Yes please.', quoted: false, signature: false });
  });

  it('keeps answers written between quoted lines', () => {
    expect(stripReply('> Would a faster close help?\nYes, very much.\n\n> Can we talk Thursday?\nSure.\n').text).toBe('Yes, very much.\nSure.');
  });

  it('keeps a one-word answer and returns empty text for a mail that is only history', () => {
    expect(stripReply('Yes\n\nOn Mon, Nov 30, 2026 at 10:00 AM Anna <a@seller.example> wrote:\n> hi').text).toBe('Yes');
    expect(stripReply('> Reply "unsubscribe" and I will stop.\n> Anna').text).toBe('');
  });

  it('strips parsed fixture mails: the quoted "unsubscribe" is gone, the new text stays', async () => {
    const read = async (name: string) => stripReply((await parseMail(await readFile(new URL(`../fixtures/replies/${name}`, import.meta.url)))).text).text;
    expect(await read('quoted-unsubscribe-interested.eml')).toBe("Interested! We have been looking at this. Let's book a call next week.\n\nMaria");
    expect(await read('html-only.eml')).not.toMatch(/unsubscribe/i);
    expect(await read('html-only.eml')).toContain('Yes, this sounds interesting');
    expect(await read('optout-de-outlook.eml')).toBe('Bitte tragen Sie mich aus Ihrem Verteiler aus. Ich möchte keine weiteren E-Mails erhalten.\n\nPetra Schmidt\nLeiterin Rechnungswesen');
    expect(await read('optout-fr-apple.eml')).toBe('Merci de me désinscrire de votre liste, je ne souhaite plus recevoir vos messages.');
    expect(await read('question.eml')).not.toMatch(OUR_WORDS);
  });
});
