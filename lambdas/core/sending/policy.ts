/**
 * When a message may go: the lead's time zone, the send window in the lead's local time, the
 * mailbox's daily cap with its warm-up ramp, the cap per recipient domain, the randomised spacing
 * between two sends from one mailbox, and follow-ups counted in business days.
 *
 * Pure functions over plain values (no database, no clock, randomness injected), so every rule is
 * tested on its own and the claim (claim.ts) and the outbox read the same decisions. Local times
 * come from the IANA database through luxon: a window of 08:00–11:00 stays 08:00–11:00 on the
 * lead's wall clock across daylight-saving changes, whatever the UTC offset that day.
 *
 * Every "not now" carries a reason a rep can read, with the next moment it may go in the lead's
 * local time, e.g. "outside Tue–Thu 08:00–11:00 America/New_York; next 2026-12-08 08:00".
 */
import { DateTime, IANAZone } from 'luxon';
import ct from 'countries-and-timezones';
import { ValidationError } from '../errors.ts';

/** A random source in [0, 1): `Math.random` in production, a fixed sequence in tests. */
export type Random = () => number;

// ---- windows -----------------------------------------------------------------------------------

/** Local days and hours a lead may receive mail. `days` are ISO weekdays, 1 Monday .. 7 Sunday. */
export interface SendWindow {
  days: number[];
  /** `HH:MM`, local to the lead. */
  start: string;
  /** `HH:MM`, after `start`. */
  end: string;
}

/** Tuesday to Thursday, 08:00–11:00 in the lead's time: the default when nothing is configured. */
export const DEFAULT_WINDOW: SendWindow = Object.freeze({ days: [2, 3, 4], start: '08:00', end: '11:00' }) as SendWindow;

/** One occurrence of a window: from `start` until `end` (exclusive). */
export interface Slot {
  start: Date;
  end: Date;
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)(?::00)?$/;

function minutesOf(hhmm: string, field: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new ValidationError('send window', [{ path: field, message: `"${hhmm}" is not a time of day HH:MM` }]);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * A window from its stored form (`days` as ISO weekday digits such as '234', times `HH:MM` or
 * `HH:MM:SS`), checked: at least one day, end after start.
 */
export function parseWindow(row: { days: string; start: string; end: string }): SendWindow {
  const issues: { path: string; message: string }[] = [];
  if (!/^1?2?3?4?5?6?7?$/.test(row.days) || row.days === '') {
    issues.push({ path: 'days', message: `"${row.days}" must list ISO weekdays in order, e.g. 234 for Tuesday to Thursday` });
  }
  const start = row.start.slice(0, 5);
  const end = row.end.slice(0, 5);
  if (issues.length > 0) throw new ValidationError('send window', issues);
  if (minutesOf(end, 'end') <= minutesOf(start, 'start')) {
    throw new ValidationError('send window', [{ path: 'end', message: `${end} must be after the start ${start}` }]);
  }
  return { days: [...row.days].map(Number), start, end };
}

/** True when `zone` is an IANA time zone luxon knows. */
export function isTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

function requireZone(zone: string): void {
  if (!isTimeZone(zone)) throw new ValidationError('time zone', [{ path: 'zone', message: `"${zone}" is not an IANA time zone such as Europe/Berlin` }]);
}

/** "Tue–Thu 08:00–11:00 America/New_York" (runs of days joined with a dash, others by commas). */
export function describeWindow(window: SendWindow, zone: string): string {
  const days = [...new Set(window.days)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < days.length; ) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j] + 1) j++;
    const first = DAY_NAMES[days[i] - 1];
    const last = DAY_NAMES[days[j] - 1];
    runs.push(j === i ? first : j === i + 1 ? `${first}, ${last}` : `${first}–${last}`);
    i = j + 1;
  }
  return `${runs.join(', ')} ${window.start}–${window.end} ${zone}`;
}

/** A moment as the lead's wall clock shows it: `2026-12-08 08:00`. */
export function localTime(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('yyyy-LL-dd HH:mm');
}

/**
 * The window occurrence `at` is inside, or else the next one. Each day's bounds are built from
 * the local date and wall-clock hours in `zone`, so a DST change moves the UTC instants, never
 * the local hours. Looks two weeks ahead (any window has a day in every week).
 */
