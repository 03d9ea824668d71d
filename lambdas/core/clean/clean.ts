/**
 * Page cleanup: turns a fetched HTML page into compact, quotable text for the research LLM plus
 * the evidence around it (metadata, JSON-LD, links).
 *
 * Article-like pages go through Readability on linkedom (same text as on jsdom, several times
 * faster). Company pages (home, pricing, careers, customers...) lose their hero lines, stats,
 * cards, logo strips and job lists there, so they get a structural extraction over the whole body
 * instead. Either way the text carries no URLs and no images: they cost tokens and the LLM cannot
 * quote them as evidence anyway.
 */
import { Readability } from '@mozilla/readability';
import { DOMParser } from 'linkedom';
import { parseLight } from './light-dom.ts';
import { classifyPage, type PageKind } from './discover.ts';

export type { PageKind } from './discover.ts';

export interface CleanOptions {
  /** discovery's guess; undefined infers it from the URL */
  kind?: PageKind;
  /** cap on `text` length; the cut falls on a block boundary */
  maxChars?: number;
  /**
   * The tree for pages Readability does not read: `lean` (the default, light-dom.ts) or
   * `linkedom`, as every page was parsed before; the text is the same either way.
   */
  dom?: 'lean' | 'linkedom';
}

export interface PageMetadata {
  canonical?: string;
  ogTitle?: string;
  ogDescription?: string;
  siteName?: string;
  lang?: string;
}

export interface PageLink {
  /** absolute http(s) URL */
  href: string;
  text: string;
}

export interface CleanedPage {
  title: string;
  description: string;
  /**
   * Markdown-ish plain text: a `Title:` / `Description:` / `Organization:` header block, then
   * headings as `# `, list items as `- `, table rows as `| a | b |`, blank lines between blocks.
   * No link URLs, no images.
   */
  text: string;
  metadata: PageMetadata;
  jsonLd: unknown[];
  links: PageLink[];
  method: 'readability' | 'homepage';
  chars: number;
}

/** Default cap on text: far above any article, a guard against pathological pages. */
const DEFAULT_MAX_CHARS = 200_000;
/** Cap on collected links: enough for discovery and social profiles on link-heavy pages. */
const MAX_LINKS = 1000;

/** Kinds whose pages are collections of cards, tables and lists rather than articles. */
const HOMEPAGE_KINDS = new Set<PageKind>(['home', 'pricing', 'careers', 'customers']);

// ---------------------------------------------------------------------------------------------
// Minimal DOM surface. The project compiles without the DOM lib, and linkedom's own typings do not
// line up with it, so the cleaner declares the little it touches.

interface DomNode {
  readonly nodeType: number;
  readonly firstChild: DomNode | null;
  readonly nextSibling: DomNode | null;
  readonly parentNode: DomNode | null;
  readonly textContent: string | null;
}

interface DomText extends DomNode {
  readonly data: string;
}

interface DomElement extends DomNode {
  readonly localName: string;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  remove(): void;
}

