/**
 * The sending policy as a rep would notice it: mail reaches a lead in New York or Berlin inside
 * Tue–Thu 08:00–11:00 on the lead's own clock, also in the weeks when only one side of the
 * Atlantic has changed to or from summer time; new mailboxes ramp up; a domain is not flooded;
 * sends are spaced at random; follow-ups count working days; every "not now" says why and when.
 */
import { describe, expect, it } from 'vitest';
import {
  checkSend,
  DEFAULT_WINDOW,
  describeWindow,
  effectiveDailyCap,
  followUpSlot,
  locationTexts,
  nextSlot,
  parseWindow,
  resolveTimeZone,
  spacingSeconds,
  windowSlot,
  zoneFromText,
  type MailboxLimits,
  type Usage,
} from '#core/sending/policy.ts';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('send window in the lead local time, across daylight-saving changes', () => {
  // 2026: the US changes on 8 March and 1 November, the EU on 29 March and 25 October.
  it('New York in March: 08:00 EST is 13:00 UTC before the change, 08:00 EDT is 12:00 UTC after', () => {
    expect(iso(nextSlot(at('2026-03-02T20:00:00Z'), DEFAULT_WINDOW, NY).start)).toBe('2026-03-03T13:00:00.000Z');
    // from a Friday before the change to the Tuesday after it
    const slot = nextSlot(at('2026-03-06T15:00:00Z'), DEFAULT_WINDOW, NY);
    expect(iso(slot.start)).toBe('2026-03-10T12:00:00.000Z');
    expect(iso(slot.end)).toBe('2026-03-10T15:00:00.000Z');
  });

  it('New York in November: the Tuesday after the change opens at 13:00 UTC again', () => {
    expect(iso(nextSlot(at('2026-10-27T11:00:00Z'), DEFAULT_WINDOW, NY).start)).toBe('2026-10-27T12:00:00.000Z');
    const slot = nextSlot(at('2026-10-30T15:00:00Z'), DEFAULT_WINDOW, NY);
    expect(iso(slot.start)).toBe('2026-11-03T13:00:00.000Z');
    expect(iso(slot.end)).toBe('2026-11-03T16:00:00.000Z');
  });

  it('Berlin in March: 08:00 CET is 07:00 UTC, 08:00 CEST after 29 March is 06:00 UTC', () => {
    expect(iso(nextSlot(at('2026-03-23T12:00:00Z'), DEFAULT_WINDOW, BERLIN).start)).toBe('2026-03-24T07:00:00.000Z');
    const slot = nextSlot(at('2026-03-27T12:00:00Z'), DEFAULT_WINDOW, BERLIN);
    expect(iso(slot.start)).toBe('2026-03-31T06:00:00.000Z');
    expect(iso(slot.end)).toBe('2026-03-31T09:00:00.000Z');
  });

  it('Berlin in October: the Tuesday after 25 October opens at 07:00 UTC', () => {
    expect(iso(nextSlot(at('2026-10-19T12:00:00Z'), DEFAULT_WINDOW, BERLIN).start)).toBe('2026-10-20T06:00:00.000Z');
    expect(iso(nextSlot(at('2026-10-23T12:00:00Z'), DEFAULT_WINDOW, BERLIN).start)).toBe('2026-10-27T07:00:00.000Z');
  });

  it('in the weeks only the US has changed, one UTC instant is inside for New York and outside for Berlin', () => {
    const tuesday = at('2026-03-17T12:30:00Z'); // 08:30 EDT, 13:30 CET
    expect(windowSlot(tuesday, DEFAULT_WINDOW, NY).inside).toBe(true);
    expect(windowSlot(tuesday, DEFAULT_WINDOW, BERLIN).inside).toBe(false);
    // and the window closes at 11:00 local sharp
    expect(windowSlot(at('2026-03-17T14:59:00Z'), DEFAULT_WINDOW, NY).inside).toBe(true);
    expect(windowSlot(at('2026-03-17T15:00:00Z'), DEFAULT_WINDOW, NY).inside).toBe(false);
  });

  it('a configured window is read from its stored form and described in words', () => {
    const window = parseWindow({ days: '135', start: '09:30:00', end: '12:00' });
    expect(window).toEqual({ days: [1, 3, 5], start: '09:30', end: '12:00' });
    expect(describeWindow(window, BERLIN)).toBe('Mon, Wed, Fri 09:30–12:00 Europe/Berlin');
    expect(describeWindow(DEFAULT_WINDOW, NY)).toBe('Tue–Thu 08:00–11:00 America/New_York');
    expect(() => parseWindow({ days: '', start: '08:00', end: '11:00' })).toThrow(/days: "" must list ISO weekdays/);
    expect(() => parseWindow({ days: '234', start: '11:00', end: '08:00' })).toThrow(/end: 08:00 must be after the start 11:00/);
    expect(() => nextSlot(at('2026-03-17T12:30:00Z'), DEFAULT_WINDOW, 'Mars/Olympus')).toThrow(/zone: "Mars\/Olympus" is not an IANA time zone/);
  });
});