export function windowSlot(at: Date, window: SendWindow, zone: string): { inside: boolean; slot: Slot } {
  requireZone(zone);
  const startMin = minutesOf(window.start, 'start');
  const endMin = minutesOf(window.end, 'end');
  const day0 = DateTime.fromJSDate(at, { zone }).startOf('day');
  for (let d = 0; d <= 14; d++) {
    const day = day0.plus({ days: d });
    if (!window.days.includes(day.weekday)) continue;
    const bound = (minutes: number) =>
      DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, { zone });
    const start = bound(startMin).toJSDate();
    const end = bound(endMin).toJSDate();
    if (end.getTime() <= at.getTime()) continue;
    return { inside: start.getTime() <= at.getTime(), slot: { start, end } };
  }
  throw new ValidationError('send window', [{ path: 'days', message: 'has no day in the coming two weeks' }]);
}

/** The earliest slot at or after `at`: the current occurrence (from `at`) or the next one. */
export function nextSlot(at: Date, window: SendWindow, zone: string): Slot {
  const { inside, slot } = windowSlot(at, window, zone);
  return inside ? { start: at, end: slot.end } : slot;
}

// ---- business days -----------------------------------------------------------------------------

/**
 * The earliest slot `businessDays` working days (Monday to Friday) after `sentAt`, in the lead's
 * local calendar, keeping the local time of day the previous step went at; then the first
 * window occurrence from there. Follow-up n+1 goes its offset (the difference of the steps'
 * `day_offset`) in business days after step n was sent.
 */
export function followUpSlot(sentAt: Date, businessDays: number, window: SendWindow, zone: string): Slot {
  requireZone(zone);
  if (!Number.isInteger(businessDays) || businessDays < 0) {
    throw new ValidationError('follow-up', [{ path: 'businessDays', message: `${businessDays} must be a whole number of days, 0 or more` }]);
  }
  let local = DateTime.fromJSDate(sentAt, { zone });
  for (let left = businessDays; left > 0; ) {
    local = local.plus({ days: 1 });
    if (local.weekday <= 5) left--;
  }
  return nextSlot(local.toJSDate(), window, zone);
}

// ---- time zones --------------------------------------------------------------------------------

/** Where a lead's zone came from: its own research, its company's, or the workspace. */
export type ZoneSource = 'lead' | 'company' | 'workspace';

export interface ResolvedZone {
  zone: string;
  source: ZoneSource;
  /** What the zone was read from, for the outbox ("Berlin" in "Offices in Berlin and Munich"). */
  because: string;
}

// Cities that research often names but that no IANA zone is named after (the zone's own city,
// e.g. Berlin, Chicago or Amsterdam, is found from the zone list), and US states whose whole
// territory is one zone. A place in several zones is deliberately absent: a guess is worse
// than falling back to the company or the workspace.
const EXTRA_PLACES: Record<string, string> = {
  'san francisco': 'America/Los_Angeles',
  'silicon valley': 'America/Los_Angeles',
  seattle: 'America/Los_Angeles',
  'san diego': 'America/Los_Angeles',
  california: 'America/Los_Angeles',
  boston: 'America/New_York',
  atlanta: 'America/New_York',
  miami: 'America/New_York',
  philadelphia: 'America/New_York',
  'washington, dc': 'America/New_York',
  'washington dc': 'America/New_York',
  'new jersey': 'America/New_York',
  massachusetts: 'America/New_York',
  austin: 'America/Chicago',
  dallas: 'America/Chicago',
  houston: 'America/Chicago',
  illinois: 'America/Chicago',
  colorado: 'America/Denver',
  montreal: 'America/Toronto',
  ottawa: 'America/Toronto',
  munich: 'Europe/Berlin',
  münchen: 'Europe/Berlin',
  hamburg: 'Europe/Berlin',
  frankfurt: 'Europe/Berlin',
  cologne: 'Europe/Berlin',
  düsseldorf: 'Europe/Berlin',
  manchester: 'Europe/London',
  edinburgh: 'Europe/London',
  barcelona: 'Europe/Madrid',
  milan: 'Europe/Rome',
  bangalore: 'Asia/Kolkata',
  bengaluru: 'Asia/Kolkata',
  mumbai: 'Asia/Kolkata',
  'new delhi': 'Asia/Kolkata',
  delhi: 'Asia/Kolkata',
  melbourne: 'Australia/Melbourne',
};