interface DomDocument {
  readonly documentElement: DomElement | null;
  readonly body: DomElement | null;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_NODE = 4;

function isElement(n: DomNode): n is DomElement {
  return n.nodeType === ELEMENT_NODE;
}

/**
 * Parses a page: with linkedom when Readability will read it, else into the lean tree
 * (light-dom.ts), which gives the cleaner the same nodes for a fraction of the cost.
 */
function parseHtml(html: string, forReadability: boolean): DomDocument {
  const parse = (markup: string) => (forReadability ? new DOMParser().parseFromString(markup, 'text/html') : parseLight(markup)) as unknown as DomDocument;
  const doc = parse(html);
  // linkedom builds no <html> for empty input or bare text, and its body getter then throws
  if (doc.documentElement) return doc;
  return parse(`<!DOCTYPE html><html><head></head><body>${html}</body></html>`);
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Collapse whitespace (incl. NBSP) to single spaces and trim. */
export function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Cookie-consent wording: lines like these never reach the text. */
const COOKIE_RE =
  /\b(we|this (web)?site|our (web)?site|site) (also )?uses? cookies\b|\bcookies? (policy|settings|preferences|consent|notice|banner|declaration)\b|\b(accept|allow|reject|decline|refuse|manage|customi[sz]e) (all |necessary |optional |essential )?cookies\b|\b(use|using) of cookies\b|\bconsent to (the use of |our use of )?cookies\b|\bby (continuing|clicking|browsing|using)\b[^.]{0,80}\b(cookies?|you (agree|consent|accept))\b|\bgdpr\b|\bccpa\b|\bdo not sell (or share )?my personal information\b/i;
/** Newsletter / subscription prompts. */
const NEWSLETTER_RE =
  /\b(subscribe|sign up|signup|sign-up|join|register) (to|for) (our|the) (free )?(weekly |monthly )?(newsletter|mailing list|email list|updates|digest)\b|\b(subscribe|join)( to)? our (newsletter|mailing list|email list|community newsletter)\b|\bnewsletter (sign[- ]?up|subscription)\b|\bget (our|the) (weekly |monthly )?newsletter\b|\benter your (work |business )?e-?mail( address)?\b|\b(delivered|straight|right|directly) (to|in)(to)? your inbox\b|\bunsubscribe at any time\b|\bno spam\b|^\W*subscribe( now| today| here)?\W*$/i;

function isBoilerplateLine(text: string): boolean {
  return text.length < 400 && (COOKIE_RE.test(text) || NEWSLETTER_RE.test(text));
}

// ---------------------------------------------------------------------------------------------
// Scan: one pass over the parsed page for metadata, JSON-LD, links and layout features.

interface PageScan {
  title: string;
  metas: Map<string, string>;
  canonical: string;
  baseHref: string;
  lang: string;
  jsonLdRaw: string[];
  anchors: { href: string; text: string }[];
  /** visible text characters in the body outside navigation, footers and forms */
  contentChars: number;
  /** the part of contentChars inside links (teasers, menus, related articles) */
  linkChars: number;
  headings: number;
  sections: number;
  cards: number;
  articles: number;
  /** outermost navigation and boilerplate containers of the body (menus, consent dialogs), to prune before Readability */
  chrome: DomElement[];
}

const SCAN_SKIP = new Set(['style', 'noscript', 'template', 'iframe', 'object', 'canvas']);
const SCAN_CHROME = new Set(['nav', 'footer', 'form', 'aside']);
const ROLE_CARRIERS = new Set(['div', 'ul', 'ol', 'section', 'header']);
/** Containers the scan judges as boilerplate (cookie dialogs, menus, newsletter boxes) before counting text. */
const SCAN_BOILERPLATE_CARRIERS = new Set(['div', 'section', 'dialog', 'ul', 'header', 'a']);
const CARD_CLASS = /card|tile|feature|pricing|plan|tier|stat|testimonial|logo|grid-item|column|benefit|usp/i;

function scanPage(doc: DomDocument): PageScan {
  const scan: PageScan = {
    title: '',
    metas: new Map(),
    canonical: '',
    baseHref: '',
    lang: '',
    jsonLdRaw: [],
    anchors: [],
    contentChars: 0,
    linkChars: 0,
    headings: 0,
    sections: 0,
    cards: 0,
    articles: 0,
    chrome: [],
  };
  const root = doc.documentElement;
  if (!root) return scan;
  scan.lang = collapse(root.getAttribute('lang') ?? root.getAttribute('xml:lang') ?? '');
  let titleSeen = false;
  let chromeDepth = 0;
  let linkDepth = 0;
  let mainDepth = 0;
  let inBody = false;

  const visit = (el: DomElement, depth: number): void => {
    const tag = el.localName;
    switch (tag) {
      case 'title':
        if (!titleSeen) {
          titleSeen = true;
          scan.title = collapse(el.textContent ?? '');
        }
        return;
      case 'meta': {
        const key = (el.getAttribute('property') ?? el.getAttribute('name') ?? el.getAttribute('itemprop') ?? '').toLowerCase().trim();
        const content = el.getAttribute('content');
        if (key && content != null && !scan.metas.has(key)) scan.metas.set(key, collapse(content));
        return;
      }
      case 'link': {
        const rel = (el.getAttribute('rel') ?? '').toLowerCase();
        if (!scan.canonical && /(^|\s)canonical(\s|$)/.test(rel)) scan.canonical = (el.getAttribute('href') ?? '').trim();
        return;
      }
      case 'base':
        if (!scan.baseHref) scan.baseHref = (el.getAttribute('href') ?? '').trim();
        return;
      case 'script': {
        const type = (el.getAttribute('type') ?? '').toLowerCase();
        if (type.includes('ld+json')) scan.jsonLdRaw.push(el.textContent ?? '');
        return;
      }
      case 'svg':
      case 'math':
        return;
      case 'a': {
        const href = el.getAttribute('href');
        if (href) scan.anchors.push({ href: href.trim(), text: anchorText(el) });
        break;
      }
      case 'body':
        inBody = true;
        break;
      case 'section':
        scan.sections++;
        break;
      case 'article':
        scan.articles++;
        break;
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6':
        if (inBody && chromeDepth === 0) scan.headings++;
        break;
      default:
        if (SCAN_SKIP.has(tag)) return;
    }
    if (inBody && chromeDepth === 0 && tag === 'div') {
      const cls = el.getAttribute('class');
      if (cls && CARD_CLASS.test(cls)) scan.cards++;
    }
    // landmark roles sit on generic containers; reading attributes of every span would cost time
    let chrome = SCAN_CHROME.has(tag);
    let prune = false;
    if (!chrome && ROLE_CARRIERS.has(tag)) {
      const role = el.getAttribute('role');
      chrome = role === 'navigation' || role === 'contentinfo';
    }
    // consent managers' preference centres, modals, mobile menus and footers rendered twice are
    // not the page's text either: counting them would make every article look gutted
    if (!chrome && inBody && chromeDepth === 0 && SCAN_BOILERPLATE_CARRIERS.has(tag)) {
      chrome = isBoilerplateElement(el, tag) || (tag === 'header' && isChromeHeader(el));
      // only what is never an article's text goes before Readability: a skip link or a "menu"
      // class can sit inside real articles
      prune = chrome && (isOverlayOrMenu(el) || (mainDepth === 0 && (tag === 'header' || isNewsletterBox(el))));
    } else if (inBody && chromeDepth > 0 && tag === 'div' && isOverlayOrMenu(el)) {
      // a mega-menu inside the navigation
      prune = true;
    }
    if (prune) scan.chrome.push(el);
    if (chrome) chromeDepth++;
    if (tag === 'a') linkDepth++;
    const mainish = tag === 'main' || tag === 'article';
    if (mainish) mainDepth++;
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (isElement(c)) {
        if (depth < 2000) visit(c, depth + 1);
      } else if (inBody && chromeDepth === 0 && (c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE)) {
        const t = (c as DomText).data;
        if (t.length > 0) {
          const n = collapsedLength(t);
          scan.contentChars += n;
          if (linkDepth > 0) scan.linkChars += n;
        }
      }
    }
    if (tag === 'a') linkDepth--;
    if (mainish) mainDepth--;
    if (chrome) chromeDepth--;
  };
  visit(root, 0);
  return scan;
}

/** Length `collapse(s)` would have, without building the string (runs on every text node). */
function collapsedLength(s: string): number {
  let n = 0;
  let space = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 160) {
      if (!space) {
        n++;
        space = true;
      }
    } else {
      n++;
      space = false;
    }
  }
  return space && n > 0 ? n - 1 : n;
}

/** Text of a small subtree with a space at every block boundary ("Engineer" "Berlin", not "EngineerBerlin"). */
function spacedText(el: DomElement, depth = 0): string {
  if (depth > 100) return el.textContent ?? '';
  let out = '';
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (isElement(c)) {
      if (NEVER_RENDER.has(c.localName)) continue;
      const block = BLOCK_TAGS.has(c.localName) || c.localName === 'br';
      out += block ? ` ${spacedText(c, depth + 1)} ` : spacedText(c, depth + 1);
    } else if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) {
      out += (c as DomText).data;
    }
  }
  return out;
}

function anchorText(a: DomElement): string {
  const text = collapse(spacedText(a));
  if (text) return text;
  const label = a.getAttribute('aria-label') ?? a.getAttribute('title');
  if (label) return collapse(label);
  // icon links (social profiles) often carry their name only on the image
  for (let c = a.firstChild; c; c = c.nextSibling) {
    if (isElement(c)) {
      const alt = c.getAttribute('alt') ?? c.getAttribute('aria-label') ?? c.getAttribute('title');
      if (alt) return collapse(alt);
    }
  }
  return '';
}

