/**
 * Page discovery: from the links of a company's homepage, pick the few pages a sales rep would
 * read (about, pricing, customers, careers, news, product, team, contact), one per kind first,
 * same site only, in the order worth fetching. Budget left over goes to other same-site pages
 * ranked by relevance to the ICP (its terms in the path or anchor text) and page-kind priors
 * (locations, integrations, industries served...).
 */

/** What a page of a company site is about, as far as its URL and anchor text tell. */
export type PageKind =
  | 'home'
  | 'about'
  | 'product'
  | 'pricing'
  | 'customers'
  | 'careers'
  | 'news'
  | 'team'
  | 'contact'
  | 'other';

export interface DiscoveredPage {
  url: string;
  kind: PageKind;
  score: number;
}

export interface DiscoverOptions {
  /** pages to return including the homepage; default 6 */
  maxPages?: number;
  /**
   * Terms of the ICP (keywords, industries, technologies, triggers). When the pages a rep always
   * reads leave budget over, other same-site links are ranked by these and by page-kind priors.
   */
  relevanceTerms?: readonly string[];
}

/** Value to a sales rep, highest first; the order also breaks ties between kinds. */
const KIND_PRIORITY: readonly PageKind[] = ['about', 'pricing', 'customers', 'careers', 'news', 'product', 'team', 'contact'];
const KIND_BASE: Record<PageKind, number> = {
  home: 1000,
  about: 100,
  pricing: 90,
  customers: 80,
  careers: 70,
  news: 60,
  product: 50,
  team: 40,
  contact: 30,
  other: 0,
};

/**
 * Path segments (or their first dash-separated words, e.g. "about-us", "case-studies") per kind.
 * Checked from the last segment backwards so /company/careers is careers, /about/team is team.
 */
const PATH_WORDS: [PageKind, readonly string[]][] = [
  ['careers', ['careers', 'career', 'jobs', 'job', 'join-us', 'joinus', 'join-the-team', 'work-with-us', 'hiring', 'were-hiring', 'open-positions', 'openings', 'vacancies', 'positions']],
  ['pricing', ['pricing', 'plans', 'plans-and-pricing', 'plans-pricing', 'prices', 'price']],
  ['customers', ['customers', 'customer-stories', 'case-studies', 'case-study', 'casestudies', 'testimonials', 'success-stories', 'clients', 'our-clients', 'our-customers', 'stories']],
  ['team', ['team', 'our-team', 'leadership', 'people', 'management', 'founders', 'meet-the-team', 'board']],
  ['about', ['about', 'about-us', 'aboutus', 'company', 'who-we-are', 'our-story', 'story', 'mission', 'our-mission']],
  ['news', ['news', 'blog', 'press', 'newsroom', 'press-releases', 'media', 'announcements', 'updates', 'insights']],
  ['product', ['product', 'products', 'platform', 'features', 'feature', 'solutions', 'solution', 'how-it-works', 'services', 'tour', 'overview']],
  ['contact', ['contact', 'contact-us', 'contactus', 'get-in-touch', 'talk-to-sales', 'contact-sales', 'request-demo', 'book-demo', 'demo']],
];

