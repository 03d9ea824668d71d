/**
 * Pass 0 of research: signals read off a page without an LLM. Organisation facts from JSON-LD,
 * social profiles from links, technologies from script sources and markup, hiring, pricing and
 * locations from the cleaned text. Emails and phone numbers are never collected: research works
 * on companies, not on people's contact data.
 */
import { addressLine, findOrganization, jsonLdNodes, jsonLdTypes, type CleanedPage } from './clean.ts';
import { classifyPage, type PageKind } from './discover.ts';

export interface OrganizationSignal {
  name?: string;
  legalName?: string;
  url?: string;
  foundingDate?: string;
  numberOfEmployees?: string;
  /** one-line address (street, locality, region, postal code, country) */
  address?: string;
  locality?: string;
  country?: string;
  sameAs: string[];
}

export type SocialNetwork = 'linkedin' | 'x' | 'github' | 'youtube' | 'facebook' | 'instagram';

export interface TechnologySignal {
  name: string;
  category: 'analytics' | 'tag-manager' | 'marketing-automation' | 'chat' | 'support' | 'payments' | 'ecommerce' | 'cms' | 'framework';
  /** the matched script source or markup, shortened */
  evidence: string;
}

export type PricingModel = 'per_seat' | 'usage' | 'tiers' | 'contact_sales' | 'free_trial' | 'freemium';

export interface Signals {
  url: string;
  kind: PageKind;
  organization: OrganizationSignal | null;
  social: Partial<Record<SocialNetwork, string>>;
  technologies: TechnologySignal[];
  hiring: {
    hiring: boolean;
    jobTitles: string[];
    /** job entries listed on the page (a title open in two places counts twice) */
    jobCount: number;
    /** applicant-tracking systems the site links to (Greenhouse, Lever, ...) */
    atsProviders: string[];
  };
  pricing: {
    present: boolean;
    models: PricingModel[];
    /** price points as written ("$29/user/month"), in page order */
    prices: string[];
    /** tier names seen as headings or table headers */
    tiers: string[];
  };
  /** places the company says it is: JSON-LD addresses, "offices in …", "headquartered in …" */
  locations: string[];
}

export interface SignalOptions {
  /** discovery's guess; undefined infers it from the URL */
  kind?: PageKind;
}

// ---------------------------------------------------------------------------------------------
// Privacy: nothing that looks like an email address or phone number leaves this module.

const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const PHONE_LIKE = /(\+|\b00)?\d[\d\s().\/-]{6,}\d/g;

/** A phone number has an international prefix or nine digits or more; dates have eight. */
function isPhone(m: string): boolean {
  return /^(\+|00)/.test(m) || m.replace(/\D/g, '').length >= 9;
}

function scrub(s: string): string {
  return s
    .replace(EMAIL, '')
    .replace(PHONE_LIKE, (m) => (isPhone(m) ? '' : m))
    .replace(/\s{2,}/g, ' ')
    .replace(/[\s,;]+$/, '')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Organisation

function text(v: unknown): string {
  if (typeof v === 'string') return v.replace(/\s+/g, ' ').trim();
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(text).filter(Boolean).join(', ');
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.value !== undefined) return text(o.value);
    if (o.name !== undefined) return text(o.name);
    if (o.minValue !== undefined || o.maxValue !== undefined) return [text(o.minValue), text(o.maxValue)].filter(Boolean).join('-');
  }
  return '';
}

function firstAddress(v: unknown): Record<string, unknown> | null {
  const list = Array.isArray(v) ? v : [v];
  for (const a of list) if (a && typeof a === 'object') return a as Record<string, unknown>;
  return null;
}