describe('follow-ups in business days', () => {
  it('three business days after a Thursday send skip the weekend and keep the time of day', () => {
    // Thursday 2026-12-03 09:30 in New York → Fri (1), Mon (2), Tue (3) at 09:30
    expect(iso(followUpSlot(at('2026-12-03T14:30:00Z'), 3, DEFAULT_WINDOW, NY).start)).toBe('2026-12-08T14:30:00.000Z');
  });

  it('a follow-up that lands outside the window waits for the next window day', () => {
    // two business days from Thursday is Monday, not a window day: Tuesday 08:00
    expect(iso(followUpSlot(at('2026-12-03T14:30:00Z'), 2, DEFAULT_WINDOW, NY).start)).toBe('2026-12-08T13:00:00.000Z');
  });

  it('keeps the local hour across the autumn change', () => {
    // Thursday 29 October 09:00 EDT → Tuesday 3 November 09:00 EST
    expect(iso(followUpSlot(at('2026-10-29T13:00:00Z'), 3, DEFAULT_WINDOW, NY).start)).toBe('2026-11-03T14:00:00.000Z');
  });
});

describe('the lead time zone', () => {
  it('comes from research about the lead, then its company, then the workspace', () => {
    expect(resolveTimeZone({ lead: ['Works from our Berlin office'], company: ['Headquartered in New York'], workspace: 'UTC' })).toEqual({
      zone: BERLIN,
      source: 'lead',
      because: 'berlin',
    });
    expect(resolveTimeZone({ lead: ['remote'], company: ['Headquartered in New York, NY'], workspace: 'UTC' })).toMatchObject({ zone: NY, source: 'company' });
    expect(resolveTimeZone({ lead: [], company: ['Customers across the United States'], workspace: 'Europe/Paris' })).toMatchObject({
      zone: 'Europe/Paris',
      source: 'workspace',
    });
  });

  it('reads cities, one-zone countries and written-out zones, and refuses to guess a country of many zones', () => {
    expect(zoneFromText('Offices in München')?.zone).toBe(BERLIN);
    expect(zoneFromText('A logistics firm based in Germany')?.zone).toBe(BERLIN);
    expect(zoneFromText('Registered in the Netherlands')?.zone).toBe('Europe/Brussels');
    expect(zoneFromText('HQ timezone: America/Chicago')?.zone).toBe('America/Chicago');
    expect(zoneFromText('Operates across the United States')).toBeUndefined();
    expect(zoneFromText('Jordan leads the finance team')).toBeUndefined();
  });

  it('of several places, takes the one the text names first; a longer name wins at the same spot', () => {
    // the sample web's BeaconHQ: founded in London, offices in three cities
    expect(zoneFromText('BeaconHQ was founded in London in 2017. We now employ 540 people across London, Lisbon and New York.')).toEqual({ zone: 'Europe/London', because: 'london' });
    expect(zoneFromText('Offices in Dublin and Brussels')?.zone).toBe('Europe/Dublin');
    expect(zoneFromText('New York and Berlin')?.zone).toBe(NY);
    // a city before a country, wherever the country stands
    expect(zoneFromText('Germany-wide, headquartered in Vienna')?.zone).toBe('Europe/Vienna');
  });

  it('takes an address or head office before a place mentioned in passing, whatever the order of the facts', () => {
    // the sample web's BeaconHQ: its news fact sorted before its address
    const company = [
      'BeaconHQ opened its first US office in New York with 40 employees.',
      'BeaconHQ was founded in London in 2017. We now employ 540 people across London, Lisbon and New York.',
      'Organization: BeaconHQ; address: 1 Finsbury Avenue, London, EC2M 2PF, GB',
    ];
    expect(resolveTimeZone({ lead: [], company, workspace: 'Europe/Berlin' })).toEqual({ zone: 'Europe/London', source: 'company', because: 'london' });
    expect(resolveTimeZone({ lead: [], company: company.slice(0, 2), workspace: 'Europe/Berlin' }).zone).toBe('Europe/London');
    expect(resolveTimeZone({ lead: [], company: ['Customers in Berlin and Munich', 'A Dublin-headquartered workforce platform'], workspace: 'UTC' }).zone).toBe('Europe/Dublin');
  });

  it('finds place texts in findings and firmographic facts', () => {
    const texts = locationTexts({
      findings: { location: 'Berlin, Germany', company: { headquarters: 'Boston, MA' }, fit: { criteria: [{ criterion: 'geography', assessment: 'fits', evidence: 'Ships from Austin' }] } },
      facts: [
        { category: 'firmographic', claim: 'Founded in Denver', quote: 'Founded in Denver in 2011' },
        { category: 'news', claim: 'Opened in Tokyo', quote: 'We opened in Tokyo' },
      ],
    });
    expect(texts.lead).toEqual(['Berlin, Germany']);
    expect(texts.company).toEqual(['Boston, MA', 'Ships from Austin', 'Founded in Denver. Founded in Denver in 2011']);
  });
});