// Names that are also ordinary words or first names in English text.
const NOT_PLACES = new Set(['jersey', 'regina', 'cayenne', 'jordan', 'chad', 'georgia', 'guinea', 'niger', 'dominica']);

const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  'u.s.': 'US',
  'u.s.a.': 'US',
  'united states of america': 'US',
  uk: 'GB',
  'u.k.': 'GB',
  britain: 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  deutschland: 'DE',
  holland: 'NL',
  'the netherlands': 'NL',
};

const ZONE_AREAS = new Set(['Europe', 'America', 'Asia', 'Africa', 'Australia']);

/** Strips accents and lower-cases, so "São Paulo" and "Sao Paulo" match. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** A folded name, the pattern that finds it as a whole word, and its zone or country code. */
type Entry = [name: string, pattern: RegExp, value: string];

interface PlaceTable {
  /** places → zone, longest names first */
  places: Entry[];
  /** country names and aliases → ISO code, longest first */
  countries: Entry[];
}

let table: PlaceTable | undefined;
function placeTable(): PlaceTable {
  if (table) return table;
  const places = new Map<string, string>();
  for (const tz of Object.values(ct.getAllTimezones())) {
    const parts = tz.name.split('/');
    if (parts.length !== 2 || !ZONE_AREAS.has(parts[0])) continue;
    const city = fold(parts[1].replace(/_/g, ' '));
    if (!NOT_PLACES.has(city) && !places.has(city)) places.set(city, tz.name);
  }
  for (const [name, zone] of Object.entries(EXTRA_PLACES)) places.set(fold(name), zone);
  const countries = new Map<string, string>();
  for (const c of Object.values(ct.getAllCountries())) {
    const name = fold(c.name);
    if (!NOT_PLACES.has(name)) countries.set(name, c.id);
  }
  for (const [alias, id] of Object.entries(COUNTRY_ALIASES)) countries.set(alias, id);
  const entries = (map: Map<string, string>): Entry[] =>
    [...map]
      .sort((a, b) => b[0].length - a[0].length)
      .map(([name, value]) => [name, new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(name)}(?=$|[^\\p{L}\\p{N}])`, 'u'), value]);
  table = { places: entries(places), countries: entries(countries) };
  return table;
}

/** The one zone a country keeps its clocks in, or undefined when it spans several. */
export function countryZone(code: string): string | undefined {
  const zones = ct.getTimezonesForCountry(code) ?? [];
  // A zone listed first for the country is its own (Europe/Berlin for DE, not Europe/Zurich,
  // which Büsingen shares); a country with no zone of its own (NL keeps Europe/Brussels) is
  // taken when it has exactly one.
  const usable = zones.filter((z) => isTimeZone(z.name));
  const own = usable.filter((z) => z.countries[0] === code && !z.aliasOf);
  const primary = own.length > 0 ? own : usable;
  return primary.length === 1 ? primary[0].name : undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The zone a piece of research text points at: an IANA name written out ("Europe/Berlin"), a
 * city or one-zone state ("New York", "Munich"), or a country with one zone ("Germany"). A
 * country over several zones ("United States") gives nothing. Of several places, the one the
 * text names first: "founded in London … across London, Lisbon and New York" is London (the
 * table's order, longest name first, only settles "New York" against "York" at one spot).
 */
export function zoneFromText(text: string): { zone: string; because: string } | undefined {
  for (const m of text.matchAll(/\b[A-Z][a-z]+\/[A-Za-z_]+(?:\/[A-Za-z_]+)?\b/g)) {
    if (isTimeZone(m[0])) return { zone: m[0], because: m[0] };
  }
  const folded = fold(text);
  const { places, countries } = placeTable();
  const first = <T>(entries: Entry[], accept: (name: string, value: string) => T | undefined): T | undefined => {
    let best: { at: number; found: T } | undefined;
    for (const [name, pattern, value] of entries) {
      const m = pattern.exec(folded);
      // the pattern's lead-in character is part of the match: the name starts after it
      const at = m ? m.index + m[0].length - name.length : -1;
      if (at < 0 || (best && at >= best.at)) continue;
      // zone names are checked only when found: asking Intl about hundreds of zones up front is slow
      const found = accept(name, value);
      if (found) best = { at, found };
    }
    return best?.found;
  };
  return (
    first(places, (place, zone) => (isTimeZone(zone) ? { zone, because: place } : undefined)) ??
    first(countries, (country, code) => {
      const zone = countryZone(code);
      return zone ? { zone, because: country } : undefined;
    })
  );
}

/** Research text that may say where a lead or its company is. */
export interface ResearchLike {
  findings: unknown;
  facts: { category: string; claim: string; quote: string }[];
}

const LOCATION_KEY = /location|country|office|headquarter|\bhq\b|city|time_?zone|based/i;

/**
 * Texts of one research that may name a place, most specific first: location-like fields of the
 * findings (the lead's own, then the company's), the geography criterion of the fit, then the
 * firmographic facts (claim and quote).
 */
export function locationTexts(research: ResearchLike): { lead: string[]; company: string[] } {
  const lead: string[] = [];
  const company: string[] = [];
  const findings = research.findings;
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isRecord(findings)) {
    for (const [key, value] of Object.entries(findings)) {
      if (typeof value === 'string' && LOCATION_KEY.test(key)) lead.push(value);
      if (isRecord(value) && /company|firm|organi[sz]ation/i.test(key)) {
        for (const [k, v] of Object.entries(value)) if (typeof v === 'string' && LOCATION_KEY.test(k)) company.push(v);
      }
      if (isRecord(value) && /lead|person|contact/i.test(key)) {
        for (const [k, v] of Object.entries(value)) if (typeof v === 'string' && LOCATION_KEY.test(k)) lead.push(v);
      }
    }
    const fit = findings.fit;
    if (isRecord(fit) && Array.isArray(fit.criteria)) {
      for (const c of fit.criteria) {
        if (!isRecord(c) || c.criterion !== 'geography') continue;
        for (const [k, v] of Object.entries(c)) if (typeof v === 'string' && k !== 'criterion' && k !== 'assessment') company.push(v);
      }
    }
  }
  for (const f of research.facts) {
    if (f.category === 'firmographic') company.push(`${f.claim}. ${f.quote}`);
  }
  return { lead, company };
}

/** How firmly a text says where someone sits: 0 an address or head office, 1 where they are based or were founded, 2 anything else. */
function placeWeight(text: string): number {
  if (/\baddress\b|headquarter|\bhq\b|head office|registered (?:office|in)/i.test(text)) return 0;
  if (/\bbased in\b|\bfounded in\b|\blocated in\b/i.test(text)) return 1;
  return 2;
}

/**
 * The lead's zone: from what its research says about the lead, else about its company, else
 * the workspace's (the rep's onboarding time zone). Within each, an address or head office
 * first, then where it is based or was founded, then any other text, each in the order given.
 */
export function resolveTimeZone(input: { lead: string[]; company: string[]; workspace: string }): ResolvedZone {
  for (const source of ['lead', 'company'] as const) {
    // a text that gives an address or a head office before one that mentions a place in passing
    // ("opened its first US office in New York" is not where BeaconHQ sits)
    const texts = [...input[source]].sort((a, b) => placeWeight(a) - placeWeight(b));
    for (const text of texts) {
      const found = zoneFromText(text);
      if (found) return { zone: found.zone, source, because: found.because };
    }
  }
  requireZone(input.workspace);
  return { zone: input.workspace, source: 'workspace', because: 'no place in the research' };
}

// ---- caps, warm-up, spacing --------------------------------------------------------------------

/**
 * The warm-up ramp of a new mailbox: 5 a day in its first week, doubling each week (10, 20,
 * 40, ...) until it reaches the mailbox's own cap. Providers judge a new sender by its volume
 * growing slowly; an established mailbox (`warmupStartedAt` null) has its full cap at once.
 */
export const WARMUP_FIRST_WEEK = 5;

/** A mailbox's sending limits as stored. */
export interface MailboxLimits {
  dailyCap: number;
  perDomainDailyCap: number;
  minSpacingSeconds: number;
  warmupStartedAt: Date | null;
}

/** The cap in force at `now`: the warm-up ramp's value, never above the mailbox's cap. */
export function effectiveDailyCap(limits: Pick<MailboxLimits, 'dailyCap' | 'warmupStartedAt'>, now: Date): number {
  if (!limits.warmupStartedAt) return limits.dailyCap;
  const days = Math.max(0, Math.floor((now.getTime() - limits.warmupStartedAt.getTime()) / 86_400_000));
  const week = Math.floor(days / 7);
  // 2^week overflows to Infinity long after any cap; min() keeps it finite
  return Math.min(limits.dailyCap, WARMUP_FIRST_WEEK * 2 ** Math.min(week, 20));
}

/** The domain cap in force: never above the (warming) daily cap. */
export function effectiveDomainCap(limits: MailboxLimits, now: Date): number {
  return Math.min(limits.perDomainDailyCap, effectiveDailyCap(limits, now));
}

/** The gap to wait after a send: the minimum plus up to half of it again, at random. */
export function spacingSeconds(minSpacingSeconds: number, random: Random): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random source gave ${r}, not a number in [0, 1)`);
  return minSpacingSeconds + Math.floor(r * (minSpacingSeconds / 2 + 1));
}