function resolveUrl(href: string, base: string): string | null {
  try {
    return new URL(href, base).href;
  } catch {
    return null;
  }
}

function collectLinks(anchors: { href: string; text: string }[], base: string): PageLink[] {
  const out: PageLink[] = [];
  const seen = new Map<string, number>();
  for (const a of anchors) {
    const low = a.href.slice(0, 11).toLowerCase();
    // mailto/tel would leak personal contact data; javascript/data are not pages
    if (low.startsWith('mailto:') || low.startsWith('tel:') || low.startsWith('javascript:') || low.startsWith('data:') || low.startsWith('#')) continue;
    const abs = resolveUrl(a.href, base);
    if (!abs || !/^https?:/i.test(abs)) continue;
    const at = seen.get(abs);
    if (at !== undefined) {
      if (!out[at].text && a.text) out[at].text = a.text;
      continue;
    }
    if (out.length >= MAX_LINKS) continue;
    seen.set(abs, out.length);
    out.push({ href: abs, text: a.text });
  }
  return out;
}

function parseJsonLd(raws: string[]): unknown[] {
  const out: unknown[] = [];
  for (const raw of raws) {
    const body = raw
      .trim()
      .replace(/^<!--|-->$/g, '')
      .replace(/^\s*\/\/\s*<!\[CDATA\[|\/\/\s*\]\]>\s*$/g, '')
      .trim();
    if (!body) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      try {
        // common publisher slips: raw newlines/tabs in strings and trailing commas
        parsed = JSON.parse(body.replace(/[\u0000-\u001f]+/g, ' ').replace(/,\s*([}\]])/g, '$1'));
      } catch {
        continue;
      }
    }
    if (Array.isArray(parsed)) out.push(...parsed);
    else if (parsed !== null && typeof parsed === 'object') out.push(parsed);
  }
  return out;
}

/** Every JSON-LD object, with `@graph` members and nested arrays flattened, in document order. */
export function jsonLdNodes(jsonLd: unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    out.push(o);
    if (o['@graph']) walk(o['@graph'], depth + 1);
  };
  walk(jsonLd, 0);
  return out;
}

/** The `@type` values of a JSON-LD node. */
export function jsonLdTypes(node: Record<string, unknown>): string[] {
  const t = node['@type'];
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

const ORG_TYPES = /^(Organization|Corporation|Company|LocalBusiness|OnlineBusiness|OnlineStore|NGO|EducationalOrganization|GovernmentOrganization|MedicalOrganization|SportsOrganization|NewsMediaOrganization|Store|ProfessionalService|FinancialService|LegalService|Brand)$/;

/** The first JSON-LD node that describes an organisation, if any. */
export function findOrganization(jsonLd: unknown[]): Record<string, unknown> | undefined {
  return jsonLdNodes(jsonLd).find((n) => jsonLdTypes(n).some((t) => ORG_TYPES.test(t)));
}

function str(v: unknown): string {
  if (typeof v === 'string') return collapse(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(str).filter(Boolean).join(', ');
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.value !== undefined) return str(o.value);
    if (o.name !== undefined) return str(o.name);
    if (o.minValue !== undefined || o.maxValue !== undefined) return [str(o.minValue), str(o.maxValue)].filter(Boolean).join('-');
  }
  return '';
}

/** One-line summary of an address value: locality, region, country. */
export function addressLine(v: unknown): string {
  if (typeof v === 'string') return collapse(v);
  const list = Array.isArray(v) ? v : [v];
  const parts: string[] = [];
  for (const a of list) {
    if (!a || typeof a !== 'object') continue;
    const o = a as Record<string, unknown>;
    const p = [str(o.streetAddress), str(o.addressLocality), str(o.addressRegion), str(o.postalCode), str(o.addressCountry)].filter(Boolean);
    if (p.length) parts.push(p.join(', '));
  }
  return parts.join('; ');
}

function organizationLine(org: Record<string, unknown> | undefined): string {
  if (!org) return '';
  const parts: string[] = [];
  const name = str(org.name) || str(org.legalName);
  if (name) parts.push(name);
  const legal = str(org.legalName);
  if (legal && legal !== name) parts.push(`legal name: ${legal}`);
  const founded = str(org.foundingDate);
  if (founded) parts.push(`founded: ${founded}`);
  const employees = str(org.numberOfEmployees);
  if (employees) parts.push(`employees: ${employees}`);
  const address = addressLine(org.address ?? (org.location as Record<string, unknown> | undefined)?.address);
  if (address) parts.push(`address: ${address}`);
  const description = str(org.description);
  if (description) parts.push(`description: ${description}`);
  return parts.length ? `Organization: ${parts.join('; ')}` : '';
}

// ---------------------------------------------------------------------------------------------
// Rendering DOM to markdown-ish text

type BlockType = 'p' | 'h' | 'li' | 'row' | 'quote' | 'pre' | 'img' | 'logos';

interface Block {
  type: BlockType;
  text: string;
  /** list or table the block belongs to: items are deduped and joined within it */
  group: number;
  /** an image inside a logo/customer/partner section */
  logo?: boolean;
}

type Mode = 'article' | 'homepage';

const NEVER_RENDER = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'meta', 'link', 'base', 'iframe', 'object', 'embed', 'param', 'source', 'track', 'canvas']);
const HOMEPAGE_SKIP = new Set(['nav', 'footer', 'form', 'button', 'select', 'option', 'input', 'textarea', 'label', 'dialog', 'video', 'audio', 'map', 'area', 'picture-source']);
const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'details', 'dialog', 'dir', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'html', 'legend', 'li', 'main',
  'menu', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'caption', 'search',
]);

/**
 * Class/id words of boilerplate containers, matched per dash/underscore-separated part. Words that
 * also name real content ("social-proof", "subscription-plans", "market-share", "hero-overlay")
 * are left out; the multi-part patterns below catch their boilerplate uses.
 */