describe('caps, warm-up and spacing', () => {
  const established: MailboxLimits = { dailyCap: 40, perDomainDailyCap: 3, minSpacingSeconds: 120, warmupStartedAt: null };
  const idle: Usage = { mailboxSends: 0, oldestMailboxSend: null, domainSends: 0, oldestDomainSend: null, nextSendAt: null };
  const tuesday = at('2026-12-08T14:00:00Z'); // 09:00 in New York

  it('a new mailbox sends 5 a day its first week, doubling weekly up to its cap', () => {
    const start = at('2026-12-01T00:00:00Z');
    const cap = (days: number) => effectiveDailyCap({ dailyCap: 40, warmupStartedAt: start }, new Date(start.getTime() + days * 86_400_000));
    expect([0, 6, 7, 13, 14, 21, 60].map(cap)).toEqual([5, 5, 10, 10, 20, 40, 40]);
    expect(effectiveDailyCap({ dailyCap: 25, warmupStartedAt: start }, new Date(start.getTime() + 30 * 86_400_000))).toBe(25);
    expect(effectiveDailyCap(established, tuesday)).toBe(40);
  });

  it('says why a message waits and when it may go', () => {
    const base = { window: DEFAULT_WINDOW, zone: NY, limits: established, usage: idle, recipientDomain: 'acme.example' };
    expect(checkSend({ ...base, now: tuesday })).toEqual({ ok: true });

    const friday = checkSend({ ...base, now: at('2026-12-04T15:00:00Z') });
    expect(friday).toMatchObject({ ok: false, rule: 'window', reason: 'outside Tue–Thu 08:00–11:00 America/New_York; next 2026-12-08 08:00' });

    const warming = { ...established, warmupStartedAt: at('2026-12-06T00:00:00Z') };
    const full = checkSend({ ...base, limits: warming, now: tuesday, usage: { ...idle, mailboxSends: 5, oldestMailboxSend: at('2026-12-08T13:05:00Z') } });
    expect(full).toMatchObject({ ok: false, rule: 'mailbox_cap' });
    if (!full.ok) {
      expect(full.reason).toBe('mailbox cap reached: 5 of 5 in 24 h (warm-up: 5 a day now, 40 when warmed up); next 2026-12-09 08:05 America/New_York');
      expect(iso(full.next)).toBe('2026-12-09T13:05:00.000Z');
    }

    const domain = checkSend({ ...base, now: tuesday, usage: { ...idle, mailboxSends: 7, domainSends: 3, oldestDomainSend: at('2026-12-08T13:10:00Z') } });
    expect(domain).toMatchObject({ ok: false, rule: 'domain_cap', reason: 'acme.example cap reached: 3 of 3 in 24 h; next 2026-12-09 08:10 America/New_York' });

    const spaced = checkSend({ ...base, now: tuesday, usage: { ...idle, nextSendAt: at('2026-12-08T14:02:30Z') } });
    expect(spaced).toMatchObject({ ok: false, rule: 'spacing', reason: 'spacing between sends from this mailbox; next 2026-12-08 09:02 America/New_York' });
  });

  it('a cap that frees up after the window closes points at the next window day', () => {
    const late = checkSend({
      window: DEFAULT_WINDOW,
      zone: NY,
      limits: established,
      recipientDomain: 'acme.example',
      now: at('2026-12-10T14:30:00Z'), // Thursday 09:30
      usage: { ...idle, mailboxSends: 40, oldestMailboxSend: at('2026-12-09T15:00:00Z') }, // frees Thursday 10:00
    });
    expect(late).toMatchObject({ ok: false, rule: 'mailbox_cap' });
    if (!late.ok) expect(iso(late.next)).toBe('2026-12-10T15:00:00.000Z');
    const afterWindow = checkSend({
      window: DEFAULT_WINDOW,
      zone: NY,
      limits: established,
      recipientDomain: 'acme.example',
      now: at('2026-12-10T14:30:00Z'),
      usage: { ...idle, mailboxSends: 40, oldestMailboxSend: at('2026-12-09T16:30:00Z') }, // frees Thursday 11:30, window shut
    });
    if (!afterWindow.ok) expect(iso(afterWindow.next)).toBe('2026-12-15T13:00:00.000Z');
    expect(afterWindow.ok).toBe(false);
  });

  it('spacing is the minimum plus up to half again, from the injected random source', () => {
    expect(spacingSeconds(120, () => 0)).toBe(120);
    expect(spacingSeconds(120, () => 0.5)).toBe(150);
    expect(spacingSeconds(120, () => 0.9999)).toBe(180);
    const seen = new Set(Array.from({ length: 50 }, (_, i) => spacingSeconds(120, () => i / 50)));
    expect(Math.min(...seen)).toBe(120);
    expect(Math.max(...seen)).toBeLessThanOrEqual(180);
    expect(seen.size).toBeGreaterThan(20);
    expect(() => spacingSeconds(120, () => 1)).toThrow(/random source gave 1/);
  });
});