/** Anchor texts per kind, matched as whole phrases inside the normalised text. */
const TEXT_PHRASES: [PageKind, RegExp][] = [
  ['careers', /\b(careers?|jobs|join us|join our team|join the team|we're hiring|we are hiring|work with us|open (positions|roles)|vacancies)\b/],
  ['pricing', /\b(pricing|plans|prices)\b/],
  ['customers', /\b(customers|customer stories|case stud(y|ies)|testimonials|success stories|clients)\b/],
  ['team', /\b(team|leadership|our people|management|founders)\b/],
  ['about', /\b(about|about us|company|who we are|our story|our mission)\b/],
  ['news', /\b(news|blog|press|newsroom|media|announcements)\b/],
  ['product', /\b(products?|platform|features|solutions|how it works|services)\b/],
  ['contact', /\b(contact|contact us|get in touch|talk to sales|contact sales)\b/],
];

/** Pages no rep needs (legal, auth, carts, feeds): never picked even when budget remains. */
const USELESS_PATH = /(^|\/)(privacy|privacy-policy|terms|terms-of-service|tos|legal|imprint|impressum|cookies?|cookie-policy|gdpr|login|log-in|signin|sign-in|signup|sign-up|register|account|cart|checkout|search|tag|tags|author|wp-admin|wp-login\.php|feed|rss|sitemap(\.xml)?)(\/|$)/;

const FILE_EXT = /\.(pdf|jpe?g|png|gif|webp|avif|svg|ico|bmp|tiff?|zip|gz|tgz|rar|7z|tar|bz2|dmg|exe|msi|pkg|deb|rpm|apk|ipa|mp4|m4v|mov|avi|wmv|webm|mkv|mp3|wav|ogg|flac|m4a|docx?|xlsx?|pptx?|odt|ods|odp|rtf|csv|json|xml|rss|atom|txt|css|js|mjs|map|woff2?|ttf|otf|eot|ics|vcf|epub)$/i;

/** Query parameters that only track the click; dropping them dedupes the same page. */
const TRACKING_PARAM = /^(utm_.*|gclid|gbraid|wbraid|dclid|fbclid|msclkid|yclid|igshid|mc_cid|mc_eid|_hsenc|_hsmi|hsctatracking|__hstc|__hssc|__hsfp|_ga|_gl|ref|ref_src|referrer|source|trk|trkinfo|si|spm|cmpid|campaign|s_kwcid|ef_id|vero_id|oly_enc_id|oly_anon_id|_branch_match_id|mkt_tok)$/i;

/**
 * Suffixes under which anyone can register a name (a small list covering the usual ccTLD
 * second levels and hosting platforms), so acme.co.uk and acme.github.io count as one site each.
 */
const MULTI_LABEL_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'ltd.uk', 'plc.uk', 'me.uk', 'net.uk',
  'com.au', 'net.au', 'org.au', 'edu.au', 'gov.au', 'co.nz', 'org.nz', 'net.nz',
  'co.jp', 'ne.jp', 'or.jp', 'ac.jp', 'co.kr', 'or.kr', 'com.cn', 'net.cn', 'org.cn', 'com.hk', 'com.tw', 'com.sg', 'com.my',
  'co.in', 'net.in', 'org.in', 'firm.in', 'co.za', 'org.za', 'co.il', 'org.il', 'com.br', 'net.br', 'org.br', 'com.mx', 'com.ar', 'com.co', 'com.pe', 'com.tr', 'com.ua', 'com.pl', 'co.id', 'com.ph', 'com.vn', 'co.th', 'com.eg', 'com.sa', 'com.ng', 'co.ke',
  'github.io', 'gitlab.io', 'herokuapp.com', 'vercel.app', 'netlify.app', 'pages.dev', 'web.app', 'firebaseapp.com', 'myshopify.com', 'webflow.io', 'wixsite.com', 'squarespace.com', 'wordpress.com', 'blogspot.com', 'azurewebsites.net', 'cloudfront.net', 'fly.dev', 'onrender.com', 'framer.website', 'carrd.co', 'notion.site', 'substack.com',
]);

/** The registrable domain (eTLD+1) of a host, lower-case, without a trailing dot. */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (/^[\d.]+$/.test(h) || h.includes(':')) return h;
  const labels = h.split('.');
  if (labels.length <= 2) return h;
  const lastTwo = labels.slice(-2).join('.');
  const take = MULTI_LABEL_SUFFIXES.has(lastTwo) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** True when two URLs belong to the same site (same registrable domain; www. is the same host). */
export function isSameSite(a: URL, b: URL): boolean {
  return registrableDomain(a.hostname) === registrableDomain(b.hostname);
}

/** Canonical fetchable form of a link (http(s), no fragment, no tracking params), or null. */
export function normalizePageUrl(href: string, base?: string): URL | null {
  let u: URL;
  try {
    u = base === undefined ? new URL(href) : new URL(href, base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password) return null;
  u.hash = '';
  const keep: [string, string][] = [];
  for (const [k, v] of u.searchParams) if (!TRACKING_PARAM.test(k)) keep.push([k, v]);
  u.search = keep.length ? '?' + new URLSearchParams(keep).toString() : '';
  u.hostname = u.hostname.toLowerCase();
  return u;
}

function dedupeKey(u: URL): string {
  const host = u.hostname.replace(/^www\./, '');
  const path = u.pathname.length > 1 ? u.pathname.replace(/\/+$/, '') : '/';
  return `${host}${path.toLowerCase()}${u.search}`;
}

function pathSegments(u: URL): string[] {
  return u.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => {
      let seg = s;
      try {
        seg = decodeURIComponent(s);
      } catch {
        // keep the raw segment when it is not valid percent-encoding
      }
      return seg.toLowerCase().replace(/\.(html?|php|aspx?|jsp)$/, '').replace(/[_\s]+/g, '-');
    });
}

function kindFromSegment(seg: string): PageKind | null {
  for (const [kind, words] of PATH_WORDS) {
    for (const w of words) {
      if (seg === w || seg.startsWith(w + '-')) return kind;
    }
  }
  return null;
}

function kindFromPath(u: URL): PageKind | null {
  const segs = pathSegments(u);
  for (let i = segs.length - 1; i >= 0; i--) {
    const k = kindFromSegment(segs[i]);
    if (k) return k;
  }
  return null;
}

function normaliseAnchorText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    .trim();
}

function kindFromText(text: string): PageKind | null {
  const t = normaliseAnchorText(text);
  // long anchor texts are sentences (blog teasers), not menu labels
  if (!t || t.split(' ').length > 6) return null;
  for (const [kind, re] of TEXT_PHRASES) if (re.test(t)) return kind;
  return null;
}

function isRootPath(u: URL): boolean {
  const segs = pathSegments(u).filter((s) => !/^(index|home|default)$/.test(s));
  // a bare locale (/en, /en-us, /de) is still the homepage
  return segs.length === 0 || (segs.length === 1 && /^[a-z]{2}(-[a-z]{2,4})?$/.test(segs[0]));
}