const BOILERPLATE_PART = new Set([
  'cookie', 'cookies', 'cookiebar', 'cookiebanner', 'cookieconsent', 'consent', 'gdpr', 'ccpa', 'onetrust', 'cookiebot', 'didomi', 'usercentrics', 'truste', 'cmp', 'osano', 'termly', 'iubenda',
  'newsletter', 'subscribe', 'mailinglist',
  'modal', 'popup', 'popover', 'lightbox',
  'breadcrumb', 'breadcrumbs', 'sharebar',
  'skiplink', 'skiplinks', 'screenreader', 'visuallyhidden',
  'nav', 'navbar', 'navigation', 'menu', 'megamenu', 'submenu', 'dropdown', 'offcanvas', 'hamburger',
  'toast', 'snackbar',
]);
/** Class words that only mark a state or a trigger, not the boilerplate itself. */
const STATE_TOKEN = /^(is|has|js|no|with|show|open)-|-(open|opened|active|visible|hidden|shown|expanded|enabled|disabled|sticky|fixed|trigger|toggle|button|btn|link|icon)$/;
/** Multi-part class names that are boilerplate as a whole. */
const BOILERPLATE_CLASS = /(^|[\s_-])(sr-only|screen-reader-text|visually-hidden|skip-(link|links|to|nav)|(site|global|page|mobile)-footer|footer-(mobile|nav|navigation|links|menu|widgets|columns|cols|bottom|legal|accordion)|share-(buttons|bar|links|this|tools|icons)|social-(share|sharing|links|icons|buttons|media-links)|mailing-list|sign-up-form|signup-form|email-capture|exit-intent|chat-widget)($|[\s_-])/i;
const BOILERPLATE_ROLE = new Set(['navigation', 'contentinfo', 'dialog', 'alertdialog', 'search', 'menu', 'menubar']);
const BOILERPLATE_LABEL = /cookie|consent|newsletter|subscribe|breadcrumb|share|social|skip|menu|navigation/i;
const PROTECTED_TAGS = new Set(['html', 'body', 'main']);
const INLINE_DECOR = new Set(['span', 'i', 'em', 'b', 'svg', 'img', 'small', 'sup']);

function isBoilerplateElement(el: DomElement, tag: string, classRules = true): boolean {
  if (PROTECTED_TAGS.has(tag)) return false;
  if (el.hasAttribute('hidden')) return true;
  // aria-hidden on a container can be a modal state of the whole app shell; only drop icons
  if (INLINE_DECOR.has(tag) && el.getAttribute('aria-hidden') === 'true') return true;
  if (el.getAttribute('aria-modal') === 'true') return true;
  const role = el.getAttribute('role');
  if (role && BOILERPLATE_ROLE.has(role.toLowerCase())) return true;
  const style = el.getAttribute('style');
  if (style && /(display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style)) return true;
  const label = el.getAttribute('aria-label');
  if (label && label.length < 60 && BOILERPLATE_LABEL.test(label) && tag !== 'a') return true;
  if (!classRules) return false;
  const id = el.getAttribute('id');
  const cls = el.getAttribute('class');
  if (!id && !cls) return false;
  if (el.getAttribute('id') === 'main' || el.getAttribute('role') === 'main') return false;
  const names = `${id ?? ''} ${cls ?? ''}`;
  if (BOILERPLATE_CLASS.test(names)) return true;
  for (const token of names.toLowerCase().split(/\s+/)) {
    if (!token || STATE_TOKEN.test(token)) continue;
    for (const part of token.split(/[-_]+|(?<=[a-z])(?=[A-Z])/)) {
      if (BOILERPLATE_PART.has(part)) return true;
    }
  }
  return false;
}

/** The narrow set of boilerplate still dropped inside a Readability article. */
const ARTICLE_BOILERPLATE = /(^|[\s_-])(cookie|cookies|consent|gdpr|newsletter|newsletters|subscribe|mailing-list|signup-form|sign-up-form|email-capture|popup|modal)($|[\s_-])/i;

function isArticleBoilerplate(el: DomElement): boolean {
  const cls = el.getAttribute('class');
  const id = el.getAttribute('id');
  if (!cls && !id) return false;
  const names = `${id ?? ''} ${cls ?? ''}`;
  if (!ARTICLE_BOILERPLATE.test(names)) return false;
  return !names.split(/\s+/).every((t) => !ARTICLE_BOILERPLATE.test(t) || STATE_TOKEN.test(t.toLowerCase()));
}

/** Short text that is a figure: "500+", "99.9%", "$2.5B", "4.8/5", "10x", "24/7". */
const NUMBERISH = /^(?=.*\d)[^\p{L}]*(\p{L}{1,8}[^\p{L}]*)?$/u;
/** Contexts whose images are customer/partner logos. */
const LOGO_CONTEXT = /logo|client|customer|partner|brand|trusted|marquee|press|featured|investor|backed/i;
/** CTA labels that add nothing to a page's evidence. */
const EMPTY_CTA =
  /^(learn more|read more|see more|view more|find out more|more|explore|discover|view all|see all|show more|click here|get started|log ?in|sign ?in|sign ?up|menu|close|open menu|toggle navigation|back to top|skip to (main )?content|→|›|»|next|previous|prev)\W*$/i;

/** Nesting beyond this is flattened to plain text: deeper recursion would exhaust the stack. */
const MAX_RENDER_DEPTH = 600;

interface Shared {
  mode: Mode;
  depth: number;
  /** judge containers by their class and id too (off for the fallback pass) */
  classRules: boolean;
  groups: number;
  logoDepth: number;
}

class Renderer {
  readonly blocks: Block[] = [];
  private buf = '';

  constructor(private readonly shared: Shared) {}

  private get homepage(): boolean {
    return this.shared.mode === 'homepage';
  }

  flush(type: BlockType = 'p', group = 0): void {
    if (!this.buf) return;
    const text = normaliseInline(this.buf);
    this.buf = '';
    if (text) this.blocks.push({ type, text, group });
  }