function organization(jsonLd: unknown[]): OrganizationSignal | null {
  const org = findOrganization(jsonLd);
  if (!org) return null;
  const out: Omit<OrganizationSignal, 'sameAs'> = {};
  const set = (key: Exclude<keyof OrganizationSignal, 'sameAs'>, value: string): void => {
    const v = scrub(value);
    if (v) out[key] = v;
  };
  set('name', text(org.name));
  set('legalName', text(org.legalName));
  set('url', text(org.url));
  set('foundingDate', text(org.foundingDate));
  set('numberOfEmployees', text(org.numberOfEmployees));
  const addressValue = org.address ?? (org.location as Record<string, unknown> | undefined)?.address;
  set('address', addressLine(addressValue));
  const first = firstAddress(addressValue);
  if (first) {
    set('locality', text(first.addressLocality));
    set('country', text(first.addressCountry));
  }
  const sameAs = org.sameAs;
  const list = Array.isArray(sameAs) ? sameAs : sameAs ? [sameAs] : [];
  return { ...out, sameAs: [...new Set(list.filter((s): s is string => typeof s === 'string' && /^https?:\/\//i.test(s)).map((s) => s.trim()))] };
}

// ---------------------------------------------------------------------------------------------
// Social profiles

interface SocialRule {
  network: SocialNetwork;
  host: RegExp;
  /** turns a link path into the profile URL, or null when the link is a share button, a post... */
  profile: (segments: string[]) => string | null;
}

const SOCIAL_RULES: SocialRule[] = [
  {
    network: 'linkedin',
    host: /(^|\.)linkedin\.com$/,
    profile: (s) => (s.length >= 2 && /^(company|school|showcase)$/.test(s[0]) ? `https://www.linkedin.com/${s[0]}/${s[1]}` : null),
  },
  {
    network: 'x',
    host: /(^|\.)(twitter|x)\.com$/,
    profile: (s) =>
      s.length >= 1 && /^@?\w{1,15}$/.test(s[0]) && !/^(intent|share|home|search|hashtag|i|login|signup|privacy|tos|explore|settings|messages|notifications)$/i.test(s[0])
        ? `https://x.com/${s[0].replace(/^@/, '')}`
        : null,
  },
  {
    network: 'github',
    host: /^(www\.)?github\.com$/,
    profile: (s) =>
      s.length >= 1 && !/^(features|pricing|login|join|sponsors|about|marketplace|topics|collections|trending|explore|site|security|enterprise|orgs|apps|settings|search|contact)$/i.test(s[0])
        ? `https://github.com/${s[0]}`
        : null,
  },
  {
    network: 'youtube',
    host: /(^|\.)youtube\.com$/,
    profile: (s) => {
      if (s.length >= 1 && s[0].startsWith('@')) return `https://www.youtube.com/${s[0]}`;
      if (s.length >= 2 && /^(channel|c|user)$/.test(s[0])) return `https://www.youtube.com/${s[0]}/${s[1]}`;
      return null;
    },
  },
  {
    network: 'facebook',
    host: /(^|\.)facebook\.com$/,
    profile: (s) =>
      s.length >= 1 && !/^(sharer(\.php)?|share(\.php)?|dialog|plugins|tr|login|groups|events|watch|hashtag|photo(\.php)?|permalink\.php|story\.php|profile\.php)$/i.test(s[0])
        ? `https://www.facebook.com/${s[0]}`
        : null,
  },
  {
    network: 'instagram',
    host: /(^|\.)instagram\.com$/,
    profile: (s) => (s.length >= 1 && !/^(p|reel|reels|explore|stories|accounts|tv)$/i.test(s[0]) ? `https://www.instagram.com/${s[0]}` : null),
  },
];

function social(links: { href: string }[], sameAs: string[]): Partial<Record<SocialNetwork, string>> {
  const out: Partial<Record<SocialNetwork, string>> = {};
  // the organisation's own sameAs list is the most reliable, then links in page order
  for (const href of [...sameAs, ...links.map((l) => l.href)]) {
    let u: URL;
    try {
      u = new URL(href);
    } catch {
      continue;
    }
    const host = u.hostname.toLowerCase();
    const segments = u.pathname.split('/').filter(Boolean);
    for (const rule of SOCIAL_RULES) {
      if (out[rule.network] || !rule.host.test(host)) continue;
      const profile = rule.profile(segments);
      if (profile) out[rule.network] = profile;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Technologies: one row per product; `src` is tested on script/link URLs, `markup` on the HTML.

interface TechRule {
  name: string;
  category: TechnologySignal['category'];
  src?: RegExp;
  markup?: RegExp;
}

const TECH_RULES: TechRule[] = [
  { name: 'Google Tag Manager', category: 'tag-manager', src: /googletagmanager\.com\/gtm\.js/i, markup: /\bGTM-[A-Z0-9]{4,9}\b/ },
  { name: 'Google Analytics', category: 'analytics', src: /google-analytics\.com\/(analytics|ga|urchin)\.js|googletagmanager\.com\/gtag\/js/i, markup: /\bgtag\(\s*['"]config['"]\s*,\s*['"](G|UA)-|\bUA-\d{4,10}-\d{1,4}\b|GoogleAnalyticsObject/ },
  { name: 'Segment', category: 'analytics', src: /cdn\.segment\.(com|io)\/analytics\.js/i, markup: /analytics\.load\(\s*['"][A-Za-z0-9]{10,}['"]/ },
  { name: 'HubSpot', category: 'marketing-automation', src: /js\.hs-scripts\.com|js\.hsforms\.net|js\.hs-analytics\.net|js\.hubspot\.com|js\.usemessages\.com/i, markup: /hbspt\.forms\.create|_hsq\.push/ },
  { name: 'Intercom', category: 'chat', src: /widget\.intercom\.io|js\.intercomcdn\.com/i, markup: /intercomSettings|Intercom\(\s*['"]boot['"]/ },
  { name: 'Drift', category: 'chat', src: /js\.driftt\.com|js\.drift\.com/i, markup: /drift\.load\(|driftt\.com\/include/ },
  { name: 'Zendesk', category: 'support', src: /static\.zdassets\.com|\.zendesk\.com\/embeddable|zopim\.com/i, markup: /zESettings|ze-snippet/ },
  { name: 'Stripe', category: 'payments', src: /js\.stripe\.com/i, markup: /Stripe\(\s*['"]pk_(live|test)_/ },
  { name: 'Shopify', category: 'ecommerce', src: /cdn\.shopify\.com|shopifycdn\.com/i, markup: /Shopify\.theme|window\.Shopify\b|myshopify\.com/ },
  { name: 'WordPress', category: 'cms', src: /\/wp-(content|includes)\//i, markup: /<meta[^>]+name=["']generator["'][^>]+WordPress|\/wp-json\// },
  { name: 'Webflow', category: 'cms', src: /website-files\.com|webflow\.(js|com)|assets\.website-files/i, markup: /\bdata-wf-(page|site)=|<meta[^>]+content=["']Webflow["']/ },
  { name: 'React', category: 'framework', src: /react(-dom)?(\.production)?(\.min)?\.js/i, markup: /\bdata-reactroot\b|\bdata-reactid=|__REACT_DEVTOOLS|\b_reactListening/ },
  { name: 'Next.js', category: 'framework', src: /\/_next\/static\//i, markup: /<script[^>]+id=["']__NEXT_DATA__["']|self\.__next_f/ },
  { name: 'Salesforce Pardot', category: 'marketing-automation', src: /pi\.pardot\.com|pardot\.com\/pd\.js|cdn\.pardot\.com/i, markup: /\bpiAId\s*=|\bpiCId\s*=/ },
  { name: 'Salesforce', category: 'marketing-automation', src: /\.force\.com\/|salesforceliveagent\.com|\.my\.salesforce\.com/i, markup: /embedded_svc\.init|webto(lead|case)\.salesforce\.com/i },
  { name: 'Marketo', category: 'marketing-automation', src: /munchkin\.marketo\.net|\.marketo\.com\/js\/forms2/i, markup: /Munchkin\.init\(|MktoForms2\./ },
  { name: 'Hotjar', category: 'analytics', src: /static\.hotjar\.com/i, markup: /\bhjid\s*:\s*\d+|_hjSettings/ },
  { name: 'Mixpanel', category: 'analytics', src: /cdn\.mxpnl\.com|mixpanel-2-latest/i, markup: /mixpanel\.init\(/ },
  { name: 'Amplitude', category: 'analytics', src: /cdn\.amplitude\.com/i, markup: /amplitude\.getInstance\(\)\.init|amplitude\.init\(/ },
  { name: 'LinkedIn Insight', category: 'analytics', src: /snap\.licdn\.com\/li\.lms-analytics/i, markup: /_linkedin_partner_id/ },
  { name: 'Meta Pixel', category: 'analytics', src: /connect\.facebook\.net\/[^"']*fbevents\.js/i, markup: /fbq\(\s*['"]init['"]/ },
];

/** Scripts and linked resources: where third-party tools show up. */
function resourceUrls(html: string): string[] {
  const out: string[] = [];
  const re = /<(?:script|link|iframe)\b[^>]*?\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) out.push(m[1]);
  return out;
}

/** Technologies fingerprinted from a page's raw HTML (script sources and markup), by name. */
export function technologies(html: string): TechnologySignal[] {
  const urls = resourceUrls(html);
  const found: TechnologySignal[] = [];
  for (const rule of TECH_RULES) {
    let evidence = '';
    if (rule.src) {
      const hit = urls.find((u) => rule.src!.test(u));
      if (hit) evidence = hit;
    }
    if (!evidence && rule.markup) {
      const m = rule.markup.exec(html);
      if (m) evidence = m[0];
    }
    if (evidence) found.push({ name: rule.name, category: rule.category, evidence: scrub(evidence).slice(0, 120) });
  }
  // Next.js pages are React pages even when React itself left no trace
  if (found.some((t) => t.name === 'Next.js') && !found.some((t) => t.name === 'React')) {
    found.push({ name: 'React', category: 'framework', evidence: 'implied by Next.js' });
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Hiring

const ROLE_NOUN =
  /\b(engineer|developer|programmer|architect|designer|scientist|analyst|researcher|manager|director|head of [\p{L} &]+|vp|vice president|chief [\p{L} ]+ officer|officer|lead|specialist|coordinator|consultant|representative|executive|associate|intern|internship|administrator|recruiter|writer|editor|marketer|accountant|controller|counsel|lawyer|paralegal|technician|advocate|strategist|partner|sdr|bdr|devops|sre|qa|tester|support agent|agent|operator|assistant|trainee|apprentice|nurse|teacher|mechanic|electrician|driver|chef|cook)\b/iu;
const SENTENCE_START = /^(we|our|you|your|the|a|an|this|these|it|they|if|when|how|why|what|join|meet|built|trusted|help|get|learn|see|read|apply|view|explore|find|at|for|with|from|by|in|on|and|or)\b/i;
const HIRING_CUE = /\b(we'?re hiring|we are hiring|open (positions|roles|jobs)|job openings|current openings|join (our|the) team|careers at|work with us|see all jobs|view (all )?(open )?(jobs|roles|positions))\b/i;
const ATS: [string, RegExp][] = [
  ['Greenhouse', /(^|\.)greenhouse\.io$/],
  ['Lever', /(^|\.)lever\.co$/],
  ['Ashby', /(^|\.)ashbyhq\.com$/],
  ['Workable', /(^|\.)workable\.com$/],
  ['Recruitee', /(^|\.)recruitee\.com$/],
  ['BambooHR', /(^|\.)bamboohr\.com$/],
  ['Breezy HR', /(^|\.)breezy\.hr$/],
  ['Teamtailor', /(^|\.)teamtailor\.com$/],
  ['Personio', /(^|\.)jobs\.personio\.(de|com)$/],
  ['SmartRecruiters', /(^|\.)smartrecruiters\.com$/],
  ['Workday', /(^|\.)myworkdayjobs\.com$/],
  ['Jobvite', /(^|\.)jobvite\.com$/],
  ['iCIMS', /(^|\.)icims\.com$/],
  ['JazzHR', /(^|\.)applytojob\.com$/],
  ['Join', /^join\.com$/],
];

const NO_OPENINGS = /\bno (current |open )?(openings|open roles|roles|positions|vacancies)\b/i;
/** Separators between a job's title and its team, place or contract in job lists. */
const JOB_SEPARATOR = / — | · | \| | – | - |\t/;
const JOB_TABLE_HEADER = /^(position|role|title|job|opening|vacancy|job title|open role)s?$/i;

/** A job line's title part: before " — ", " · ", " | ", " - ". */
function titlePart(line: string): string {
  return line
    .replace(/^(#{1,6} |- |> |\| )/, '')
    .split(JOB_SEPARATOR)[0]
    .replace(/[|*]+$/, '')
    .trim();
}

/** Shape of a title: a few capitalised words, not a sentence. */
function titleShaped(candidate: string): boolean {
  if (candidate.length < 3 || candidate.length > 70) return false;
  if (/[.!?:]$/.test(candidate) || SENTENCE_START.test(candidate)) return false;
  if (candidate.split(/\s+/).length > 8) return false;
  return /^[\p{Lu}\d]/u.test(candidate);
}

function looksLikeJobTitle(candidate: string): boolean {
  if (!titleShaped(candidate)) return false;
  // plural role nouns ("engineers") are audiences, not openings
  if (/\b(engineers|developers|designers|managers|teams|leaders|marketers)\b/i.test(candidate)) return false;
  return ROLE_NOUN.test(candidate);
}

/** Job titles listed in the text: headings, list items and rows of a jobs table. */
function listedJobs(lines: string[], careersPage: boolean): string[] {
  const found: string[] = [];
  let jobTable = false;
  for (const line of lines) {
    if (line.startsWith('| ')) {
      const cells = line.split('|').map((c) => c.trim()).filter(Boolean);
      if (cells.some((c) => JOB_TABLE_HEADER.test(c))) {
        jobTable = true;
        continue;
      }
      const title = cells[0] ?? '';
      if (looksLikeJobTitle(title) || (careersPage && jobTable && titleShaped(title))) found.push(title);
      continue;
    }
    jobTable = false;
    if (!/^(#{1,6} |- )/.test(line)) continue;
    const title = titlePart(line);
    // on a careers page "Title — Team · Place" is a job whatever the title's words
    const structured = careersPage && line.startsWith('- ') && JOB_SEPARATOR.test(line.slice(2));
    if (looksLikeJobTitle(title) || (structured && titleShaped(title))) found.push(title);
  }
  return found;
}

function hiring(cleaned: CleanedPage, kind: PageKind, jsonLd: unknown[]): Signals['hiring'] {
  const postings = jsonLdNodes(jsonLd).filter((n) => jsonLdTypes(n).includes('JobPosting'));
  const titles: string[] = postings.map((p) => text(p.title)).filter(Boolean);
  let count = postings.length;

  const body = cleaned.text.split('\n').filter((l) => !/^(Title|Description|Organization): /.test(l));
  const cue = HIRING_CUE.test(cleaned.text) && !NO_OPENINGS.test(cleaned.text);
  const listsRoles = kind === 'careers' || (kind !== 'team' && cue);
  if (listsRoles && !postings.length) {
    const found = listedJobs(body, kind === 'careers');
    // elsewhere, one title-like line is more likely a person's role than an opening
    if (kind === 'careers' || found.length >= 2) {
      titles.push(...found);
      count += found.length;
    }
  }

  const ats = new Set<string>();
  for (const link of cleaned.links) {
    let host: string;
    try {
      host = new URL(link.href).hostname.toLowerCase();
    } catch {
      continue;
    }
    for (const [name, re] of ATS) if (re.test(host)) ats.add(name);
  }
  const jobTitles = [...new Set(titles.map(scrub).filter(Boolean))].slice(0, 100);
  return {
    hiring: count > 0 || (kind === 'careers' && cue),
    jobTitles,
    jobCount: count,
    atsProviders: [...ats].sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// Pricing

const AMOUNT = String.raw`(?:[$€£¥₹]\s?\d[\d,.]*\d|[$€£¥₹]\s?\d|\b(?:USD|EUR|GBP|CHF|CAD|AUD)\s?\d[\d,.]*|\d[\d,.]*\s?(?:€|\b(?:EUR|USD|CHF|GBP)\b))`;
/** "£55M", "$1.2 billion": funding and revenue figures, not prices. */
const MAGNITUDE = String.raw`(?:\s?(?:[kKmMbB]n?|[Mm]illion|[Bb]illion|[Tt]housand)\b)`;
const UNIT = String.raw`(?:\s*(?:\/|[Pp]er|a|an)\s*(?:user|seat|member|agent|editor|licen[cs]e|month|mo|year|yr|annum|hour|hr|week|day|GB|TB|gb|request|call|transaction|declaration|shipment|pallet|container|order|contact|employee|location|mile|km|kg|lb|load|1,?000|k)s?\b\.?)`;
const PRICE = new RegExp(`${AMOUNT}(${MAGNITUDE})?(${UNIT}*)`, 'g');
const PER_SEAT = /\b(per|\/)\s*(user|seat|member|agent|editor|license|licence|head|employee)s?\b|\bper[- ]seat\b|\buser\/month\b/i;
const USAGE =
  /\b(per|\/)\s*(request|api call|call|gb|mb|tb|minute|min|transaction|event|message|email|sms|contact|1,?000|thousand|million|unit|credit|token|invocation|execution|task|run|declaration|shipment|pallet|container|order|mile|km|kg|lb|load)s?\b|\bpay[- ]as[- ]you[- ]go\b|\busage[- ]based\b|\bmetered\b|\bpay (only )?for what you use\b/i;
const CONTACT_SALES = /\b(contact|talk to|speak (to|with)|chat with) (sales|our sales team|us for pricing)\b|\bcustom (pricing|quote|plan)\b|\brequest a (quote|demo)\b|\bget a quote\b|\bbook a demo\b|\blet'?s talk\b/i;
const FREE_TRIAL = /\bfree trial\b|\b\d+[- ]day (free )?trial\b|\btry (it )?(\w+ )?(for )?free\b|\bstart (your |a )?(free )?trial\b/i;
const FREEMIUM = /\bfree (plan|tier|forever|edition|version)\b|\bforever free\b|\bfree for(ever| up to| individuals| small teams)\b|(^|\s)[$€£]0(\s|\/|$)/im;
const TIER_NAME =
  /^(free|starter|start|basic|lite|essential|essentials|standard|plus|pro|professional|premium|team|teams|business|growth|scale|scale-up|advanced|ultimate|enterprise|startup|individual|personal|hobby|creator|agency|unlimited|elite|core|launch|pro plus|business plus|enterprise plus)$/i;

/** Pages whose amounts are salaries, funding rounds or budgets rather than prices. */
const NO_PRICE_KINDS = new Set<PageKind>(['careers', 'team', 'news']);

function pricing(cleaned: CleanedPage, kind: PageKind): Signals['pricing'] {
  if (NO_PRICE_KINDS.has(kind)) return { present: false, models: [], prices: [], tiers: [] };
  const body = cleaned.text
    .split('\n')
    .filter((l) => !/^(Title|Description|Organization): /.test(l))
    .join('\n');
  const prices: string[] = [];
  for (const m of body.matchAll(PRICE)) {
    const unit = Boolean(m[2]?.trim());
    if (m[1]) continue;
    // off the pricing page a bare amount is a figure in a story, not a price
    if (kind !== 'pricing' && !unit) continue;
    const p = m[0].replace(/\s+/g, ' ').replace(/\.$/, '').trim();
    if (!prices.includes(p) && prices.length < 30) prices.push(p);
  }
  const tiers: string[] = [];
  let previous = '';
  for (const line of body.split('\n')) {
    let candidates: string[] = [];
    if (/^#{1,6} /.test(line)) candidates = [line.replace(/^#{1,6} /, '')];
    // of a table only its header row names plans; the cells below are values ("Unlimited")
    else if (line.startsWith('| ') && !previous.startsWith('| ')) candidates = line.split('|').map((c) => c.trim());
    else if (/^- /.test(line)) candidates = [titlePart(line)];
    previous = line;
    for (const c of candidates) {
      const name = c.replace(/\s+(plan|tier)$/i, '').trim();
      if (TIER_NAME.test(name) && !tiers.some((t) => t.toLowerCase() === name.toLowerCase())) tiers.push(name);
    }
  }
  const models: PricingModel[] = [];
  const moneyContext = prices.length > 0 || kind === 'pricing';
  if (moneyContext && PER_SEAT.test(body)) models.push('per_seat');
  if (moneyContext && USAGE.test(body)) models.push('usage');
  if (tiers.length >= 2 || (kind === 'pricing' && prices.length >= 2)) models.push('tiers');
  if ((kind === 'pricing' || tiers.length >= 2 || prices.length > 0) && CONTACT_SALES.test(body)) models.push('contact_sales');
  if (FREE_TRIAL.test(body)) models.push('free_trial');
  if (FREEMIUM.test(body) || tiers.some((t) => /^free$/i.test(t))) models.push('freemium');
  // a trial button alone is a model hint, not pricing on the page
  const present = kind === 'pricing' || prices.length > 0 || tiers.length >= 2;
  return { present, models, prices, tiers: tiers.length >= 2 ? tiers : [] };
}

// ---------------------------------------------------------------------------------------------
// Locations

const PLACE = "[\\p{Lu}][\\p{L}.'’-]*(?:\\s(?:[\\p{Lu}][\\p{L}.'’-]*|de|del|am|upon|on|la|le))*";
const PLACE_LIST = `${PLACE}(?:\\s?(?:,|and|&|\\/)\\s?${PLACE})*`;
const LOCATION_CUES = new RegExp(
  `\\b(?:offices? (?:in|across)|headquartered in|headquarters in|based in|HQ in|hubs? in|located in|studios? in|teams? in)\\s+(?:the\\s+)?(${PLACE_LIST})`,
  'gu',
);
const LOCATION_LABEL = new RegExp(`\\b(?:Headquarters|HQ|Offices|Locations)\\s*:\\s*(${PLACE_LIST})`, 'gu');

function locations(cleaned: CleanedPage, jsonLd: unknown[]): string[] {
  const out: string[] = [];
  const add = (place: string): void => {
    // a place ends where its sentence does ("… and Shanghai. We ship …")
    const p = scrub(place.replace(/\s+/g, ' ').replace(/^(the|and)\s+/i, '').split(/\.\s/)[0].replace(/\.+$/, '').trim());
    if (p.length >= 2 && p.length <= 120 && !out.some((o) => o.toLowerCase() === p.toLowerCase())) out.push(p);
  };
  for (const node of jsonLdNodes(jsonLd)) {
    if (node.address) {
      const line = addressLine(node.address);
      if (line) add(line);
    }
    if (jsonLdTypes(node).includes('PostalAddress')) {
      const line = addressLine(node);
      if (line) add(line);
    }
  }
  const body = cleaned.text
    .split('\n')
    .filter((l) => !/^(Title|Description): /.test(l))
    .join('\n');
  for (const re of [LOCATION_CUES, LOCATION_LABEL]) {
    for (const m of body.matchAll(re)) {
      for (const place of m[1].split(/\s?(?:,|\band\b|&|\/)\s?/)) add(place);
    }
  }
  return out.slice(0, 30);
}

// ---------------------------------------------------------------------------------------------

/** Signals from one page, without an LLM: organisation, socials, tech, hiring, pricing, places. */
export function extractSignals(html: string, url: string, cleaned: CleanedPage, options: SignalOptions = {}): Signals {
  const kind = options.kind ?? classifyPage(url, cleaned.title);
  const org = organization(cleaned.jsonLd);
  return {
    url,
    kind,
    organization: org,
    social: social(cleaned.links, org?.sameAs ?? []),
    technologies: technologies(html),
    hiring: hiring(cleaned, kind, cleaned.jsonLd),
    pricing: pricing(cleaned, kind),
    locations: locations(cleaned, cleaned.jsonLd),
  };
}
