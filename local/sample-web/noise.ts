/**
 * What real company sites carry under the hood besides their text: inline critical CSS, icon
 * sprites and inline SVG icons, framework hydration payloads that repeat the page's content as
 * JSON, tag-manager data layers, consent-manager banners with their preference centre and cookie
 * tables, mega-menus, mobile menus and footers rendered twice. Real pages weigh about 26,000
 * tokens (median); without this the sample web's pages weighed about 2,000 and said little about
 * cleanup on real markup.
 *
 * Everything here is markup, scripts, styles or chrome that a cleaner must drop: the content text
 * of a page is unchanged. Output is deterministic: every choice comes from a PRNG seeded by the
 * site's domain and the page's file.
 */
import type { Block, Page, Site, ThemeName } from './content/types.ts';

/** What the noise needs to know about the page being rendered. */
export interface NoiseContext {
  site: Site;
  page: Page;
  theme: ThemeName;
  /** href of another page of the site, in the theme's link style */
  href(file: string): string;
  /** pages in the header navigation */
  nav: Page[];
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** FNV-1a, the same small hash render.ts uses for ids. */
function fnv(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** mulberry32: a tiny seeded PRNG; the same seed gives the same page on every machine. */
export function rng(seed: string): () => number {
  let a = fnv(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const hex = (r: Rand, n: number): string => {
  let s = '';
  while (s.length < n) s += Math.floor(r() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
};

function escAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// ---------------------------------------------------------------------------------------------
// Icons

const ICON_NAMES = [
  'arrow-right', 'chevron-down', 'check', 'check-circle', 'truck', 'globe', 'chart-bar', 'shield-check', 'bolt', 'cube', 'clock',
  'map-pin', 'users', 'building', 'cog', 'document-text', 'currency-dollar', 'sparkles', 'lock-closed', 'cloud', 'phone', 'envelope',
  'play', 'x-mark', 'bars-3', 'magnifying-glass', 'star', 'linkedin', 'x-social', 'youtube',
];

/** An SVG path of `segments` curve segments, like the ones icon sets ship. */
function pathData(r: Rand, segments: number): string {
  const n = () => (r() * 24).toFixed(int(r, 1, 3));
  let d = `M${n()} ${n()}`;
  for (let i = 0; i < segments; i++) {
    const cmd = pick(r, ['c', 'l', 's', 'C', 'L', 'a']);
    if (cmd === 'a') d += `a${n()} ${n()} 0 0 1 ${n()} ${n()}`;
    else if (cmd === 'c' || cmd === 'C') d += `${cmd}${n()} ${n()} ${n()} ${n()} ${n()} ${n()}`;
    else if (cmd === 's') d += `s${n()} ${n()} ${n()} ${n()}`;
    else d += `${cmd}${n()} ${n()}`;
  }
  return `${d}z`;
}

/** A decorative inline icon (aria-hidden, the way Heroicons and Lucide are embedded). */
export function icon(seed: string, cls = 'h-6 w-6'): string {
  const r = rng(`icon:${seed}`);
  return `<svg class="${cls}" xmlns="http://www.w3.org/2000/svg" fill="none" viewBox="0 0 24 24" stroke-width="1.5" stroke="currentColor" aria-hidden="true" data-slot="icon"><path stroke-linecap="round" stroke-linejoin="round" d="${pathData(r, int(r, 6, 14))}"></path></svg>`;
}

/** An icon that names itself (role="img" and a <title>), as some icon components render. */
export function labelledIcon(seed: string, label: string, cls = 'icon'): string {
  const r = rng(`licon:${seed}`);
  return `<svg class="${cls}" role="img" viewBox="0 0 20 20" width="20" height="20"><title>${escAttr(label)}</title><path fill-rule="evenodd" clip-rule="evenodd" d="${pathData(r, int(r, 4, 8))}"></path></svg>`;
}

/** A hidden sprite of <symbol>s at the top of the body. */
function svgSprite(site: Site): string {
  const r = rng(`sprite:${site.domain}`);
  const symbols = ICON_NAMES.map((name) => `<symbol id="icon-${name}" viewBox="0 0 24 24"><path d="${pathData(r, int(r, 8, 22))}"/></symbol>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" style="position:absolute;width:0;height:0;overflow:hidden;display:none" aria-hidden="true">${symbols}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Inline CSS

const SCREENS = ['', 'sm\\:', 'md\\:', 'lg\\:', 'xl\\:', 'hover\\:', 'focus-visible\\:', 'group-hover\\:', 'dark\\:'];
const UTILS: [string, string, readonly (string | number)[]][] = [
  ['p', 'padding', [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24]],
  ['px', 'padding-left:{v};padding-right', [1, 2, 3, 4, 6, 8]],
  ['py', 'padding-top:{v};padding-bottom', [1, 2, 3, 4, 6, 8, 12, 16, 24, 32]],
  ['mt', 'margin-top', [0, 1, 2, 4, 6, 8, 10, 16, 20, 24]],
  ['mb', 'margin-bottom', [0, 1, 2, 4, 6, 8, 10, 16]],
  ['gap', 'gap', [1, 2, 3, 4, 6, 8, 10, 12, 16]],
  ['w', 'width', [4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64]],
  ['h', 'height', [4, 5, 6, 8, 10, 12, 16, 24, 32, 48, 64]],
  ['max-w', 'max-width', ['xs', 'sm', 'md', 'lg', 'xl', '2xl', '3xl', '4xl', '5xl', '7xl']],
  ['text', 'font-size', ['xs', 'sm', 'base', 'lg', 'xl', '2xl', '3xl', '4xl', '5xl', '6xl']],
  ['leading', 'line-height', [5, 6, 7, 8, 9, 10]],
  ['rounded', 'border-radius', ['sm', 'md', 'lg', 'xl', '2xl', '3xl', 'full']],
  ['grid-cols', 'grid-template-columns', [1, 2, 3, 4, 5, 6, 12]],
  ['z', 'z-index', [0, 10, 20, 30, 40, 50]],
  ['opacity', 'opacity', [0, 5, 10, 25, 50, 75, 90, 100]],
];
const COLORS = ['gray', 'slate', 'zinc', 'indigo', 'blue', 'sky', 'emerald', 'amber', 'rose', 'violet'];
const SHADES = [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950];

function cssValue(r: Rand, v: string | number): string {
  if (typeof v === 'number') return v === 0 ? '0px' : `${(v * 0.25).toFixed(2).replace(/\.?0+$/, '')}rem`;
  return `var(--tw-${v},${int(r, 1, 80)}rem)`;
}

/** A Tailwind-like utility stylesheet, inlined as critical CSS the way many builds ship it. */
function utilityCss(site: Site, rules: number): string {
  const r = rng(`css:${site.domain}`);
  const out: string[] = [
    `*,:after,:before{--tw-border-spacing-x:0;--tw-border-spacing-y:0;--tw-translate-x:0;--tw-translate-y:0;--tw-rotate:0;--tw-skew-x:0;--tw-skew-y:0;--tw-scale-x:1;--tw-scale-y:1;--tw-ring-offset-width:0px;--tw-ring-offset-color:#fff;--tw-ring-color:rgba(59,130,246,.5);--tw-ring-offset-shadow:0 0 #0000;--tw-ring-shadow:0 0 #0000;--tw-shadow:0 0 #0000;box-sizing:border-box;border:0 solid #e5e7eb}`,
    `:root{--brand:${site.color};--brand-contrast:#fff;--font-sans:"Inter var",ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}`,
  ];
  for (let i = 0; i < rules; i++) {
    const screen = pick(r, SCREENS);
    if (r() < 0.3) {
      const c = pick(r, COLORS);
      const s = pick(r, SHADES);
      const prop = pick(r, ['bg', 'text', 'border', 'ring', 'fill', 'stroke', 'from', 'to']);
      const rule = `.${screen}${prop}-${c}-${s}${screen.includes('hover') ? ':hover' : ''}{--tw-${prop}-opacity:1;${prop === 'bg' ? 'background-color' : prop === 'text' ? 'color' : `${prop}-color`}:rgb(${int(r, 0, 255)} ${int(r, 0, 255)} ${int(r, 0, 255)}/var(--tw-${prop}-opacity,1))}`;
      out.push(screen.startsWith('sm') || screen.startsWith('md') || screen.startsWith('lg') || screen.startsWith('xl') ? `@media (min-width:${pick(r, [640, 768, 1024, 1280])}px){${rule}}` : rule);
      continue;
    }
    const [name, prop, values] = pick(r, UTILS);
    const v = pick(r, values);
    const value = cssValue(r, v);
    const decl = prop.includes('{v}') ? `${prop.replace('{v}', value)}:${value}` : `${prop}:${value}`;
    const rule = `.${screen}${name}-${String(v).replace('.', '\\.')}{${decl}}`;
    out.push(/^(sm|md|lg|xl)/.test(screen) ? `@media (min-width:${pick(r, [640, 768, 1024, 1280])}px){${rule}}` : rule);
  }
  return out.join('');
}

/** WordPress's global-styles block: hundreds of preset custom properties and their classes. */
function wordpressGlobalStyles(site: Site): string {
  const r = rng(`wpgs:${site.domain}`);
  const names = ['black', 'cyan-bluish-gray', 'white', 'pale-pink', 'vivid-red', 'luminous-vivid-orange', 'luminous-vivid-amber', 'light-green-cyan', 'vivid-green-cyan', 'pale-cyan-blue', 'vivid-cyan-blue', 'vivid-purple', 'ast-global-color-0', 'ast-global-color-1', 'ast-global-color-2', 'ast-global-color-3', 'ast-global-color-4', 'ast-global-color-5', 'ast-global-color-6', 'ast-global-color-7', 'ast-global-color-8'];
  const gradients = ['vivid-cyan-blue-to-vivid-purple', 'light-green-cyan-to-vivid-green-cyan', 'luminous-vivid-amber-to-luminous-vivid-orange', 'luminous-vivid-orange-to-vivid-red', 'very-light-gray-to-cyan-bluish-gray', 'cool-to-warm-spectrum', 'blush-light-purple', 'blush-bordeaux', 'luminous-dusk', 'pale-ocean', 'electric-grass', 'midnight'];
  const sizes = ['small', 'medium', 'large', 'x-large', 'xx-large'];
  const color = () => `#${hex(r, 6)}`;
  const vars = [
    ...names.map((n) => `--wp--preset--color--${n}: ${color()};`),
    ...gradients.map((g) => `--wp--preset--gradient--${g}: linear-gradient(${int(r, 0, 360)}deg,rgba(${int(r, 0, 255)},${int(r, 0, 255)},${int(r, 0, 255)},1) 0%,rgb(${int(r, 0, 255)},${int(r, 0, 255)},${int(r, 0, 255)}) 100%);`),
    ...sizes.map((s) => `--wp--preset--font-size--${s}: ${int(r, 12, 48)}px;`),
    ...['20', '30', '40', '50', '60', '70', '80'].map((s) => `--wp--preset--spacing--${s}: ${(int(r, 4, 60) / 10).toFixed(2)}rem;`),
    ...['natural', 'deep', 'sharp', 'outlined', 'crisp'].map((s) => `--wp--preset--shadow--${s}: ${int(r, 0, 12)}px ${int(r, 0, 12)}px ${int(r, 0, 30)}px 0px rgba(0, 0, 0, 0.${int(r, 1, 9)});`),
  ];
  const classes = [
    ...names.flatMap((n) => [`.has-${n}-color{color: var(--wp--preset--color--${n}) !important;}`, `.has-${n}-background-color{background-color: var(--wp--preset--color--${n}) !important;}`, `.has-${n}-border-color{border-color: var(--wp--preset--color--${n}) !important;}`]),
    ...gradients.map((g) => `.has-${g}-gradient-background{background: var(--wp--preset--gradient--${g}) !important;}`),
    ...sizes.map((s) => `.has-${s}-font-size{font-size: var(--wp--preset--font-size--${s}) !important;}`),
  ];
  return `<style id='global-styles-inline-css'>\n:root{${vars.join('')}}:where(.is-layout-flex){gap: 0.5em;}:where(.is-layout-grid){gap: 0.5em;}body .is-layout-flex{display: flex;}.is-layout-flex{flex-wrap: wrap;align-items: center;}body .is-layout-grid{display: grid;}${classes.join('\n')}\n</style>`;
}

// ---------------------------------------------------------------------------------------------
// Hydration payloads: the page's content again, as JSON

/** Every string of a value, depth first. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/** A headless CMS's rich-text document for some strings (Contentful's node shape). */
function richText(texts: string[]): unknown {
  return {
    nodeType: 'document',
    data: {},
    content: texts.map((t) => ({ nodeType: 'paragraph', data: {}, content: [{ nodeType: 'text', value: t, marks: [], data: {} }] })),
  };
}

/** The content of a page's blocks as a CMS delivery API would return it. */
function cmsBlocks(page: Page, r: Rand): Record<string, unknown>[] {
  return page.blocks.map((b: Block, i) => ({
    body: richText(strings(b).filter((t) => t.length > 2)),
    __typename: `ComponentSections${b.kind[0].toUpperCase()}${b.kind.slice(1)}`,
    id: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
    sys: { id: hex(r, 22), type: 'Entry', revision: int(r, 1, 40), contentType: { sys: { id: `section${b.kind}` } } },
    position: i,
    ...b,
    theme: pick(r, ['light', 'dark', 'brand', 'muted']),
    spacing: { top: pick(r, ['none', 'sm', 'md', 'lg', 'xl']), bottom: pick(r, ['none', 'sm', 'md', 'lg', 'xl']) },
    anchor: null,
  }));
}

const UI_STRINGS = [
  'nav.open', 'nav.close', 'nav.skip', 'nav.search', 'nav.login', 'nav.signup', 'nav.contact', 'nav.menu', 'footer.company', 'footer.legal',
  'footer.resources', 'footer.social', 'footer.newsletter.title', 'footer.newsletter.placeholder', 'footer.newsletter.submit', 'footer.copyright',
  'cookie.title', 'cookie.accept', 'cookie.reject', 'cookie.settings', 'cookie.save', 'form.name', 'form.email', 'form.company', 'form.message',
  'form.submit', 'form.success', 'form.error.required', 'form.error.email', 'carousel.previous', 'carousel.next', 'carousel.goto', 'search.placeholder',
  'search.empty', 'search.results', 'a11y.external', 'a11y.newTab', 'date.format', 'pagination.previous', 'pagination.next', 'share.linkedin',
  'share.x', 'share.copy', 'share.copied', 'video.play', 'video.pause', 'languageSwitcher.label', 'breadcrumbs.home', 'error.404.title',
  'error.404.body', 'error.500.title', 'readMore', 'learnMore', 'seeAll', 'backToTop', 'loading', 'close', 'open', 'menu',
];

function translations(r: Rand): Record<string, string> {
  const words = ['Open', 'Close', 'Menu', 'Search', 'Log in', 'Sign up', 'Contact', 'Company', 'Legal', 'Resources', 'Follow us', 'Stay in the loop', 'Your email', 'Submit', 'All rights reserved', 'Previous', 'Next', 'Go to slide {n}', 'No results', '{count} results', 'Opens in a new tab', 'Read more', 'Learn more', 'See all', 'Back to top', 'Loading…', 'Something went wrong', 'Page not found', 'Copy link', 'Copied'];
  return Object.fromEntries(UI_STRINGS.map((k) => [k, pick(r, words)]));
}

function featureFlags(r: Rand): Record<string, unknown> {
  const flags = ['newNav', 'pricingV2', 'abHeroCopy', 'chatWidget', 'exitIntent', 'stickyCta', 'darkMode', 'geoBanner', 'videoHero', 'lazyLogos', 'rscFooter', 'edgeSearch', 'personalisedCta', 'trustpilotWidget', 'g2Badge'];
  return Object.fromEntries(flags.map((f) => [f, { enabled: r() < 0.5, variant: pick(r, ['control', 'a', 'b', 'c']), rollout: int(r, 0, 100), id: hex(r, 24) }]));
}

function navigationJson(ctx: NoiseContext, r: Rand): unknown[] {
  return ctx.nav.map((p) => ({
    id: hex(r, 12),
    label: p.nav,
    href: ctx.href(p.file),
    description: p.description,
    children: ctx.nav.filter((q) => q !== p).slice(0, 3).map((q) => ({ id: hex(r, 12), label: q.nav, href: ctx.href(q.file), icon: pick(r, ICON_NAMES) })),
  }));
}

/** Next.js pages-router payload: props with the whole page from the CMS, layout data, flags. */
export function nextData(ctx: NoiseContext, base: Record<string, unknown>): string {
  const r = rng(`next:${ctx.site.domain}:${ctx.page.file}`);
  const props = (base.props ?? {}) as { pageProps?: Record<string, unknown> };
  const data = {
    ...base,
    props: {
      ...props,
      pageProps: {
        ...props.pageProps,
        sections: cmsBlocks(ctx.page, r),
        layout: { header: { navigation: navigationJson(ctx, r), cta: { label: 'Sign up', href: `https://app.${ctx.site.domain}/signup` } }, footer: { columns: navigationJson(ctx, r), legal: `© 2026 ${ctx.site.legalName ?? ctx.site.name}` } },
        seo: { title: ctx.page.title, description: ctx.page.description, noindex: false, openGraph: { image: { url: `https://${ctx.site.domain}/assets/og-image.png`, width: 1200, height: 630 } } },
        translations: translations(r),
        featureFlags: featureFlags(r),
        _sentryTraceData: `${hex(r, 32)}-${hex(r, 16)}-1`,
        _sentryBaggage: `sentry-environment=production,sentry-release=${hex(r, 40)},sentry-public_key=${hex(r, 32)},sentry-trace_id=${hex(r, 32)},sentry-sample_rate=0.1`,
      },
    },
  };
  return scriptJson(data);
}

/** React Server Components flight chunks (app router), the page again as serialized elements. */
function flightChunks(ctx: NoiseContext): string {
  const r = rng(`rsc:${ctx.site.domain}:${ctx.page.file}`);
  const chunks: string[] = [`(self.__next_f=self.__next_f||[]).push([0])`];
  ctx.page.blocks.forEach((b, i) => {
    const line = `${(i + 2).toString(16)}:["$","section",null,{"className":"${hex(r, 6)}","children":${JSON.stringify(b)}}]\n`;
    chunks.push(`self.__next_f.push([1,${JSON.stringify(line)}])`);
  });
  chunks.push(`self.__next_f.push([1,${JSON.stringify(`${(ctx.page.blocks.length + 2).toString(16)}:I["${int(r, 1000, 9999)}",["static/chunks/${hex(r, 16)}.js","static/chunks/app/layout-${hex(r, 16)}.js"],"default"]\n`)}])`);
  return chunks.map((c) => `<script>${c.replace(/</g, '\\u003c')}</script>`).join('');
}

/** Nuxt 2's window.__NUXT__: an IIFE whose arguments carry the repeated strings. */
function nuxtPayload(ctx: NoiseContext): string {
  const r = rng(`nuxt:${ctx.site.domain}:${ctx.page.file}`);
  const params = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const args = ['null', 'false', 'true', '""', JSON.stringify(ctx.site.name), JSON.stringify(`https://${ctx.site.domain}`), '"default"', String(int(r, 1, 99))];
  const state = {
    layout: 'default',
    data: [{ page: { slug: ctx.page.file.replace(/\.html$/, ''), title: ctx.page.title, description: ctx.page.description, body: cmsBlocks(ctx.page, r) } }],
    fetch: {},
    error: null,
    state: { i18n: { locale: 'en', messages: translations(r) }, navigation: navigationJson(ctx, r), flags: featureFlags(r) },
    serverRendered: true,
    routePath: ctx.href(ctx.page.file),
    config: { _app: { basePath: '/', assetsPath: '/_nuxt/', cdnURL: null }, apiBase: `https://api.${ctx.site.domain}/v2`, sentryDsn: `https://${hex(r, 32)}@o${int(r, 100000, 999999)}.ingest.sentry.io/${int(r, 1000000, 9999999)}` },
  };
  return `<script>window.__NUXT__=(function(${params.join(',')}){return ${scriptJson(state)}}(${args.join(',')}));</script>`;
}

/** Nuxt 3's payload: a flat devalue array in a JSON script. */
function nuxt3Payload(ctx: NoiseContext): string {
  const r = rng(`nuxt3:${ctx.site.domain}:${ctx.page.file}`);
  const flat: unknown[] = [['ShallowReactive', 1], { data: 2, state: 4, once: 6, _errors: 7, serverRendered: 8, path: 9 }, ['ShallowReactive', 3]];
  const strings = cmsBlocks(ctx.page, r).flatMap((b) => Object.values(b).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
  flat.push(Object.fromEntries(strings.map((_, i) => [`k${i}`, i + 10])));
  flat.push({ '$si18n:cached-locale-configs': 5, '$snuxt-i18n-meta': 5, '$scookie-consent': 5 });
  flat.push({});
  flat.push(['Set']);
  flat.push(['ShallowReactive', 5]);
  flat.push(true);
  flat.push(ctx.href(ctx.page.file));
  flat.push(...strings);
  return `<script type="application/json" data-nuxt-data="nuxt-app" data-ssr="true" id="__NUXT_DATA__">${scriptJson(flat)}</script><script>window.__NUXT__={};window.__NUXT__.config={public:{siteUrl:"https://${ctx.site.domain}",gtm:{enabled:true,debug:false},i18n:{baseUrl:"",defaultLocale:"en",strategy:"prefix_except_default"}},app:{baseURL:"/",buildId:"${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}",buildAssetsDir:"/_nuxt/",cdnURL:""}}</script>`;
}

/** Astro island props: the component's props, serialized into an attribute. */
export function astroIsland(ctx: NoiseContext, block: Block, inner: string): string {
  const r = rng(`astro:${ctx.site.domain}:${ctx.page.file}:${block.kind}`);
  const props = Object.fromEntries(Object.entries(block).map(([k, v]) => [k, [typeof v === 'object' ? 1 : 0, v]]));
  return `<astro-island uid="${hex(r, 8)}" prefix="r${int(r, 0, 40)}" component-url="/_astro/${block.kind[0].toUpperCase()}${block.kind.slice(1)}.${hex(r, 8)}.js" component-export="default" renderer-url="/_astro/client.${hex(r, 8)}.js" props="${escAttr(JSON.stringify(props))}" ssr="" client="visible" opts="${escAttr(JSON.stringify({ name: block.kind, value: true }))}" await-children="">${inner}<template data-astro-template=""></template></astro-island>`;
}

/** WordPress/Elementor-era inline configuration objects. */
function wordpressScripts(ctx: NoiseContext): string {
  const r = rng(`wpjs:${ctx.site.domain}:${ctx.page.file}`);
  const emoji = { baseUrl: 'https://s.w.org/images/core/emoji/15.0.3/72x72/', ext: '.png', svgUrl: 'https://s.w.org/images/core/emoji/15.0.3/svg/', svgExt: '.svg', source: { concatemoji: `https://${ctx.site.domain}/wp-includes/js/wp-emoji-release.min.js?ver=6.6.2` } };
  const elementor = {
    environmentMode: { edit: false, wpPreview: false, isScriptDebug: false },
    i18n: translations(r),
    is_rtl: false,
    breakpoints: { xs: 0, sm: 480, md: 768, lg: 1025, xl: 1440, xxl: 1600 },
    responsive: { breakpoints: Object.fromEntries(['mobile', 'mobile_extra', 'tablet', 'tablet_extra', 'laptop', 'widescreen'].map((b) => [b, { label: `${b} Portrait`, value: int(r, 300, 2400), default_value: int(r, 300, 2400), direction: 'max', is_enabled: r() < 0.5 }])) },
    version: '3.24.7',
    urls: { assets: `https://${ctx.site.domain}/wp-content/plugins/elementor/assets/`, ajaxurl: `https://${ctx.site.domain}/wp-admin/admin-ajax.php` },
    nonces: { floatingButtonsClickTracking: hex(r, 10) },
    swiperClass: 'swiper',
    settings: { page: [], editorPreferences: [] },
    kit: { active_breakpoints: ['viewport_mobile', 'viewport_tablet'], global_image_lightbox: 'yes', lightbox_enable_counter: 'yes', lightbox_enable_fullscreen: 'yes', lightbox_enable_zoom: 'yes', body_background_background: 'classic' },
    post: { id: int(r, 10, 9000), title: ctx.page.title, excerpt: ctx.page.description, featuredImage: false },
    flags: featureFlags(r),
  };
  const astra = { break_point: '921', isRtl: '', is_scroll_to_id: '1', is_scroll_to_top: '1', is_header_footer_builder_active: '1', responsive_cart_click: 'flyout', is_dark_palette: '' };
  return [
    `<script id="wp-emoji-settings" type="application/json">${scriptJson(emoji)}</script>`,
    `<script id="astra-theme-js-js-extra">\nvar astra = ${scriptJson(astra)};\n</script>`,
    `<script id="elementor-frontend-js-before">\nvar elementorFrontendConfig = ${scriptJson(elementor)};\n</script>`,
    `<script id="wp-i18n-js-after">\nwp.i18n.setLocaleData( { 'text direction\\u0004ltr': [ 'ltr' ] } );\n</script>`,
    `<script id="rank-math-page-data" type="application/json">${scriptJson({ sections: cmsBlocks(ctx.page, r) })}</script>`,
  ].join('\n');
}

/** A 2000s site's DHTML menu arrays and image preloads. */
function tableScripts(ctx: NoiseContext): string {
  const r = rng(`dhtml:${ctx.site.domain}`);
  const menus = ctx.nav.map((p, i) => `var menu${i + 1} = new Array(${[p, ...ctx.nav.slice(0, 3)].map((q) => `"${(q.nav ?? '').toUpperCase()}","${ctx.href(q.file)}"`).join(',')});`).join('\n');
  const preload = Array.from({ length: 24 }, (_, i) => `'images/nav_${i}_over.gif'`).join(',');
  const lines = Array.from({ length: 40 }, (_, i) => `function MM_${['findObj', 'showHideLayers', 'preloadImages', 'swapImage', 'nbGroup', 'reloadPage'][i % 6]}${i}(n, d) { var p,i,x; if(!d) d=document; if((p=n.indexOf("?"))>0&&parent.frames.length) { d=parent.frames[n.substring(p+1)].document; n=n.substring(0,p);} if(!(x=d[n])&&d.all) x=d.all[n]; for (i=0;!x&&i<d.forms.length;i++) x=d.forms[i][n]; return x; /* ${hex(r, 24)} */ }`);
  return `<script language="JavaScript" type="text/JavaScript">\n<!--\n${menus}\n${lines.join('\n')}\nMM_preloadImages(${preload});\n//-->\n</script>`;
}

// ---------------------------------------------------------------------------------------------
// Tracking and consent

function dataLayer(ctx: NoiseContext): string {
  const r = rng(`dl:${ctx.site.domain}:${ctx.page.file}`);
  const meta = {
    event: 'page_meta',
    page: { type: ctx.page.file.replace(/\.html$/, '').replace(/^index$/, 'home'), title: ctx.page.title, language: ctx.site.lang ?? 'en', template: pick(r, ['landing', 'default', 'wide', 'content']) },
    site: { name: ctx.site.name, environment: 'production', release: hex(r, 12) },
    visitor: { loginState: 'anonymous', consentState: 'pending', experimentBucket: int(r, 0, 99) },
  };
  return `<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('consent','default',{ad_storage:'denied',ad_user_data:'denied',ad_personalization:'denied',analytics_storage:'denied',functionality_storage:'denied',personalization_storage:'denied',security_storage:'granted',wait_for_update:500,region:['AT','BE','BG','HR','CY','CZ','DK','EE','FI','FR','DE','GR','HU','IS','IE','IT','LV','LI','LT','LU','MT','NL','NO','PL','PT','RO','SK','SI','ES','SE','GB','CH']});gtag('set','ads_data_redaction',true);gtag('set','url_passthrough',true);dataLayer.push(${scriptJson(meta)});</script>`;
}

const COOKIE_ROWS: Record<string, [string, string, string][]> = {
  necessary: [
    ['__cf_bm', '30 minutes', 'Set by Cloudflare to support bot management.'],
    ['cookieyes-consent', '1 year', 'Remembers the consent choices you made on this site.'],
    ['JSESSIONID', 'session', 'Keeps the session of an anonymous visitor across pages.'],
    ['__Host-csrf', 'session', 'Protects forms on this site against cross-site request forgery.'],
  ],
  functional: [
    ['lang', 'session', 'Remembers the language you chose.'],
    ['intercom-id-*', '9 months', 'Lets the chat widget recognise returning visitors.'],
    ['__hssrc', 'session', 'Tells whether the browser was restarted, for the chat and forms tool.'],
  ],
  analytics: [
    ['_ga', '1 year 1 month', 'Distinguishes visitors for the analytics service.'],
    ['_ga_*', '1 year 1 month', 'Stores and counts page views.'],
    ['_gid', '1 day', 'Stores information on how visitors use the site.'],
    ['_hjSessionUser_*', '1 year', 'Keeps a session id for the heatmap tool.'],
    ['ajs_anonymous_id', '1 year', 'Counts visits for the customer data platform.'],
    ['__hstc', '6 months', 'Tracks visitors for the marketing automation tool.'],
  ],
  advertisement: [
    ['_fbp', '3 months', 'Stores and tracks visits across websites for advertising.'],
    ['li_sugr', '3 months', 'Browser identifier for the professional network advertising.'],
    ['bcookie', '1 year', 'Browser identifier set by the professional network.'],
    ['test_cookie', '15 minutes', 'Checks whether the browser accepts cookies.'],
  ],
};

const CATEGORY_TEXT: Record<string, string> = {
  necessary: 'Necessary cookies are required to enable the basic features of this site, such as providing secure log-in or adjusting your consent preferences. These cookies do not store any personally identifiable data.',
  functional: 'Functional cookies help perform certain functionalities like sharing the content of the website on social media platforms, collecting feedback, and other third-party features.',
  analytics: 'Analytical cookies are used to understand how visitors interact with the website. These cookies help provide information on metrics such as the number of visitors, bounce rate, traffic source, etc.',
  advertisement: 'Advertisement cookies are used to provide visitors with customised advertisements based on the pages you visited previously and to analyse the effectiveness of the ad campaigns.',
};

/** A consent manager's preference centre with its cookie tables (CookieYes/OneTrust style). */
function preferenceCenter(ctx: NoiseContext): string {
  const oneTrust = ctx.site.trackers.includes('onetrust');
  const categories = Object.keys(COOKIE_ROWS)
    .map((cat, i) => {
      const rows = COOKIE_ROWS[cat].map(([name, duration, what]) => `<tr class="cky-cookie-des-table-row"><td class="cky-cookie-des-name">${escAttr(name)}</td><td class="cky-cookie-des-duration">${duration}</td><td class="cky-cookie-des-description">${escAttr(what)}</td></tr>`).join('');
      return `<div class="cky-accordion" id="ckyDetailCategory${cat}"><div class="cky-accordion-item"><div class="cky-accordion-chevron"><i class="cky-chevron-right"></i></div><div class="cky-accordion-header-wrapper"><div class="cky-accordion-header"><button class="cky-accordion-btn" aria-label="${cat[0].toUpperCase()}${cat.slice(1)}" data-cky-tag="detail-category-title">${cat[0].toUpperCase()}${cat.slice(1)}</button>${i === 0 ? '<span class="cky-always-active">Always Active</span>' : `<div class="cky-switch" data-cky-tag="detail-category-toggle"><input type="checkbox" id="ckySwitch${cat}"></div>`}</div><div class="cky-accordion-header-des" data-cky-tag="detail-category-description"><p>${CATEGORY_TEXT[cat]}</p></div></div></div><div class="cky-accordion-body"><div class="cky-audit-table" data-cky-tag="audit-table"><table class="cky-cookie-des-table"><thead><tr><th>Cookie</th><th>Duration</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table></div></div></div>`;
    })
    .join('');
  const body = `<div class="cky-preference-header"><span class="cky-preference-title" role="heading" aria-level="1">Customise Consent Preferences</span><button class="cky-btn-close" aria-label="Close">${icon(`${ctx.site.domain}close`, 'cky-close')}</button></div><div class="cky-preference-body-wrapper"><div class="cky-preference-content-wrapper"><p>We use cookies to help you navigate efficiently and perform certain functions. You will find detailed information about all cookies under each consent category below.</p><p>The cookies that are categorised as "Necessary" are stored on your browser as they are essential for enabling the basic functionalities of the site.</p></div><div class="cky-horizontal-separator"></div><div class="cky-accordion-wrapper" data-cky-tag="detail-categories">${categories}</div></div><div class="cky-footer-wrapper"><span class="cky-footer-shadow"></span><div class="cky-prefrence-btn-wrapper"><button class="cky-btn cky-btn-reject">Reject All</button><button class="cky-btn cky-btn-preferences">Save My Preferences</button><button class="cky-btn cky-btn-accept">Accept All</button></div></div>`;
  if (oneTrust) {
    return `<div id="onetrust-consent-sdk"><div class="onetrust-pc-dark-filter ot-hide ot-fade-in"></div><div id="onetrust-pc-sdk" class="otPcCenter ot-hide ot-fade-in" lang="en" aria-label="Preference center" role="region"><div role="dialog" aria-modal="true" aria-labelledby="ot-pc-title" style="height: 100%;">${body}</div></div></div>`;
  }
  return `<div class="cky-overlay cky-hide"></div><div class="cky-modal" tabindex="-1" aria-label="Customise consent preferences"><div class="cky-preference-center" role="dialog" aria-modal="true">${body}</div></div><div class="cky-btn-revisit-wrapper cky-revisit-hide" data-cky-tag="revisit-consent" data-tooltip="Consent Preferences"><button class="cky-btn-revisit" aria-label="Consent Preferences">${icon(`${ctx.site.domain}revisit`, 'cky-revisit-icon')}</button></div>`;
}

// ---------------------------------------------------------------------------------------------
// Menus and footers

/** Mega-menu panels for the primary navigation: every page with its description and siblings. */
function megaMenu(ctx: NoiseContext): string {
  const r = rng(`mega:${ctx.site.domain}:${ctx.page.file}`);
  const panels = ctx.nav
    .map((p) => {
      const items = [p, ...ctx.nav.filter((q) => q !== p)]
        .slice(0, 5)
        .map((q) => `<li class="mega-menu__item group relative flex gap-x-6 rounded-lg p-4 hover:bg-gray-50"><div class="mt-1 flex h-11 w-11 flex-none items-center justify-center rounded-lg bg-gray-50 group-hover:bg-white">${icon(`${ctx.site.domain}:${q.file}:${int(r, 0, 999)}`, 'h-6 w-6 text-gray-600 group-hover:text-indigo-600')}</div><div><a href="${ctx.href(q.file)}" class="font-semibold text-gray-900">${escAttr(q.nav ?? '')}<span class="absolute inset-0"></span></a><p class="mt-1 text-gray-600">${escAttr(q.description)}</p></div></li>`)
        .join('');
      return `<div class="mega-menu__panel absolute left-1/2 z-10 mt-5 flex w-screen max-w-max -translate-x-1/2 px-4" data-menu="${escAttr(p.nav ?? '')}" data-headlessui-state=""><div class="w-screen max-w-md flex-auto overflow-hidden rounded-3xl bg-white text-sm leading-6 shadow-lg ring-1 ring-gray-900/5"><ul class="p-4">${items}</ul><div class="grid grid-cols-2 divide-x divide-gray-900/5 bg-gray-50"><a href="${ctx.href(p.file)}" class="flex items-center justify-center gap-x-2.5 p-3 font-semibold text-gray-900 hover:bg-gray-100">${icon(`${ctx.site.domain}:play`, 'h-5 w-5 flex-none text-gray-400')}Watch demo</a><a href="${ctx.href(p.file)}" class="flex items-center justify-center gap-x-2.5 p-3 font-semibold text-gray-900 hover:bg-gray-100">${icon(`${ctx.site.domain}:phone`, 'h-5 w-5 flex-none text-gray-400')}Contact sales</a></div></div></div>`;
    })
    .join('');
  return `<div class="mega-menu hidden lg:block" id="mega-menu">${panels}</div>`;
}

/**
 * A flyout placed in the header beside the navigation rather than inside it, with descriptions
 * in paragraphs: the shape Tailwind UI and many builders use.
 */
function headerFlyout(ctx: NoiseContext): string {
  const items = ctx.nav
    .map((p) => `<div class="group relative flex items-center gap-x-6 rounded-lg p-4 text-sm leading-6 hover:bg-gray-50">${icon(`${ctx.site.domain}:fly:${p.file}`, 'h-6 w-6 text-gray-600')}<div class="flex-auto"><a href="${ctx.href(p.file)}" class="block font-semibold text-gray-900">${escAttr(p.nav ?? '')}<span class="absolute inset-0"></span></a><p class="mt-1 text-gray-600">${escAttr(p.description)}</p></div></div>`)
    .join('');
  return `<div class="absolute inset-x-0 top-0 -z-10 bg-white pt-14 shadow-lg ring-1 ring-gray-900/5" data-headlessui-state="" data-flyout="product"><div class="mx-auto grid max-w-7xl grid-cols-4 gap-x-4 px-6 py-10 lg:px-8 xl:gap-x-8">${items}</div></div>`;
}

/** The mobile menu: the navigation again, in a panel shown below the lg breakpoint. */
function mobileMenu(ctx: NoiseContext): string {
  const links = ctx.nav.map((p) => `<a href="${ctx.href(p.file)}" class="-mx-3 block rounded-lg px-3 py-2 text-base font-semibold leading-7 text-gray-900 hover:bg-gray-50">${escAttr(p.nav ?? '')}</a>`).join('');
  return `<div class="mobile-menu lg:hidden" id="mobile-menu"><div class="fixed inset-0 z-50"></div><div class="fixed inset-y-0 right-0 z-50 w-full overflow-y-auto bg-white px-6 py-6 sm:max-w-sm sm:ring-1 sm:ring-gray-900/10"><div class="flex items-center justify-between"><a href="${ctx.href('index.html')}" class="-m-1.5 p-1.5"><span class="sr-only">${escAttr(ctx.site.name)}</span></a><button type="button" class="-m-2.5 rounded-md p-2.5 text-gray-700"><span class="sr-only">Close menu</span>${icon(`${ctx.site.domain}:x`)}</button></div><div class="mt-6 flow-root"><div class="-my-6 divide-y divide-gray-500/10"><div class="space-y-2 py-6">${links}</div></div></div></div></div>`;
}

/** The footer's link columns again, as the accordion some themes render for small screens. */
function mobileFooter(ctx: NoiseContext): string {
  const links = ctx.nav.map((p) => `<li><a href="${ctx.href(p.file)}">${escAttr(p.nav ?? '')}</a></li>`).join('');
  return `<div class="footer-mobile md:hidden" data-accordion="footer"><details class="footer-mobile__group"><summary>Company</summary><ul>${links}</ul></details><details class="footer-mobile__group"><summary>Legal</summary><ul><li><a href="${ctx.href('privacy.html')}">Privacy policy</a></li></ul></details><p class="footer-mobile__legal">© 2026 ${escAttr(ctx.site.legalName ?? ctx.site.name)}</p></div>`;
}

// ---------------------------------------------------------------------------------------------
// Structured data

function breadcrumbJsonLd(ctx: NoiseContext): string {
  const url = (file: string) => `https://${ctx.site.domain}${file === 'index.html' ? '/' : `/${file.replace(/\.html$/, '')}`}`;
  const crumbs = [{ '@type': 'ListItem', position: 1, name: 'Home', item: url('index.html') }];
  if (ctx.page.file !== 'index.html') crumbs.push({ '@type': 'ListItem', position: 2, name: ctx.page.nav ?? ctx.page.title, item: url(ctx.page.file) });
  const graph = {
    '@context': 'https://schema.org',
    '@graph': [
      { '@type': 'WebPage', '@id': `${url(ctx.page.file)}#webpage`, url: url(ctx.page.file), name: ctx.page.title, description: ctx.page.description, inLanguage: ctx.site.lang ?? 'en', isPartOf: { '@id': `https://${ctx.site.domain}/#website` }, breadcrumb: { '@id': `${url(ctx.page.file)}#breadcrumb` } },
      { '@type': 'BreadcrumbList', '@id': `${url(ctx.page.file)}#breadcrumb`, itemListElement: crumbs },
    ],
  };
  return `<script type="application/ld+json">${scriptJson(graph)}</script>`;
}

// ---------------------------------------------------------------------------------------------
// Putting it into a rendered page

function insertBefore(html: string, marker: string, text: string, last = false): string {
  const at = last ? html.lastIndexOf(marker) : html.indexOf(marker);
  return at < 0 ? html : html.slice(0, at) + text + html.slice(at);
}

function insertAfterOpen(html: string, tag: string, text: string): string {
  const at = html.indexOf(`<${tag}`);
  if (at < 0) return html;
  const end = html.indexOf('>', at);
  return html.slice(0, end + 1) + text + html.slice(end + 1);
}

/** Adds the weight of a real site to a rendered page; the visible content stays as it was. */
export function addRealWorldWeight(html: string, ctx: NoiseContext): string {
  const { theme, site } = ctx;
  const head: string[] = [];
  const bodyStart: string[] = [];
  const bodyEnd: string[] = [];

  head.push(dataLayer(ctx));
  if (theme === 'wordpress') head.push(wordpressGlobalStyles(site));
  if (theme !== 'table') head.push(`<style id="critical-css">${utilityCss(site, theme === 'utility' || theme === 'spa' ? 420 : 280)}</style>`);
  if (theme !== 'table') head.push(breadcrumbJsonLd(ctx));

  if (theme !== 'table') bodyStart.push(svgSprite(site));

  let out = html;
  // mega-menus sit in the primary navigation; the utility theme's flyout and mobile menu beside it
  if (theme !== 'table') out = insertBefore(out, '</nav>', megaMenu(ctx));
  if (theme === 'utility') out = insertBefore(out, '</header>', headerFlyout(ctx));
  if (theme === 'utility' || theme === 'semantic' || theme === 'wordpress') out = insertBefore(out, '</header>', mobileMenu(ctx));

  if (theme !== 'table') bodyEnd.push(mobileFooter(ctx));
  bodyEnd.push(preferenceCenter(ctx));
  switch (theme) {
    case 'spa':
      bodyEnd.push(flightChunks(ctx));
      break;
    case 'bootstrap':
      bodyEnd.push(nuxtPayload(ctx));
      break;
    case 'semantic':
      bodyEnd.push(nuxt3Payload(ctx));
      break;
    case 'wordpress':
      bodyEnd.push(wordpressScripts(ctx));
      break;
    case 'table':
      head.push(tableScripts(ctx));
      break;
    case 'utility':
      bodyEnd.push(nuxt3Payload(ctx).replace('__NUXT_DATA__', '__ASTRO_DATA__').replace(/window\.__NUXT__/g, 'window.__ASTRO__'));
      break;
  }

  out = insertBefore(out, '</head>', `${head.join('\n')}\n`);
  out = insertAfterOpen(out, 'body', `\n${bodyStart.join('\n')}`);
  out = insertBefore(out, '</body>', `${bodyEnd.join('\n')}\n`, true);
  return out;
}