/** Kind of a page from its URL path (and anchor text when the path says nothing). */
export function classifyPage(url: string, text = ''): PageKind {
  const u = normalizePageUrl(url);
  if (!u) return 'other';
  if (isRootPath(u)) return 'home';
  return kindFromPath(u) ?? kindFromText(text) ?? 'other';
}

/**
 * Pages outside the usual kinds that often hold what a rep needs, by path segment or anchor
 * words, with their prior: where the company operates, what it connects to, whom it serves.
 */
const OTHER_PRIORS: [number, RegExp][] = [
  [30, /\b(locations?|offices?|facilities|facility|warehouses?|network|branches|sites|where we are|coverage|terminals?|depots?)\b/],
  [25, /\b(integrations?|partners?|connectors?|ecosystem|marketplace|apps|technology|tech stack)\b/],
  [20, /\b(industries|industry|sectors?|who we serve|use cases?|investors?|funding)\b/],
  [10, /\b(security|compliance|trust|sustainability|certifications?|awards?)\b/],
];

function otherScore(u: URL, text: string, terms: readonly string[]): number {
  const words = `${pathSegments(u).join(' ').replace(/-/g, ' ')} ${normaliseAnchorText(text)}`;
  let score = 0;
  for (const [prior, re] of OTHER_PRIORS) {
    if (re.test(words)) {
      score = prior;
      break;
    }
  }
  let hits = 0;
  for (const term of terms) {
    const t = normaliseAnchorText(term);
    if (t.length >= 3 && new RegExp(`(^|\\s)${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}s?(\\s|$)`).test(words)) hits++;
  }
  // a page named for what the ICP is about outranks any prior
  return score + 35 * Math.min(3, hits);
}

interface Candidate {
  url: string;
  key: string;
  kind: PageKind;
  score: number;
  order: number;
}

/** Pick the pages of a company site worth fetching after its homepage, best first. */
export function discoverPages(
  homeUrl: string,
  links: { href: string; text: string }[],
  options: DiscoverOptions = {},
): DiscoveredPage[] {
  const maxPages = Math.max(1, Math.floor(options.maxPages ?? 6));
  const home = normalizePageUrl(homeUrl);
  if (!home) return [];
  const homeKey = dedupeKey(home);
  const out: DiscoveredPage[] = [{ url: home.href, kind: 'home', score: KIND_BASE.home }];

  const byKey = new Map<string, Candidate>();
  const others = new Map<string, Candidate>();
  const terms = options.relevanceTerms ?? [];
  links.forEach((link, order) => {
    const u = normalizePageUrl(link.href, home.href);
    if (!u || !isSameSite(u, home)) return;
    if (FILE_EXT.test(u.pathname)) return;
    const key = dedupeKey(u);
    if (key === homeKey || isRootPath(u)) return;
    const path = u.pathname.toLowerCase();
    if (USELESS_PATH.test(path)) return;

    const byPath = kindFromPath(u);
    const byText = kindFromText(link.text ?? '');
    const kind = byPath ?? byText;
    const depth = pathSegments(u).filter((s) => !/^[a-z]{2}(-[a-z]{2,4})?$/.test(s)).length;
    if (!kind) {
      // not a page every rep reads: a candidate for budget left over, if it looks relevant
      let score = otherScore(u, link.text ?? '', terms);
      if (score <= 0) return;
      score -= 3 * Math.max(0, depth - 1) + (u.search ? 2 : 0);
      const prev = others.get(key);
      if (!prev || score > prev.score) others.set(key, { url: u.href, key, kind: 'other', score, order: prev?.order ?? order });
      return;
    }
    let score = KIND_BASE[kind];
    if (byPath === kind) score += 6;
    if (byText === kind) score += 4;
    // index pages (/careers) beat deep ones (/careers/senior-engineer-berlin)
    score -= 3 * Math.max(0, depth - 1);
    if (u.search) score -= 2;
    // another subdomain (jobs.acme.com) is the same company but often a third-party board
    if (u.hostname.replace(/^www\./, '') !== home.hostname.replace(/^www\./, '')) score -= 1;

    const prev = byKey.get(key);
    if (!prev) byKey.set(key, { url: u.href, key, kind, score, order });
    else if (score > prev.score) byKey.set(key, { ...prev, kind, score });
  });

  const sorted = [...byKey.values()].sort(
    (a, b) => b.score - a.score || a.order - b.order || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0),
  );
  const firsts: Candidate[] = [];
  const rest: Candidate[] = [];
  const seenKinds = new Set<PageKind>();
  for (const c of sorted) {
    if (seenKinds.has(c.kind)) rest.push(c);
    else {
      seenKinds.add(c.kind);
      firsts.push(c);
    }
  }
  firsts.sort((a, b) => KIND_PRIORITY.indexOf(a.kind) - KIND_PRIORITY.indexOf(b.kind));
  const extra = [...others.values()]
    .filter((c) => !byKey.has(c.key))
    .sort((a, b) => b.score - a.score || a.order - b.order || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  for (const c of [...firsts, ...rest, ...extra]) {
    if (out.length >= maxPages) break;
    out.push({ url: c.url, kind: c.kind, score: c.score });
  }
  return out;
}