  /**
   * Render the children of `el` into this renderer. Returns the block ranges of children that
   * hold boilerplate and are small enough to be dropped whole by an enclosing container.
   */
  children(el: DomElement): [number, number][] {
    const pending: [number, number][] = [];
    let prevElement = false;
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (isElement(c)) {
        // homepage markup glues spans ("500+" "customers") that CSS shows apart
        if (this.homepage && prevElement && this.buf && !/\s$/.test(this.buf)) this.buf += ' ';
        if (BLOCK_TAGS.has(c.localName)) this.flush();
        const start = this.blocks.length;
        if (this.element(c)) pending.push([start, this.blocks.length]);
        prevElement = true;
      } else {
        if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) {
          const t = (c as DomText).data;
          if (t) this.buf += t;
        }
        prevElement = false;
      }
    }
    return pending;
  }

  /** Render a container element, dropping boilerplate groups when the container is big. */
  private container(el: DomElement): boolean {
    this.flush();
    const start = this.blocks.length;
    const pending = this.children(el);
    this.flush();
    if (!this.homepage) return false;
    return this.settle(start, pending);
  }

  /**
   * Boilerplate (cookie notice, newsletter box) is dropped as the largest small container that
   * holds it, so its buttons and fine print go too; a big container only loses those groups.
   */
  private settle(start: number, pending: [number, number][]): boolean {
    let has = pending.length > 0;
    if (!has) {
      for (let i = start; i < this.blocks.length; i++) {
        if (isBoilerplateLine(this.blocks[i].text)) {
          has = true;
          break;
        }
      }
    }
    if (!has) return false;
    const range = this.blocks.length - start;
    let chars = 0;
    for (let i = start; i < this.blocks.length; i++) chars += this.blocks[i].text.length;
    if (range <= 12 && chars <= 1500) return true;
    for (let i = pending.length - 1; i >= 0; i--) {
      const [s, e] = pending[i];
      this.blocks.splice(s, e - s);
    }
    for (let i = this.blocks.length - 1; i >= start; i--) {
      if (isBoilerplateLine(this.blocks[i].text)) this.blocks.splice(i, 1);
    }
    return false;
  }

  /** Render an element; returns true when the caller should consider dropping it as boilerplate. */
  element(el: DomElement): boolean {
    const tag = el.localName;
    if (NEVER_RENDER.has(tag)) return false;
    if (!this.homepage) {
      // Readability keeps newsletter boxes and consent notices that sit inside the article
      if (isArticleBoilerplate(el)) return false;
    } else {
      if (HOMEPAGE_SKIP.has(tag) || isBoilerplateElement(el, tag, this.shared.classRules)) return false;
      // a site header with only a logo, menu links and sign-in buttons; a hero header has headings.
      // A header holding the navigation and no h1 is the site's chrome even when its flyout menus
      // describe each page in paragraphs.
      if (tag === 'header' && isChromeHeader(el)) return false;
    }
    if (this.shared.depth >= MAX_RENDER_DEPTH) {
      this.buf += ` ${el.textContent ?? ''} `;
      return false;
    }
    const logoCtx = this.homepage && LOGO_CONTEXT.test(`${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`);
    if (logoCtx) this.shared.logoDepth++;
    this.shared.depth++;
    try {
      return this.dispatch(el, tag);
    } finally {
      this.shared.depth--;
      if (logoCtx) this.shared.logoDepth--;
    }
  }

  private dispatch(el: DomElement, tag: string): boolean {
    switch (tag) {
      case 'br':
        this.buf += '\n';
        return false;
      case 'hr':
        this.flush();
        return false;
      case 'img':
        this.image(el.getAttribute('alt'));
        return false;
      case 'svg':
        if (this.homepage) this.image(svgLabel(el));
        return false;
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6': {
        this.flush();
        const text = this.inline(el);
        if (text) this.blocks.push({ type: 'h', text: `${'#'.repeat(Number(tag[1]))} ${text}`, group: 0 });
        return false;
      }
      case 'ul':
      case 'ol':
      case 'menu':
      case 'dir':
        return this.list(el);
      case 'li':
        this.flush();
        return this.listItem(el, ++this.shared.groups);
      case 'table':
        return this.table(el);
      case 'pre': {
        this.flush();
        const text = (el.textContent ?? '').replace(/\s+$/g, '').replace(/^\n+/, '');
        if (text.trim()) this.blocks.push({ type: 'pre', text, group: 0 });
        return false;
      }
      case 'blockquote':
        return this.quote(el);
      default:
        if (BLOCK_TAGS.has(tag)) {
          if (this.homepage && this.shared.logoDepth > 0) {
            // a logo strip set in type: <span>Globex</span><span>Initech</span>…
            const names = nameList(el);
            if (names) {
              this.flush();
              this.blocks.push({ type: 'logos', text: `Logos: ${names.join(', ')}`, group: 0 });
              return false;
            }
          }
          if (this.homepage) {
            const stat = statLine(el);
            if (stat) {
              this.flush();
              this.blocks.push({ type: 'p', text: stat, group: 0 });
              return false;
            }
          }
          return this.container(el);
        }
        if (this.homepage && tag === 'a') {
          const stat = statLine(el);
          if (stat) {
            this.flush();
            this.blocks.push({ type: 'p', text: stat, group: 0 });
            return false;
          }
        }
        // inline element: its text joins the current line; a block inside it still breaks lines
        return this.childrenInline(el);
    }
  }

  private childrenInline(el: DomElement): boolean {
    const start = this.blocks.length;
    const ranges = this.children(el);
    if (!this.homepage || this.blocks.length === start) return ranges.length > 0;
    return this.settle(start, ranges);
  }

  private image(alt: string | null): void {
    if (!this.homepage) return;
    // an image inside running text is decoration; a block-level one may be a logo
    if (this.buf.trim()) return;
    const name = cleanAlt(alt ?? '');
    if (!name) return;
    this.blocks.push({ type: 'img', text: name, group: 0, logo: this.shared.logoDepth > 0 });
  }

  /** Text of an element as one line (headings, table cells). */
  private inline(el: DomElement): string {
    const sub = new Renderer(this.shared);
    sub.children(el);
    sub.flush();
    return sub.blocks
      .filter((b) => b.type !== 'img')
      .map((b) => stripMarker(b.text).replace(/\n+/g, ' '))
      .join(' ')
      .replace(/ {2,}/g, ' ')
      .trim();
  }

  private list(el: DomElement): boolean {
    this.flush();
    const start = this.blocks.length;
    const group = ++this.shared.groups;
    const pending: [number, number][] = [];
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (isElement(c)) {
        const s = this.blocks.length;
        const p = c.localName === 'li' ? this.listItem(c, group) : this.element(c);
        this.flush();
        if (p) pending.push([s, this.blocks.length]);
      } else if (c.nodeType === TEXT_NODE && (c as DomText).data.trim()) {
        this.buf += (c as DomText).data;
      }
    }
    this.flush();
    if (!this.homepage) return false;
    return this.settle(start, pending);
  }

  private listItem(li: DomElement, group: number): boolean {
    if (this.homepage && isBoilerplateElement(li, 'li', this.shared.classRules)) return false;
    const sub = new Renderer(this.shared);
    const pending = sub.children(li).length > 0;
    sub.flush();
    const blocks = sub.blocks;
    if (!blocks.length) return false;
    // a list of logos is a logo strip, not a list of names
    if (blocks.every((b) => b.type === 'img')) {
      this.blocks.push(...blocks);
      return false;
    }
    const own = blocks.filter((b) => b.type !== 'img');
    const nested = own.some((b) => b.type === 'li');
    const total = own.reduce((n, b) => n + b.text.length, 0);
    if (this.homepage && !nested && own.length > 1 && total <= 240) {
      // a card-like item (job: title, place, type) reads best as one line
      const parts = own.map((b) => stripMarker(b.text).replace(/\n+/g, ' '));
      const sep = own.length <= 3 && parts.some((p) => NUMBERISH.test(p)) ? ' ' : ' — ';
      this.blocks.push({ type: 'li', text: `- ${parts.join(sep)}`, group });
    } else {
      let first = true;
      for (const b of own) {
        if (b.type === 'li') {
          this.blocks.push({ type: 'li', text: `  ${b.text}`, group });
        } else {
          const lines = b.text.split('\n');
          const text = lines.map((l, i) => (first && i === 0 ? `- ${l}` : `  ${l}`)).join('\n');
          first = false;
          this.blocks.push({ type: 'li', text, group });
        }
      }
    }
    return pending || own.some((b) => isBoilerplateLine(b.text));
  }

  private quote(el: DomElement): boolean {
    this.flush();
    const sub = new Renderer(this.shared);
    const pending = sub.children(el).length > 0;
    sub.flush();
    for (const b of sub.blocks) {
      if (b.type === 'img') continue;
      this.blocks.push({ type: 'quote', text: b.text.split('\n').map((l) => `> ${l}`).join('\n'), group: 0 });
    }
    return pending;
  }

  private table(el: DomElement): boolean {
    this.flush();
    const rows: DomElement[] = [];
    const captions: DomElement[] = [];
    const collectRows = (parent: DomElement): void => {
      for (let c = parent.firstChild; c; c = c.nextSibling) {
        if (!isElement(c)) continue;
        const t = c.localName;
        if (t === 'tr') rows.push(c);
        else if (t === 'thead' || t === 'tbody' || t === 'tfoot') collectRows(c);
        else if (t === 'caption') captions.push(c);
      }
    };
    collectRows(el);
    // render each cell separately first: a table whose cells hold paragraphs or lists is layout
    const cellBlocks: Block[][][] = [];
    let layout = false;
    let maxCells = 0;
    for (const tr of rows) {
      const cells: Block[][] = [];
      for (let c = tr.firstChild; c; c = c.nextSibling) {
        if (!isElement(c) || (c.localName !== 'td' && c.localName !== 'th')) continue;
        if (this.homepage && isBoilerplateElement(c, c.localName, this.shared.classRules)) continue;
        const sub = new Renderer(this.shared);
        sub.children(c);
        sub.flush();
        const blocks = sub.blocks.filter((b) => b.type !== 'img');
        if (blocks.length > 1 || blocks.some((b) => b.type !== 'p' || b.text.length > 400)) layout = true;
        cells.push(blocks);
      }
      maxCells = Math.max(maxCells, cells.length);
      cellBlocks.push(cells);
    }
    if (maxCells <= 1) layout = true;
    const start = this.blocks.length;
    for (const cap of captions) {
      const t = this.inline(cap);
      if (t) this.blocks.push({ type: 'p', text: t, group: 0 });
    }
    const group = ++this.shared.groups;
    for (const cells of cellBlocks) {
      if (layout) {
        for (const blocks of cells) this.blocks.push(...blocks);
        continue;
      }
      const texts = cells.map((blocks) => blocks.map((b) => b.text.replace(/\n+/g, ' ')).join(' ').trim());
      if (texts.every((t) => !t)) continue;
      this.blocks.push({ type: 'row', text: `| ${texts.join(' | ')} |`, group });
    }
    if (!this.homepage) return false;
    return this.settle(start, []);
  }
}