/**
 * What a mailbox and a recipient domain have used in the last 24 hours (a rolling day: no
 * burst at midnight), with the oldest of those sends so the outbox can say when room frees up.
 */
export interface Usage {
  mailboxSends: number;
  oldestMailboxSend: Date | null;
  domainSends: number;
  oldestDomainSend: Date | null;
  /** the mailbox's last claim plus its randomised spacing */
  nextSendAt: Date | null;
}

export type Verdict =
  | { ok: true }
  | { ok: false; rule: 'window' | 'mailbox_cap' | 'domain_cap' | 'spacing'; reason: string; next: Date };

const DAY_MS = 86_400_000;

/**
 * Whether one message may go at `now`, and if not, why and when it next may. Checked in the
 * order a rep would fix them: the lead's window, the mailbox's cap, the domain's cap, spacing.
 * A "next" moment is always inside the lead's window.
 */
export function checkSend(input: {
  now: Date;
  window: SendWindow;
  zone: string;
  limits: MailboxLimits;
  usage: Usage;
  recipientDomain: string;
}): Verdict {
  const { now, window, zone, limits, usage } = input;
  const nextFrom = (at: Date) => nextSlot(at, window, zone).start;
  const when = (at: Date) => `next ${localTime(at, zone)} ${zone}`;
  const { inside, slot } = windowSlot(now, window, zone);
  if (!inside) {
    return { ok: false, rule: 'window', reason: `outside ${describeWindow(window, zone)}; next ${localTime(slot.start, zone)}`, next: slot.start };
  }
  const cap = effectiveDailyCap(limits, now);
  if (usage.mailboxSends >= cap) {
    const next = nextFrom(new Date((usage.oldestMailboxSend ?? now).getTime() + DAY_MS));
    const ramp = cap < limits.dailyCap ? ` (warm-up: ${cap} a day now, ${limits.dailyCap} when warmed up)` : '';
    return { ok: false, rule: 'mailbox_cap', reason: `mailbox cap reached: ${usage.mailboxSends} of ${cap} in 24 h${ramp}; ${when(next)}`, next };
  }
  const domainCap = effectiveDomainCap(limits, now);
  if (usage.domainSends >= domainCap) {
    const next = nextFrom(new Date((usage.oldestDomainSend ?? now).getTime() + DAY_MS));
    return {
      ok: false,
      rule: 'domain_cap',
      reason: `${input.recipientDomain} cap reached: ${usage.domainSends} of ${domainCap} in 24 h; ${when(next)}`,
      next,
    };
  }
  if (usage.nextSendAt && usage.nextSendAt.getTime() > now.getTime()) {
    const next = nextFrom(usage.nextSendAt);
    return { ok: false, rule: 'spacing', reason: `spacing between sends from this mailbox; ${when(next)}`, next };
  }
  return { ok: true };
}
