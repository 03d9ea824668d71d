/**
 * The offline heuristic classifier on short replies in English, German, French and Spanish: the
 * order of its cues keeps "not interested" from reading as interest and a referral from reading
 * as a wrong person, and what it cannot read gets a low confidence (the rep reviews it).
 */
import { describe, expect, it } from 'vitest';
import { classifyText, questionsIn } from '#core/replies/heuristic.ts';

const at = '2026-12-02T12:00:00.000Z';

describe('classifyText', () => {
  it.each([
    ['Not interested, thanks.', 'not_interested', null],
    ['Kein Interesse, danke.', 'not_interested', null],
    ['Non merci, pas intéressé.', 'not_interested', null],
    ['No nos interesa, gracias.', 'not_interested', null],
    ['Not right now, maybe next quarter.', 'objection', 'timing'],
    ['Derzeit nicht, vielleicht nächstes Jahr.', 'objection', 'timing'],
    ["Nous n'avons pas de budget cette année.", 'objection', 'budget'],
    ['Ya usamos otra herramienta para eso.', 'objection', 'competitor'],
    ["We don't need this, our team handles it.", 'objection', 'no_need'],
    ["I'm not the right person for this.", 'wrong_person', null],
    ['Sounds interesting, let’s talk Thursday.', 'interested', null],
    ['Klingt gut, gerne nächste Woche.', 'interested', null],
    ['Oui, ça m’intéresse.', 'interested', null],
    ['Sí, me interesa. Hablemos.', 'interested', null],
    ['Yes', 'interested', null],
    ['Nous utilisons déjà Pennylane.', 'objection', 'competitor'],
    ['No', 'not_interested', null],
    ['Nein.', 'not_interested', null],
    ['This is an automated response to confirm we have your message.', 'auto_reply', null],
  ])('"%s" is %s', (text, label, objection) => {
    const a = classifyText(text, 'Re: close', at);
    expect(a.label).toBe(label);
    expect(a.objection).toBe(objection);
  });

  it('reads a referral with the name before the address, in German too', () => {
    expect(classifyText('Bitte wenden Sie sich an meine Kollegin Eva Klein (eva.klein@firma.example).', '', at)).toMatchObject({
      label: 'referral',
      referral: { name: 'Eva Klein', email: 'eva.klein@firma.example' },
    });
  });

  it('reads out-of-office words without headers, with the return date', () => {
    expect(classifyText('Je suis en congés, de retour le 4 janvier 2027.', '', at)).toMatchObject({ label: 'out_of_office', returnDate: '2027-01-04' });
  });

  it('lists the questions of a needs_info reply, Spanish marks kept', () => {
    expect(questionsIn('Gracias. ¿Cuánto cuesta? ¿Funciona con SAP? Saludos')).toEqual(['¿Cuánto cuesta?', '¿Funciona con SAP?']);
    expect(classifyText('What does it cost per seat?', '', at)).toMatchObject({ label: 'needs_info', questions: ['What does it cost per seat?'] });
  });

  it('gives what it cannot read a low confidence', () => {
    expect(classifyText('Hmm.', '', at).confidence).toBeLessThan(0.6);
    expect(classifyText('', '', at).confidence).toBeLessThan(0.6);
  });
});