function normaliseInline(buf: string): string {
  return buf
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

function stripMarker(text: string): string {
  return text.replace(/^(#{1,6} |- |> )/, '');
}

/** Dialogs (consent managers' preference centres), consent banners, mega-menus and mobile menus. */
const OVERLAY_CLASS = /(^|[\s_-])(cookie|cookies|consent|onetrust|cookiebot|cky|gdpr|cmp|mega-?menu|mobile-menu|mobile-nav|offcanvas)($|[\s_-])/i;

/** Newsletter boxes: pruned only outside main and article (inside, the renderer drops them; Readability's choice of text around them is kept). */
const NEWSLETTER_CLASS = /(^|[\s_-])(newsletter|mailing-list|signup-form)($|[\s_-])/i;

function isNewsletterBox(el: DomElement): boolean {
  return NEWSLETTER_CLASS.test(`${el.getAttribute('id') ?? ''} ${el.getAttribute('class') ?? ''}`);
}

function isOverlayOrMenu(el: DomElement): boolean {
  const role = el.getAttribute('role');
  if (role === 'dialog' || role === 'alertdialog' || el.getAttribute('aria-modal') === 'true') return true;
  const names = `${el.getAttribute('id') ?? ''} ${el.getAttribute('class') ?? ''}`;
  return OVERLAY_CLASS.test(names);
}

/** A header without text blocks, or one that holds navigation and no h1. */
function isChromeHeader(el: DomElement): boolean {
  const shape = { text: false, nav: false, h1: false };
  const walk = (n: DomElement, depth: number): void => {
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (!isElement(c)) continue;
      const t = c.localName;
      if (t === 'h1') {
        shape.h1 = true;
        shape.text = true;
        return;
      }
      if (t === 'nav' || c.getAttribute('role') === 'navigation') {
        shape.nav = true;
        continue;
      }
      if (t === 'h2' || t === 'h3' || t === 'p' || t === 'blockquote') shape.text = true;
      if (depth < 50) walk(c, depth + 1);
      if (shape.h1) return;
    }
  };
  walk(el, 0);
  return !shape.text || (shape.nav && !shape.h1);
}

function svgLabel(el: DomElement): string | null {
  const label = el.getAttribute('aria-label');
  if (label) return label;
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (isElement(c) && c.localName === 'title') return c.textContent;
  }
  return null;
}

function cleanAlt(alt: string): string {
  const text = collapse(alt)
    .replace(/\b(company |brand |customer |client |partner )?(logo(type)?s?|icon|image|picture|photo|wordmark)\b( of)?/gi, ' ')
    .replace(/\s*[-–—|:]\s*$/, '')
    .replace(/^\s*[-–—|:]\s*/, '');
  const name = collapse(text);
  if (!name || name.length > 60) return '';
  if (/\.(png|jpe?g|svg|webp|gif|avif)$/i.test(name) || /^[\w-]+_[\w-]+$/.test(name)) return '';
  return name;
}

/**
 * A stat block ("500+" over "customers") as one line. Only small containers of two to four
 * short children where one child is a figure qualify.
 */
function statLine(el: DomElement): string | null {
  const parts: string[] = [];
  let children = 0;
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (isElement(c)) {
      if (++children > 4) return null;
      if (c.localName === 'img' || c.localName === 'svg') continue;
      if (c.localName === 'ul' || c.localName === 'ol' || c.localName === 'table') return null;
      const text = collapse(c.textContent ?? '');
      if (text.length > 60) return null;
      if (text) parts.push(text);
    } else if ((c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) && (c as DomText).data.trim()) {
      return null;
    }
  }
  if (parts.length < 2 || parts.length > 3) return null;
  if (!parts.some((p) => NUMBERISH.test(p))) return null;
  const line = parts.join(' ');
  return line.length <= 120 ? line : null;
}

const NAME_TAGS = new Set(['span', 'a', 'div', 'li', 'strong', 'b', 'em', 'small']);

/** Three or more short names as the only children of a container, or null. */
function nameList(el: DomElement): string[] | null {
  const names: string[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (isElement(c)) {
      const text = collapse(c.textContent ?? '');
      if (!text) continue;
      if (text.length > 40 || text.split(' ').length > 4 || !NAME_TAGS.has(c.localName)) return null;
      if (!names.includes(text)) names.push(text);
    } else if ((c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) && (c as DomText).data.trim()) {
      return null;
    }
  }
  return names.length >= 3 ? names : null;
}

/** Assemble blocks: merge logo runs, dedupe (homepage), drop boilerplate, join with blank lines. */
function assemble(blocks: Block[], mode: Mode): string {
  const merged: Block[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b.type !== 'img') {
      merged.push(b);
      continue;
    }
    let j = i;
    const names: string[] = [];
    let inLogoContext = false;
    while (j < blocks.length && blocks[j].type === 'img') {
      if (blocks[j].logo) inLogoContext = true;
      if (!names.includes(blocks[j].text)) names.push(blocks[j].text);
      j++;
    }
    // one stray picture is decoration; a run of short names or a logo section is a logo strip
    const shortNames = names.every((n) => n.split(' ').length <= 4);
    if (shortNames && (names.length >= 3 || (inLogoContext && names.length >= 2))) {
      merged.push({ type: 'logos', text: `Logos: ${names.join(', ')}`, group: 0 });
    }
    i = j - 1;
  }

  const out: Block[] = [];
  const seen = new Set<string>();
  for (const b of merged) {
    if (isBoilerplateLine(b.text)) continue;
    if (mode === 'homepage') {
      const bare = stripMarker(b.text).toLowerCase();
      if (EMPTY_CTA.test(bare)) continue;
      const key = b.type === 'li' || b.type === 'row' ? `${b.group}\u0000${bare}` : bare;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(b);
  }

  let text = '';
  for (let i = 0; i < out.length; i++) {
    if (i > 0) {
      const a = out[i - 1];
      const b = out[i];
      const tight = (a.type === 'li' && b.type === 'li') || (a.type === 'row' && b.type === 'row' && a.group === b.group) || (a.type === 'quote' && b.type === 'quote');
      text += tight ? '\n' : '\n\n';
    }
    text += out[i].text;
  }
  return text;
}

/** Render a DOM subtree to markdown-ish text. */
function renderText(root: DomElement, mode: Mode, classRules = true): string {
  const r = new Renderer({ mode, classRules, depth: 0, groups: 1, logoDepth: 0 });
  r.element(root);
  r.flush();
  return assemble(r.blocks, mode);
}

// ---------------------------------------------------------------------------------------------
// Choosing between Readability and the structural extraction

const ARTICLE_TYPES = /^(Article|NewsArticle|BlogPosting|Blog|Report|ScholarlyArticle|TechArticle|AnalysisNewsArticle|OpinionNewsArticle|ReportageNewsArticle|LiveBlogPosting|SocialMediaPosting|DiscussionForumPosting|Recipe|Review)$/;

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/**
 * How much running prose a text holds, in "full paragraphs": each paragraph line counts its
 * length over 400 characters, capped at one. CJK characters carry about three Latin characters
 * of content each. Company pages rarely have prose; articles are made of it.
 */
function proseScore(text: string): number {
  let score = 0;
  for (const line of text.split('\n')) {
    if (line.length < 20 || /^(#|- |  |\| |> )/.test(line)) continue;
    const cjk = line.match(CJK);
    score += Math.min(1, (line.length + (cjk ? cjk.length * 2 : 0)) / 400);
  }
  return score;
}

/**
 * Readability is kept unless the page looks like a company page: the body is built from many
 * headed sections or cards, and Readability either kept almost no running prose or kept a small
 * share of the body's non-link text (teaser sidebars around articles are links; feature cards are
 * not) without much prose. Pages that declare themselves articles keep Readability.
 */
function looksGutted(scan: PageScan, articleText: string, kind: PageKind, declaredArticle: boolean): boolean {
  const kept = articleText.length;
  if (kept < 200 && scan.contentChars > 400) return true;
  if (declaredArticle || kind === 'news') return false;
  const ownText = Math.max(1, scan.contentChars - scan.linkChars);
  const share = kept / ownText;
  const lostHeadings = scan.headings - countHeadings(articleText);
  const sectioned = scan.sections >= 4 || scan.cards >= 6 || lostHeadings >= 6;
  // Readability kept one section of a page built from several (wrappers around every section
  // keep it from joining siblings): most of the page's own text and several headings are gone
  if (!declaredArticle && lostHeadings >= 3 && share < 0.5 && kind !== 'other') return true;
  if (!sectioned) return false;
  const prose = proseScore(articleText);
  // hardly any running prose kept from a page of sections and cards: not an article at all
  if (prose < 1.5) return true;
  // about/product/team pages mix a story with cards: they need more prose to count as articles
  return share < 0.5 && prose < (kind === 'other' ? 3 : 6);
}

function countHeadings(text: string): number {
  const m = text.match(/^#{1,6} /gm);
  return m ? m.length : 0;
}

function isDeclaredArticle(scan: PageScan, jsonLd: unknown[], kind: PageKind): boolean {
  const ogType = (scan.metas.get('og:type') ?? '').toLowerCase();
  // SEO plugins mark every WordPress page og:type=article, so on pages discovery took for company
  // pages (about, product, team...) only a publish date makes it a real one
  const ogArticle = ogType === 'article' || ogType.startsWith('article.');
  if (ogArticle && (kind === 'other' || kind === 'news' || scan.metas.has('article:published_time'))) return true;
  return jsonLdNodes(jsonLd).some((n) => jsonLdTypes(n).some((t) => ARTICLE_TYPES.test(t)));
}

// ---------------------------------------------------------------------------------------------

/** Metadata header lines at the top of `text`: "Title: …", "Description: …", "Organization: …". */
const HEADER_LINE = /^(Title|Description|Organization): /;

/** The page text without its metadata header block. */
export function bodyText(cleaned: Pick<CleanedPage, 'text'>): string {
  const lines = cleaned.text.split('\n');
  let i = 0;
  while (i < lines.length && HEADER_LINE.test(lines[i])) i++;
  if (i === 0) return cleaned.text;
  while (i < lines.length && lines[i] === '') i++;
  return lines.slice(i).join('\n');
}

function truncateBlocks(body: string, max: number): string {
  if (body.length <= max) return body;
  const cut = body.lastIndexOf('\n\n', max);
  return (cut > max * 0.5 ? body.slice(0, cut) : body.slice(0, max)).trimEnd();
}

/** Clean a fetched page into LLM-ready text plus its metadata, JSON-LD and absolute links. */
export async function cleanPage(html: string, url: string, options: CleanOptions = {}): Promise<CleanedPage> {
  const kind: PageKind = options.kind ?? classifyPage(url);
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;

  const linkedomOnly = options.dom === 'linkedom';
  let doc = parseHtml(html, linkedomOnly || !HOMEPAGE_KINDS.has(kind));
  const scan = scanPage(doc);
  const base = (scan.baseHref && resolveUrl(scan.baseHref, url)) || url;
  const jsonLd = parseJsonLd(scan.jsonLdRaw);
  const links = collectLinks(scan.anchors, base);
  const metas = scan.metas;

  const metadata: PageMetadata = {};
  const canonical = scan.canonical ? resolveUrl(scan.canonical, base) : null;
  if (canonical) metadata.canonical = canonical;
  const ogTitle = metas.get('og:title') || metas.get('twitter:title');
  if (ogTitle) metadata.ogTitle = ogTitle;
  const ogDescription = metas.get('og:description') || metas.get('twitter:description');
  if (ogDescription) metadata.ogDescription = ogDescription;
  const siteName = metas.get('og:site_name') || metas.get('application-name');
  if (siteName) metadata.siteName = siteName;
  if (scan.lang) metadata.lang = scan.lang;

  const description = metas.get('description') || ogDescription || '';
  let method: CleanedPage['method'] = 'homepage';
  let body = '';
  let title = scan.title || ogTitle || '';

  if (!HOMEPAGE_KINDS.has(kind)) {
    // linkedom documents have no URL; without one Readability throws (and catches) on every
    // relative link it tries to resolve, which costs more than resolving them
    Object.defineProperty(doc, 'baseURI', { value: base, configurable: true });
    Object.defineProperty(doc, 'documentURI', { value: url, configurable: true });
    // Readability scores menus and consent dialogs like any other text: a mega-menu or a cookie
    // table can outweigh a short article, and wrappers around sections shift its choice; pruned
    // first, they cannot
    for (const el of scan.chrome) el.remove();
    // classes survive so the renderer can still spot newsletter boxes inside the article
    let article: ReturnType<Readability<unknown>['parse']> = null;
    try {
      article = new Readability<unknown>(doc as never, { serializer: (el: unknown) => el, keepClasses: true }).parse();
    } catch {
      // markup Readability cannot walk still gets the structural extraction below
    }
    const content = article?.content as DomElement | null | undefined;
    const articleText = content ? renderText(content, 'article') : '';
    if (!looksGutted(scan, articleText, kind, isDeclaredArticle(scan, jsonLd, kind))) {
      method = 'readability';
      body = articleText;
      if (!title && article?.title) title = collapse(article.title);
    } else {
      // Readability rewrote the tree in place; the structural pass needs the page as served
      doc = parseHtml(html, linkedomOnly);
    }
  }
  if (method === 'homepage') {
    const root = doc.body ?? doc.documentElement;
    body = root ? renderText(root, 'homepage') : '';
    // a page wrapper whose class reads like boilerplate ("page--modal-open") would hide the whole
    // page: when nearly nothing survived, judge containers without their class names
    if (root && scan.contentChars > 500 && collapsedLength(body) < scan.contentChars * 0.1) {
      const relaxed = renderText(root, 'homepage', false);
      if (relaxed.length > body.length * 2) body = relaxed;
    }
  }

  if (!title) {
    const h1 = body.match(/^# (.+)$/m);
    if (h1) title = h1[1];
  }
  const header = [title && `Title: ${title}`, description && `Description: ${description}`, organizationLine(findOrganization(jsonLd))]
    .filter((l): l is string => Boolean(l) && !isBoilerplateLine(l as string))
    .join('\n');
  const room = Math.max(0, maxChars - header.length - 2);
  body = truncateBlocks(body, room);
  const joined = header && body ? `${header}\n\n${body}` : header || body;
  const text = joined.length > maxChars ? joined.slice(0, maxChars).trimEnd() : joined;

  return { title, description, text, metadata, jsonLd, links, method, chars: text.length };
}
