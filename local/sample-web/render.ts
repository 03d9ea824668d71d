/**
 * Renders a `Site` into static HTML in one of six markup styles. The styles differ on purpose
 * (semantic HTML5, Bootstrap div soup, Tailwind utility classes, a Next.js-style SPA shell, a
 * 2000s table layout, WordPress/Gutenberg) so extractors are exercised on realistic variety.
 */
import type { Block, Link, Page, Role, Site, ThemeName, Tracker } from './content/types.ts';
import { addRealWorldWeight, astroIsland, icon, labelledIcon, nextData, type NoiseContext } from './noise.ts';

type LinkStyle = 'root' | 'file' | 'abs' | 'slash' | 'absslash' | 'roothtml';

interface Ctx {
  site: Site;
  page: Page;
  /** href to another page of the site, by file name */
  href(file: string, style?: LinkStyle): string;
  isHome: boolean;
  prefix: string;
}

/** Escapes text for HTML element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Escapes plain text and applies the two inline marks content may use. */
function inline(text: string): string {
  return esc(text)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/\[(.+?)\]\((.+?)\)/g, '<a href="$2">$1</a>');
}

/** Stable small hash, so generated ids (tag ids, build ids) are deterministic per site. */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

function hexId(seed: string, length: number): string {
  let out = '';
  let n = 0;
  while (out.length < length) out += hash(`${seed}:${n++}`).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function formatDate(iso: string, style: 'us' | 'uk' | 'short' | 'iso' | 'dots'): string {
  const [y, m, d] = iso.split('-').map(Number);
  const month = MONTHS[m - 1];
  switch (style) {
    case 'us':
      return `${month} ${d}, ${y}`;
    case 'uk':
      return `${d} ${month} ${y}`;
    case 'short':
      return `${month.slice(0, 3)} ${d}, ${y}`;
    case 'dots':
      return `${String(d).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}`;
    default:
      return iso;
  }
}

const EUROPE = new Set(['GB', 'NL', 'DE', 'IE', 'BE', 'FR', 'PL']);

function dateStyle(site: Site): 'us' | 'uk' | 'dots' {
  if (site.address.country === 'DE') return 'dots';
  return EUROPE.has(site.address.country) ? 'uk' : 'us';
}

function countryName(code: string): string {
  const names: Record<string, string> = {
    US: 'United States',
    CA: 'Canada',
    GB: 'United Kingdom',
    NL: 'Netherlands',
    DE: 'Germany',
    IE: 'Ireland',
    KY: 'Cayman Islands',
  };
  return names[code] ?? code;
}

function addressLines(site: Site): string[] {
  const a = site.address;
  const cityLine = a.region ? `${a.city}, ${a.region} ${a.postalCode}` : ['GB'].includes(a.country) ? `${a.city} ${a.postalCode}` : `${a.postalCode} ${a.city}`;
  return [a.street, cityLine, countryName(a.country)];
}

/** The page's URL path as the server maps it (`about.html` -> `/about`). */
function pagePath(file: string): string {
  if (file === 'index.html') return '/';
  return `/${file.replace(/\.html$/, '')}`;
}

function makeHref(site: Site, fromFile: string, file: string, style: LinkStyle): string {
  const path = pagePath(file);
  const depth = fromFile.split('/').length - 1;
  const up = '../'.repeat(depth);
  switch (style) {
    case 'root':
      return path;
    case 'roothtml':
      return file === 'index.html' ? '/' : `/${file}`;
    case 'slash':
      return path === '/' ? '/' : `${path}/`;
    case 'abs':
      return `https://${site.domain}${path}`;
    case 'absslash':
      return `https://${site.domain}${path === '/' ? '/' : `${path}/`}`;
    default:
      return `${up}${file}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Head: metadata, structured data and tag snippets

function organizationJsonLd(site: Site, variant: 'value' | 'range' | 'graph'): string {
  const a = site.address;
  const org: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': 'Organization',
    name: site.name,
    ...(site.legalName ? { legalName: site.legalName } : {}),
    url: `https://${site.domain}/`,
    logo: `https://${site.domain}/assets/logo.svg`,
    foundingDate: site.foundingDate,
    numberOfEmployees:
      variant === 'range'
        ? { '@type': 'QuantitativeValue', minValue: rangeLow(site.employees), maxValue: rangeHigh(site.employees) }
        : { '@type': 'QuantitativeValue', value: site.employees },
    address: {
      '@type': 'PostalAddress',
      streetAddress: a.street,
      addressLocality: a.city,
      ...(a.region ? { addressRegion: a.region } : {}),
      postalCode: a.postalCode,
      addressCountry: a.country,
    },
    ...(site.phone ? { telephone: site.phone } : {}),
    ...(site.email ? { email: site.email } : {}),
    sameAs: site.sameAs,
  };
  if (variant === 'graph') {
    delete org['@context'];
    org['@id'] = `https://${site.domain}/#organization`;
    const graph = {
      '@context': 'https://schema.org',
      '@graph': [
        org,
        { '@type': 'WebSite', '@id': `https://${site.domain}/#website`, url: `https://${site.domain}/`, name: site.name, publisher: { '@id': `https://${site.domain}/#organization` } },
      ],
    };
    return `<script type="application/ld+json" class="yoast-schema-graph">${JSON.stringify(graph)}</script>`;
  }
  return `<script type="application/ld+json">\n${JSON.stringify(org, null, 2)}\n</script>`;
}

function rangeLow(n: number): number {
  const bands = [1, 11, 51, 201, 501, 1001, 5001];
  return [...bands].reverse().find((b) => n >= b) ?? 1;
}

function rangeHigh(n: number): number {
  const bands = [10, 50, 200, 500, 1000, 5000, 10000];
  return bands.find((b) => n <= b) ?? 10000;
}

function socialMeta(ctx: Ctx, canonical: string): string {
  const { site, page } = ctx;
  return [
    `<meta property="og:type" content="website">`,
    `<meta property="og:site_name" content="${esc(site.name)}">`,
    `<meta property="og:title" content="${esc(page.title)}">`,
    `<meta property="og:description" content="${esc(page.description)}">`,
    `<meta property="og:url" content="${canonical}">`,
    `<meta property="og:image" content="https://${site.domain}/assets/og-image.png">`,
    `<meta name="twitter:card" content="summary_large_image">`,
  ].join('\n');
}

function trackerHead(site: Site, t: Tracker, page: Page): string {
  const id = hash(`${site.domain}:${t}`);
  switch (t) {
    case 'gtm':
      return `<!-- Google Tag Manager -->\n<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-${gtmId(site)}');</script>\n<!-- End Google Tag Manager -->`;
    case 'ga4': {
      const gid = `G-${hexId(site.domain + 'ga', 10).toUpperCase()}`;
      return `<script async src="https://www.googletagmanager.com/gtag/js?id=${gid}"></script>\n<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());gtag('config','${gid}');</script>`;
    }
    case 'segment':
      return `<script>!function(){var analytics=window.analytics=window.analytics||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","once","off","on"];analytics.factory=function(e){return function(){var t=Array.prototype.slice.call(arguments);t.unshift(e);analytics.push(t);return analytics}};for(var e=0;e<analytics.methods.length;e++){var key=analytics.methods[e];analytics[key]=analytics.factory(key)}analytics.load=function(key,e){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.src="https://cdn.segment.com/analytics.js/v1/"+key+"/analytics.min.js";var n=document.getElementsByTagName("script")[0];n.parentNode.insertBefore(t,n);analytics._loadOptions=e};analytics.SNIPPET_VERSION="4.15.3";analytics.load("${hexId(site.domain + 'seg', 32)}");analytics.page();}}();</script>`;
    case 'onetrust':
      return `<script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js" type="text/javascript" charset="UTF-8" data-domain-script="${uuid(site.domain)}"></script>\n<script type="text/javascript">function OptanonWrapper() { }</script>`;
    case 'plausible':
      return `<script defer data-domain="${site.domain}" src="https://plausible.io/js/script.js"></script>`;
    case 'matomo':
      return `<script>var _paq=window._paq=window._paq||[];_paq.push(['trackPageView']);_paq.push(['enableLinkTracking']);(function(){var u="https://stats.${site.domain}/";_paq.push(['setTrackerUrl',u+'matomo.php']);_paq.push(['setSiteId','${(id % 20) + 1}']);var d=document,g=d.createElement('script'),s=d.getElementsByTagName('script')[0];g.async=true;g.src=u+'matomo.js';s.parentNode.insertBefore(g,s);})();</script>`;
    case 'facebook':
      return `<script>!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init','${1000000000000000 + (id % 899999999999)}');fbq('track','PageView');</script>`;
    case 'stripe':
      return page.file === 'pricing.html' ? `<script src="https://js.stripe.com/v3/"></script>` : '';
    default:
      return '';
  }
}

function trackerBody(site: Site, t: Tracker): string {
  const id = hash(`${site.domain}:${t}`);
  switch (t) {
    case 'gtm':
      return `<!-- Google Tag Manager (noscript) -->\n<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-${gtmId(site)}" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>`;
    case 'hubspot':
      return `<!-- Start of HubSpot Embed Code -->\n<script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/${2000000 + (id % 7999999)}.js"></script>\n<!-- End of HubSpot Embed Code -->`;
    case 'intercom':
      return `<script>window.intercomSettings={api_base:"https://api-iam.intercom.io",app_id:"${hexId(site.domain + 'ic', 8)}"};(function(){var w=window;var ic=w.Intercom;if(typeof ic==="function"){ic('update',w.intercomSettings);}else{var d=document;var i=function(){i.c(arguments);};i.q=[];i.c=function(args){i.q.push(args);};w.Intercom=i;var l=function(){var s=d.createElement('script');s.type='text/javascript';s.async=true;s.src='https://widget.intercom.io/widget/${hexId(site.domain + 'ic', 8)}';var x=d.getElementsByTagName('script')[0];x.parentNode.insertBefore(s,x);};if(document.readyState==='complete'){l();}else if(w.attachEvent){w.attachEvent('onload',l);}else{w.addEventListener('load',l,false);}}})();</script>`;
    case 'hotjar':
      return `<script>(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};h._hjSettings={hjid:${3000000 + (id % 999999)},hjsv:6};a=o.getElementsByTagName('head')[0];r=o.createElement('script');r.async=1;r.src=t+h._hjSettings.hjid+j+h._hjSettings.hjsv;a.appendChild(r);})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>`;
    case 'linkedin': {
      const pid = 1000000 + (id % 8999999);
      return `<script type="text/javascript">_linkedin_partner_id="${pid}";window._linkedin_data_partner_ids=window._linkedin_data_partner_ids||[];window._linkedin_data_partner_ids.push(_linkedin_partner_id);</script><script type="text/javascript">(function(l){if(!l){window.lintrk=function(a,b){window.lintrk.q.push([a,b])};window.lintrk.q=[]}var s=document.getElementsByTagName("script")[0];var b=document.createElement("script");b.type="text/javascript";b.async=true;b.src="https://snap.licdn.com/li.lms-analytics/insight.min.js";s.parentNode.insertBefore(b,s);})(window.lintrk);</script>\n<noscript><img height="1" width="1" style="display:none;" alt="" src="https://px.ads.linkedin.com/collect/?pid=${pid}&amp;fmt=gif" /></noscript>`;
    }
    case 'drift':
      return `<script>"use strict";!function(){var t=window.driftt=window.drift=window.driftt||[];if(!t.init){if(t.invoked)return void(window.console&&console.error&&console.error("Drift snippet included twice."));t.invoked=!0,t.methods=["identify","config","track","reset","debug","show","ping","page","hide","off","on"],t.factory=function(e){return function(){var n=Array.prototype.slice.call(arguments);return n.unshift(e),t.push(n),t}},t.methods.forEach(function(e){t[e]=t.factory(e)}),t.load=function(t){var e=3e5,n=Math.ceil(new Date/e)*e,o=document.createElement("script");o.type="text/javascript",o.async=!0,o.crossorigin="anonymous",o.src="https://js.driftt.com/include/"+n+"/"+t+".js";var i=document.getElementsByTagName("script")[0];i.parentNode.insertBefore(o,i)}}}();drift.SNIPPET_VERSION='0.3.1';drift.load('${hexId(site.domain + 'dr', 12)}');</script>`;
    default:
      return '';
  }
}

function gtmId(site: Site): string {
  return hexId(site.domain + 'gtm', 7).toUpperCase();
}

function uuid(seed: string): string {
  const h = hexId(seed + 'uuid', 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function headTrackers(ctx: Ctx): string {
  return ctx.site.trackers.map((t) => trackerHead(ctx.site, t, ctx.page)).filter(Boolean).join('\n');
}

function bodyTrackers(ctx: Ctx): string {
  return ctx.site.trackers.map((t) => trackerBody(ctx.site, t)).filter(Boolean).join('\n');
}

function gtmNoscript(ctx: Ctx): string {
  return ctx.site.trackers.includes('gtm') ? trackerBody(ctx.site, 'gtm') : '';
}

function lateTrackers(ctx: Ctx): string {
  return ctx.site.trackers
    .filter((t) => t !== 'gtm')
    .map((t) => trackerBody(ctx.site, t))
    .filter(Boolean)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Shared chrome text

function cookieText(site: Site): string {
  return site.cookieText ?? 'We use cookies to improve your experience, analyse traffic and personalise content. Accept all / Manage preferences';
}

function newsletter(site: Site): { title: string; body: string } | undefined {
  if (site.newsletter === false) return undefined;
  return site.newsletter ?? { title: 'Subscribe to our newsletter', body: `Get the latest news, product updates and stories from ${site.name}. No spam, unsubscribe any time.` };
}

function navPages(site: Site): Page[] {
  return site.pages.filter((p) => p.nav);
}

function hasPage(site: Site, file: string): boolean {
  return site.pages.some((p) => p.file === file);
}

function footerColumns(ctx: Ctx, style: LinkStyle): { title: string; links: Link[] }[] {
  const { site } = ctx;
  if (site.footerColumns) return site.footerColumns;
  const label = (file: string, fallback: string) => site.pages.find((p) => p.file === file)?.nav ?? fallback;
  const link = (file: string, fallback: string): Link[] => (hasPage(site, file) ? [{ label: label(file, fallback), href: ctx.href(file, style) }] : []);
  const newsFile = site.pages.find((p) => p.file === 'news.html' || p.file === 'blog.html')?.file ?? 'news.html';
  return [
    { title: 'Company', links: [...link('about.html', 'About'), ...link('team.html', 'Team'), ...link('careers.html', 'Careers'), ...link(newsFile, 'News')] },
    { title: 'Explore', links: [...link('product.html', 'Product'), ...link('pricing.html', 'Pricing'), ...link('customers.html', 'Customers')] },
    { title: 'Legal', links: [...link('contact.html', 'Contact'), { label: 'Privacy policy', href: ctx.href('privacy.html', style) }] },
  ].filter((c) => c.links.length > 0);
}

function copyright(site: Site): string {
  const owner = site.legalName ?? site.name;
  return `© ${site.copyrightYear ?? 2026} ${owner}${owner.endsWith('.') ? '' : '.'} All rights reserved.`;
}

function ctaLink(ctx: Ctx, style: LinkStyle): Link {
  if (hasPage(ctx.site, 'contact.html')) return { label: 'Contact us', href: ctx.href('contact.html', style) };
  return { label: 'Get in touch', href: `mailto:${ctx.site.email ?? `hello@${ctx.site.domain}`}` };
}

// ---------------------------------------------------------------------------------------------
// Themes

interface Theme {
  linkStyle: LinkStyle;
  render(ctx: Ctx): string;
}

/** Class-name vocabulary for the block renderers shared by the "modern" themes. */
interface Vocab {
  section: string;
  container: string;
  h1: string;
  h2: string;
  h3: string;
  lead: string;
  button: string;
  button2: string;
  grid: string;
  card: string;
  muted: string;
  sectionTag: 'section' | 'div';
  cardTag: 'article' | 'div';
}

/**
 * A block as a page builder ships it: inside the wrapper divs of its theme's layout system, the
 * way real builds nest every section two to four levels deep with long class lists.
 */
function renderBlock(b: Block, ctx: Ctx, v: Vocab, theme: ThemeName): string {
  const inner = renderBlockInner(b, ctx, v, theme);
  if (b.kind === 'html') return inner;
  const id = hexId(`${ctx.site.domain}:${ctx.page.file}:${ctx.page.blocks.indexOf(b)}`, 7);
  switch (theme) {
    case 'utility': {
      const island = b.kind === 'testimonials' || b.kind === 'logos' || b.kind === 'faq' ? astroIsland(noiseCtx(ctx), b, inner) : inner;
      return `<div class="relative isolate overflow-hidden bg-white" data-astro-cid-${id}><div class="absolute inset-x-0 -top-40 -z-10 transform-gpu overflow-hidden blur-3xl sm:-top-80" aria-hidden="true"><div class="relative left-[calc(50%-11rem)] aspect-[1155/678] w-[36.125rem] -translate-x-1/2 rotate-[30deg] bg-gradient-to-tr from-[#ff80b5] to-[#9089fc] opacity-30 sm:left-[calc(50%-30rem)] sm:w-[72.1875rem]" style="clip-path: polygon(74.1% 44.1%, 100% 61.6%, 97.5% 26.9%, 85.5% 0.1%, 80.7% 2%, 72.5% 32.5%, 60.2% 62.4%, 52.4% 68.1%, 47.5% 58.3%, 45.2% 34.5%, 27.5% 76.7%, 0.1% 64.9%, 17.9% 100%, 27.6% 76.8%, 76.1% 97.7%, 74.1% 44.1%)"></div></div><div class="mx-auto max-w-2xl lg:max-w-7xl lg:px-0 flex flex-col gap-y-16 lg:gap-y-20">${island}</div></div>`;
    }
    case 'spa':
      return `<div class="css-${hexId(id + 'a', 6)} e${hexId(id + 'b', 4)}0"><div class="css-${hexId(id + 'c', 6)} e${hexId(id + 'd', 4)}1" data-testid="section-${b.kind}">${inner}</div></div>`;
    case 'bootstrap':
      return `<div class="container-fluid px-0 overflow-hidden" data-aos="fade-up" data-aos-delay="100"><div class="row g-0 justify-content-center"><div class="col-12 col-xl-11 mx-auto">${inner}</div></div></div>`;
    case 'wordpress':
      return `<div class="elementor-element elementor-element-${id} e-flex e-con-boxed e-con e-parent" data-id="${id}" data-element_type="container" data-settings="{&quot;background_background&quot;:&quot;classic&quot;,&quot;content_width&quot;:&quot;boxed&quot;}"><div class="e-con-inner"><div class="elementor-element elementor-element-${hexId(id, 7)} elementor-widget elementor-widget-text-editor" data-id="${hexId(id, 7)}" data-element_type="widget" data-widget_type="text-editor.default"><div class="elementor-widget-container">${inner}</div></div></div></div>`;
    case 'semantic':
      return `<div class="${ctx.prefix}-block ${ctx.prefix}-block--${b.kind}" data-block-id="${id}">${inner}</div>`;
    default:
      return inner;
  }
}

function noiseCtx(ctx: Ctx): NoiseContext {
  return { site: ctx.site, page: ctx.page, theme: ctx.site.theme, href: (file) => ctx.href(file), nav: navPages(ctx.site) };
}

function renderBlockInner(b: Block, ctx: Ctx, v: Vocab, theme: ThemeName): string {
  const S = v.sectionTag;
  const C = v.cardTag;
  const open = (extra: string) => `<${S} class="${v.section} ${extra}"><div class="${v.container}">`;
  const close = `</div></${S}>`;
  const title = (t?: string, level: 'h2' | 'h1' = 'h2') => (t ? `<${level} class="${level === 'h1' ? v.h1 : v.h2}">${inline(t)}</${level}>` : '');
  switch (b.kind) {
    case 'hero':
      return `${open('hero')}
  ${b.eyebrow ? `<p class="${v.muted} eyebrow">${inline(b.eyebrow)}</p>` : ''}
  <h1 class="${v.h1}">${inline(b.headline)}</h1>
  <p class="${v.lead}">${inline(b.subhead)}</p>
  <div class="hero-actions">${b.cta ? `<a class="${v.button}" href="${esc(b.cta.href)}">${esc(b.cta.label)}</a>` : ''}${b.secondary ? ` <a class="${v.button2}" href="${esc(b.secondary.href)}">${esc(b.secondary.label)}</a>` : ''}</div>
${close}`;
    case 'stats':
      return `${open('stats')}
  ${title(b.title)}
  <div class="${v.grid} stats-grid">
${b.items.map(([value, label]) => `    <div class="stat"><span class="stat-value">${esc(value)}</span> <span class="stat-label">${esc(label)}</span></div>`).join('\n')}
  </div>
${close}`;
    case 'features':
      return `${open('features')}
  ${title(b.title)}${b.intro ? `\n  <p class="${v.lead}">${inline(b.intro)}</p>` : ''}
  <div class="${v.grid}">
${b.items.map((f) => `    <${C} class="${v.card}">${theme === 'table' ? '' : `<span class="icon-wrap inline-flex">${icon(`${ctx.site.domain}:${f.title}`)}</span>`}<h3 class="${v.h3}">${inline(f.title)}</h3><p>${inline(f.body)}</p></${C}>`).join('\n')}
  </div>
${close}`;
    case 'logos': {
      const asImages = theme === 'semantic' || theme === 'utility';
      return `${open('logo-strip')}
  <p class="${v.muted} logos-title">${esc(b.title)}</p>
  <div class="logos">
${b.names.map((n) => (asImages ? `    <img src="/assets/customers/${slug(n)}.svg" alt="${esc(n)}" width="120" height="32" loading="lazy">` : `    <span class="logo-item">${esc(n)}</span>`)).join('\n')}
  </div>${asImages ? `
  <div class="logos marquee-duplicate" aria-hidden="true">${b.names.map((n) => `<img src="/assets/customers/${slug(n)}.svg" alt="" width="120" height="32" loading="lazy">`).join('')}</div>` : ''}
${close}`;
    }
    case 'testimonials': {
      const figure = (t: (typeof b.items)[number]) => `<figure class="testimonial"><blockquote><p>“${inline(t.quote)}”</p></blockquote><figcaption><strong>${esc(t.name)}</strong>, ${esc(t.role)}, ${esc(t.company)}</figcaption></figure>`;
      if ((theme === 'bootstrap' || theme === 'wordpress') && b.items.length > 1) {
        // a Swiper carousel in loop mode: the last slide cloned before the first and the first after the last
        const slide = (t: (typeof b.items)[number], i: number, clone: boolean) =>
          `<div class="swiper-slide${clone ? ' swiper-slide-duplicate' : ''}" data-swiper-slide-index="${i}" role="group" aria-label="${i + 1} / ${b.items.length}"${clone ? ' aria-hidden="true"' : ''}>${figure(t)}</div>`;
        const last = b.items.length - 1;
        return `${open('testimonials')}
  ${title(b.title)}
  <div class="swiper swiper-initialized swiper-horizontal testimonials-swiper"><div class="swiper-wrapper" aria-live="off" style="transition-duration: 0ms; transform: translate3d(-1140px, 0px, 0px);">${slide(b.items[last], last, true)}${b.items.map((t, i) => slide(t, i, false)).join('')}${slide(b.items[0], 0, true)}</div><div class="swiper-pagination swiper-pagination-clickable swiper-pagination-bullets swiper-pagination-horizontal">${b.items.map((_, i) => `<span class="swiper-pagination-bullet${i === 0 ? ' swiper-pagination-bullet-active' : ''}" tabindex="0" role="button" aria-label="Go to slide ${i + 1}"></span>`).join('')}</div><div class="swiper-button-prev" tabindex="0" role="button" aria-label="Previous slide"></div><div class="swiper-button-next" tabindex="0" role="button" aria-label="Next slide"></div><span class="swiper-notification" aria-live="assertive" aria-atomic="true"></span></div>
${close}`;
      }
      return `${open('testimonials')}
  ${title(b.title)}
${b.items.map((t) => `  ${figure(t)}`).join('\n')}
${close}`;
    }
    case 'prose':
      return `${open('prose')}
  ${title(b.title, ctx.page.blocks[0] === b ? 'h1' : 'h2')}
${b.paragraphs.map((p) => `  <p>${inline(p)}</p>`).join('\n')}
${close}`;
    case 'facts':
      return `${open('facts')}
  ${title(b.title)}
  <dl class="facts">
${b.items.map(([k, val]) => `    <div><dt>${esc(k)}</dt><dd>${esc(val)}</dd></div>`).join('\n')}
  </dl>
${close}`;
    case 'list':
      return `${open('list')}
  ${title(b.title, ctx.page.blocks[0] === b ? 'h1' : 'h2')}${b.intro ? `\n  <p>${inline(b.intro)}</p>` : ''}
  <ul>
${b.items.map((i) => `    <li>${inline(i)}</li>`).join('\n')}
  </ul>
${close}`;
    case 'roles':
      return `${open('careers')}
  ${title(b.title ?? 'Open positions', ctx.page.blocks[0] === b ? 'h1' : 'h2')}${b.intro ? `\n  <p class="${v.lead}">${inline(b.intro)}</p>` : ''}
  ${renderRoles(b.roles, theme, v, b.empty)}${b.perks ? `\n  <h3 class="${v.h3}">Why work with us</h3>\n  <ul class="perks">${b.perks.map((p) => `<li>${inline(p)}</li>`).join('')}</ul>` : ''}
${close}`;
    case 'news':
      return `${open('news')}
  ${title(b.title ?? ctx.page.nav ?? 'News', 'h1')}
${b.items
  .map(
    (n) => `  <${C} class="${v.card} news-item" id="${slug(n.title)}">
    <p class="${v.muted}"><time datetime="${n.date}">${formatDate(n.date, theme === 'spa' ? 'iso' : theme === 'bootstrap' ? 'short' : dateStyle(ctx.site))}</time>${n.tag ? ` · <span class="tag">${esc(n.tag)}</span>` : ''}</p>
    <h2 class="${v.h3}">${inline(n.title)}</h2>
${n.body.map((p) => `    <p>${inline(p)}</p>`).join('\n')}
  </${C}>`,
  )
  .join('\n')}
${close}`;
    case 'tiers':
      return `${open('pricing')}
  ${title(b.title ?? 'Pricing', 'h1')}${b.intro ? `\n  <p class="${v.lead}">${inline(b.intro)}</p>` : ''}
  <div class="${v.grid} tiers">
${b.tiers
  .map(
    (t) => `    <${C} class="${v.card} tier${t.highlight ? ' tier--featured' : ''}">
      ${t.highlight ? `<span class="badge">Most popular</span>` : ''}
      <h3 class="${v.h3}">${esc(t.name)}</h3>
      <p class="price"><span class="amount">${esc(t.price)}</span>${t.period ? ` <span class="period">${esc(t.period)}</span>` : ''}</p>${t.blurb ? `\n      <p>${inline(t.blurb)}</p>` : ''}
      <ul>${t.features.map((f) => `<li>${theme === 'utility' || theme === 'wordpress' ? labelledIcon(`${ctx.site.domain}:check`, 'Included', 'h-6 w-5 flex-none') : ''}${inline(f)}</li>`).join('')}</ul>
      <a class="${t.highlight ? v.button : v.button2}" href="${ctx.href(hasPage(ctx.site, 'contact.html') ? 'contact.html' : 'index.html')}">${/contact|custom|request|talk/i.test(t.price) ? 'Contact sales' : 'Get started'}</a>
    </${C}>`,
  )
  .join('\n')}
  </div>${b.note ? `\n  <p class="${v.muted}">${inline(b.note)}</p>` : ''}
${close}`;
    case 'table':
      return `${open('table-block')}
  ${title(b.title, ctx.page.blocks[0] === b ? 'h1' : 'h2')}
  <table class="${theme === 'bootstrap' ? 'table table-striped' : theme === 'wordpress' ? 'has-fixed-layout' : 'data-table'}">
    <thead><tr>${b.head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>
    <tbody>
${b.rows.map((r) => `      <tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}
    </tbody>
  </table>${b.note ? `\n  <p class="${v.muted}">${inline(b.note)}</p>` : ''}
${close}`;
    case 'stories':
      return `${open('stories')}
  ${title(b.title ?? 'Customer stories', 'h1')}${b.intro ? `\n  <p class="${v.lead}">${inline(b.intro)}</p>` : ''}
  <div class="${v.grid}">
${b.items
  .map(
    (s) => `    <${C} class="${v.card} story">
      <h3 class="${v.h3}">${esc(s.company)}</h3>${s.industry ? `\n      <p class="${v.muted}">${esc(s.industry)}</p>` : ''}
      <p>${inline(s.summary)}</p>${s.result ? `\n      <p class="result"><strong>${inline(s.result)}</strong></p>` : ''}
    </${C}>`,
  )
  .join('\n')}
  </div>
${close}`;
    case 'people':
      return `${open('people')}
  ${title(b.title ?? 'Our team', ctx.page.blocks[0] === b ? 'h1' : 'h2')}
  <div class="${v.grid}">
${b.items.map((p) => `    <${C} class="${v.card} person"><img src="/assets/team/${slug(p.name)}.jpg" alt="" width="96" height="96"><h3 class="${v.h3}">${esc(p.name)}</h3><p class="${v.muted}">${esc(p.role)}</p>${p.bio ? `<p>${inline(p.bio)}</p>` : ''}</${C}>`).join('\n')}
  </div>
${close}`;
    case 'contact':
      return `${open('contact')}
  ${title(b.title ?? 'Contact us', 'h1')}
  <div class="${v.grid}">
${b.offices.map((o) => `    <${C} class="${v.card} office"><h3 class="${v.h3}">${esc(o.label)}</h3><address>${o.lines.map(esc).join('<br>')}</address></${C}>`).join('\n')}
  </div>
  <p>${b.email ? `Email: <a href="mailto:${esc(b.email)}">${esc(b.email)}</a>` : ''}${b.email && b.phone ? ' · ' : ''}${b.phone ? `Phone: <a href="tel:${esc(b.phone.replace(/[^+0-9]/g, ''))}">${esc(b.phone)}</a>` : ''}</p>
  <form class="contact-form" action="/api/contact" method="post">
    <label>Name <input name="name" required></label>
    <label>Work email <input name="email" type="email" required></label>
    <label>Company <input name="company"></label>
    <label>Message <textarea name="message" rows="4"></textarea></label>
    <button type="submit" class="${v.button}">Send message</button>
  </form>
${close}`;
    case 'faq':
      return `${open('faq')}
  ${title(b.title ?? 'Frequently asked questions')}
${b.items.map(([q, a]) => `  <details><summary>${inline(q)}</summary><p>${inline(a)}</p></details>`).join('\n')}
${close}`;
    case 'cta':
      return `${open('cta')}
  <h2 class="${v.h2}">${inline(b.title)}</h2><p>${inline(b.body)}</p><a class="${v.button}" href="${esc(b.button.href)}">${esc(b.button.label)}</a>
${close}`;
    case 'html':
      return b.html;
  }
}

function renderRoles(roles: Role[], theme: ThemeName, v: Vocab, empty?: string): string {
  if (roles.length === 0) return `<p class="no-roles">${inline(empty ?? 'There are no open positions at the moment.')}</p>`;
  switch (theme) {
    case 'bootstrap':
    case 'wordpress':
      return `<table class="${theme === 'bootstrap' ? 'table table-hover jobs' : 'job_listings'}">
    <thead><tr><th>Position</th><th>Department</th><th>Location</th></tr></thead>
    <tbody>
${roles.map((r) => `      <tr><td><a href="#${slug(r.title + r.location)}">${esc(r.title)}</a></td><td>${esc(r.department)}</td><td>${esc(r.location)}${r.type ? ` (${esc(r.type)})` : ''}</td></tr>`).join('\n')}
    </tbody>
  </table>`;
    case 'utility':
      return `<ul role="list" class="divide-y divide-gray-100">
${roles.map((r) => `    <li class="flex justify-between gap-x-6 py-5"><div class="min-w-0"><p class="text-sm font-semibold leading-6 text-gray-900">${esc(r.title)}</p><p class="mt-1 text-xs leading-5 text-gray-500">${esc(r.department)}</p></div><div class="shrink-0 text-sm text-gray-600">${esc(r.location)}</div></li>`).join('\n')}
  </ul>`;
    default:
      return `<ul class="jobs">
${roles.map((r) => `    <li class="${v.card} job"><h3 class="${v.h3}">${esc(r.title)}</h3><p class="${v.muted}"><span class="dept">${esc(r.department)}</span> · <span class="loc">${esc(r.location)}</span>${r.type ? ` · ${esc(r.type)}` : ''}</p></li>`).join('\n')}
  </ul>`;
  }
}

function cookieBanner(site: Site, cls = 'cookie-consent'): string {
  const text = cookieText(site);
  const [message] = text.split(/Accept all/);
  return `<div id="cookie-banner" class="${cls}" role="dialog" aria-live="polite" aria-label="Cookie consent">
  <p>${esc(message.trim())}</p>
  <button type="button" class="cookie-accept">Accept all</button> <button type="button" class="cookie-manage">Manage preferences</button>
</div>`;
}

function newsletterBox(site: Site, cls: string, buttonCls: string): string {
  const n = newsletter(site);
  if (!n) return '';
  return `<div class="${cls}">
  <h2>${esc(n.title)}</h2>
  <p>${esc(n.body)}</p>
  <form action="https://${site.domain}/subscribe" method="post" class="newsletter-form"><input type="email" name="email" placeholder="you@company.com" aria-label="Email address"> <button type="submit" class="${buttonCls}">Subscribe</button></form>
</div>`;
}

// Semantic HTML5 with BEM-ish classes prefixed per site.
const semantic: Theme = {
  linkStyle: 'root',
  render(ctx) {
    const { site, page } = ctx;
    const p = ctx.prefix;
    const v: Vocab = {
      section: `${p}-section`,
      container: `${p}-wrap`,
      h1: `${p}-title`,
      h2: `${p}-heading`,
      h3: `${p}-card__title`,
      lead: `${p}-lead`,
      button: `${p}-btn ${p}-btn--primary`,
      button2: `${p}-btn ${p}-btn--ghost`,
      grid: `${p}-grid`,
      card: `${p}-card`,
      muted: `${p}-muted`,
      sectionTag: 'section',
      cardTag: 'article',
    };
    const canonical = `https://${site.domain}${pagePath(page.file)}`;
    const cta = ctaLink(ctx, 'root');
    return `<!DOCTYPE html>
<html lang="${site.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(page.title)}</title>
<meta name="description" content="${esc(page.description)}">
<link rel="canonical" href="${canonical}">
${socialMeta(ctx, canonical)}
<link rel="icon" href="/favicon.ico" sizes="any">
<link rel="stylesheet" href="/assets/css/main.${hexId(site.domain + 'css', 8)}.css">
<style>:root{--brand:${site.color}}</style>
${ctx.isHome ? organizationJsonLd(site, 'value') : ''}
${headTrackers(ctx)}
</head>
<body class="${p}-body page-${slug(page.file.replace('.html', ''))}">
${gtmNoscript(ctx)}
<a class="skip-link" href="#main">Skip to content</a>
<header class="${p}-header">
  <a class="${p}-logo" href="/"><img src="/assets/logo.svg" alt="${esc(site.name)}" width="160" height="40"></a>
  <nav class="${p}-nav" aria-label="Primary">
    <ul>
${navPages(site)
  .map((n) => `      <li><a href="${ctx.href(n.file)}"${n.file === page.file ? ' aria-current="page"' : ''}>${esc(n.nav ?? '')}</a></li>`)
  .join('\n')}
    </ul>
  </nav>
  <a class="${p}-btn ${p}-btn--primary" href="${esc(cta.href)}">${esc(cta.label)}</a>
</header>
<main id="main">
${page.blocks.map((b) => renderBlock(b, ctx, v, 'semantic')).join('\n')}
</main>
<aside class="${p}-newsletter" aria-label="Newsletter">
${newsletterBox(site, `${p}-newsletter__inner`, `${p}-btn`)}
</aside>
<footer class="${p}-footer">
  <div class="${p}-footer__cols">
${footerColumns(ctx, 'roothtml')
  .map((c) => `    <nav aria-label="${esc(c.title)}"><h2>${esc(c.title)}</h2><ul>${c.links.map((l) => `<li><a href="${esc(l.href)}">${esc(l.label)}</a></li>`).join('')}</ul></nav>`)
  .join('\n')}
  </div>
  <address class="${p}-footer__address">${esc(site.legalName ?? site.name)}<br>${addressLines(site).map(esc).join('<br>')}${site.phone ? `<br>${esc(site.phone)}` : ''}</address>
  <ul class="${p}-social">${site.sameAs.map((s) => `<li><a href="${esc(s)}" rel="noopener" target="_blank">${esc(socialName(s))}</a></li>`).join('')}</ul>
  <p class="${p}-copyright">${esc(copyright(site))}</p>
</footer>
${cookieBanner(site)}
${lateTrackers(ctx)}
</body>
</html>
`;
  },
};

function socialName(url: string): string {
  const host = new URL(url).hostname.replace(/^www\./, '');
  const names: Record<string, string> = {
    'linkedin.com': 'LinkedIn',
    'twitter.com': 'X (Twitter)',
    'facebook.com': 'Facebook',
    'instagram.com': 'Instagram',
    'youtube.com': 'YouTube',
    'github.com': 'GitHub',
    'xing.com': 'XING',
    'dribbble.com': 'Dribbble',
    't.me': 'Telegram',
    'discord.gg': 'Discord',
  };
  return names[host] ?? host;
}

// Bootstrap 5 div soup with relative file links.
const bootstrap: Theme = {
  linkStyle: 'file',
  render(ctx) {
    const { site, page } = ctx;
    const v: Vocab = {
      section: 'py-5',
      container: 'container',
      h1: 'display-5 fw-bold',
      h2: 'h3 mb-4',
      h3: 'card-title h5',
      lead: 'lead text-secondary',
      button: 'btn btn-primary btn-lg',
      button2: 'btn btn-outline-secondary btn-lg',
      grid: 'row row-cols-1 row-cols-md-3 g-4',
      card: 'col card-body border rounded-3 p-4',
      muted: 'text-muted small',
      sectionTag: 'div',
      cardTag: 'div',
    };
    const canonical = `https://${site.domain}/${page.file === 'index.html' ? '' : page.file}`;
    return `<!doctype html>
<html lang="${site.lang ?? 'en'}">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
    <title>${esc(page.title)}</title>
    <meta name="description" content="${esc(page.description)}">
    <meta name="author" content="${esc(site.name)}">
    <link rel="canonical" href="${canonical}">
    ${socialMeta(ctx, canonical).replace(/\n/g, '\n    ')}
    <link href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css" rel="stylesheet">
    <link href="css/style.css" rel="stylesheet">
    ${ctx.isHome ? organizationJsonLd(site, 'value') : ''}
    ${headTrackers(ctx)}
  </head>
  <body>
    ${gtmNoscript(ctx)}
    <div class="wrapper">
      <div class="topbar bg-dark text-white small py-1"><div class="container">${site.phone ? `Call us: ${esc(site.phone)}` : `Questions? ${esc(site.email ?? `info@${site.domain}`)}`}</div></div>
      <nav class="navbar navbar-expand-lg navbar-light bg-light border-bottom">
        <div class="container">
          <a class="navbar-brand" href="index.html"><img src="assets/logo.svg" alt="" height="32"> <span class="brand-name">${esc(site.name)}</span></a>
          <button class="navbar-toggler" type="button" data-bs-toggle="collapse" data-bs-target="#mainNav" aria-controls="mainNav" aria-expanded="false" aria-label="Toggle navigation"><span class="navbar-toggler-icon"></span></button>
          <div class="collapse navbar-collapse" id="mainNav">
            <ul class="navbar-nav ms-auto">
${navPages(site)
  .map((n) => `              <li class="nav-item"><a class="nav-link${n.file === page.file ? ' active' : ''}" href="${ctx.href(n.file)}">${esc(n.nav ?? '')}</a></li>`)
  .join('\n')}
            </ul>
          </div>
        </div>
      </nav>
      <div class="content">
${page.blocks.map((b) => renderBlock(b, ctx, v, 'bootstrap')).join('\n')}
      </div>
      <div class="newsletter bg-light py-5"><div class="container">
${newsletterBox(site, 'row newsletter-box', 'btn btn-primary')}
      </div></div>
      <div class="footer bg-dark text-white-50 py-5">
        <div class="container">
          <div class="row">
            <div class="col-md-4"><div class="footer-brand text-white">${esc(site.name)}</div><p>${esc(site.tagline)}</p><p>${addressLines(site).map(esc).join('<br>')}</p></div>
${footerColumns(ctx, 'file')
  .map((c) => `            <div class="col-md-2"><div class="footer-title text-white">${esc(c.title)}</div>${c.links.map((l) => `<div><a class="text-white-50" href="${esc(l.href)}">${esc(l.label)}</a></div>`).join('')}</div>`)
  .join('\n')}
          </div>
          <div class="row mt-4"><div class="col">${esc(copyright(site))} ${site.sameAs.map((s) => `<a class="text-white-50 ms-2" href="${esc(s)}">${esc(socialName(s))}</a>`).join(' ')}</div></div>
        </div>
      </div>
    </div>
    ${cookieBanner(site, 'cookie-consent alert alert-light fixed-bottom m-3 shadow')}
    <script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
    <script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js"></script>
    <script src="js/main.js"></script>
    ${lateTrackers(ctx)}
  </body>
</html>
`;
  },
};

// Tailwind utility classes, absolute links, an Astro-style build.
const utility: Theme = {
  linkStyle: 'abs',
  render(ctx) {
    const { site, page } = ctx;
    const v: Vocab = {
      section: 'relative isolate py-16 sm:py-24',
      container: 'mx-auto max-w-7xl px-6 lg:px-8',
      h1: 'text-4xl font-bold tracking-tight text-gray-900 sm:text-6xl',
      h2: 'text-3xl font-bold tracking-tight text-gray-900 sm:text-4xl',
      h3: 'text-base font-semibold leading-7 text-gray-900',
      lead: 'mt-6 text-lg leading-8 text-gray-600',
      button: 'rounded-md bg-indigo-600 px-3.5 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500',
      button2: 'text-sm font-semibold leading-6 text-gray-900',
      grid: 'mx-auto mt-10 grid max-w-2xl grid-cols-1 gap-8 lg:mx-0 lg:max-w-none lg:grid-cols-3',
      card: 'flex flex-col rounded-2xl bg-white p-8 ring-1 ring-gray-200',
      muted: 'text-sm leading-6 text-gray-500',
      sectionTag: 'section',
      cardTag: 'div',
    };
    const canonical = `https://${site.domain}${pagePath(page.file)}`;
    const build = hexId(site.domain + 'astro', 8);
    return `<!DOCTYPE html><html lang="${site.lang ?? 'en'}" class="h-full scroll-smooth"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width"><meta name="generator" content="Astro v4.16.7"><title>${esc(page.title)}</title><meta name="description" content="${esc(page.description)}"><link rel="canonical" href="${canonical}">
${socialMeta(ctx, canonical)}
<link rel="stylesheet" href="/_astro/index.${build}.css">
<script type="module" src="/_astro/hoisted.${build}.js"></script>
${ctx.isHome ? organizationJsonLd(site, 'range') : ''}
${headTrackers(ctx)}
</head>
<body class="h-full bg-white antialiased">
${gtmNoscript(ctx)}
<div class="bg-gray-900 px-6 py-2.5 text-center text-sm text-white"><p>${esc(site.tagline)}</p></div>
<header class="inset-x-0 top-0 z-50 border-b border-gray-100">
<nav class="mx-auto flex max-w-7xl items-center justify-between p-6 lg:px-8" aria-label="Global">
<div class="flex lg:flex-1"><a href="https://${site.domain}/" class="-m-1.5 p-1.5"><span class="sr-only">${esc(site.name)}</span><img class="h-8 w-auto" src="https://${site.domain}/assets/logo.svg" alt=""></a></div>
<div class="hidden lg:flex lg:gap-x-12">
${navPages(site)
  .map((n) => `<a href="${ctx.href(n.file)}" class="text-sm font-semibold leading-6 text-gray-900">${esc(n.nav ?? '')}</a>`)
  .join('\n')}
</div>
<div class="hidden lg:flex lg:flex-1 lg:justify-end"><a href="${esc(ctaLink(ctx, 'abs').href)}" class="text-sm font-semibold leading-6 text-gray-900">${esc(ctaLink(ctx, 'abs').label)} <span aria-hidden="true">&rarr;</span></a></div>
</nav>
</header>
<main>
${page.blocks.map((b) => renderBlock(b, ctx, v, 'utility')).join('\n')}
</main>
<section class="bg-gray-50 py-16"><div class="mx-auto max-w-7xl px-6 lg:px-8">
${newsletterBox(site, 'max-w-xl newsletter', 'rounded-md bg-indigo-600 px-3.5 py-2.5 text-sm font-semibold text-white')}
</div></section>
<footer class="bg-white" aria-labelledby="footer-heading"><h2 id="footer-heading" class="sr-only">Footer</h2>
<div class="mx-auto max-w-7xl px-6 pb-8 pt-16 lg:px-8">
<div class="grid grid-cols-2 gap-8 md:grid-cols-4">
${footerColumns(ctx, 'abs')
  .map((c) => `<div><h3 class="text-sm font-semibold leading-6 text-gray-900">${esc(c.title)}</h3><ul role="list" class="mt-6 space-y-4">${c.links.map((l) => `<li><a href="${esc(l.href)}" class="text-sm leading-6 text-gray-600 hover:text-gray-900">${esc(l.label)}</a></li>`).join('')}</ul></div>`)
  .join('\n')}
</div>
<div class="mt-16 border-t border-gray-900/10 pt-8 sm:mt-20 lg:mt-24 lg:flex lg:items-center lg:justify-between">
<p class="text-xs leading-5 text-gray-500">${esc(copyright(site))} ${esc(addressLines(site).join(', '))}</p>
<div class="flex space-x-6">${site.sameAs.map((s) => `<a href="${esc(s)}" class="text-gray-400 hover:text-gray-500"><span class="sr-only">${esc(socialName(s))}</span><svg class="h-6 w-6" fill="currentColor" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10"/></svg></a>`).join('')}</div>
</div>
</div>
</footer>
${cookieBanner(site, 'cookie-consent pointer-events-auto fixed bottom-0 left-0 right-0 bg-white p-6 shadow-lg ring-1 ring-gray-900/10')}
${lateTrackers(ctx)}
</body></html>
`;
  },
};

// A Next.js-style SPA: hashed class names, minified, with a hydration payload in __NEXT_DATA__.
const spa: Theme = {
  linkStyle: 'slash',
  render(ctx) {
    const { site, page } = ctx;
    const h = (name: string) => `${name}__${hexId(site.domain + name, 5)}`;
    const v: Vocab = {
      section: `styles_section__${hexId('s' + site.domain, 5)} css-${hexId(page.file, 6)}`,
      container: `styles_container__${hexId('c' + site.domain, 5)}`,
      h1: `styles_h1__${hexId('h1', 5)}`,
      h2: `styles_h2__${hexId('h2', 5)}`,
      h3: `styles_h3__${hexId('h3', 5)}`,
      lead: `styles_lead__${hexId('lead', 5)}`,
      button: `Button_primary__${hexId('bp', 5)}`,
      button2: `Button_secondary__${hexId('bs', 5)}`,
      grid: `styles_grid__${hexId('g', 5)}`,
      card: `Card_root__${hexId('card', 5)}`,
      muted: `styles_muted__${hexId('m', 5)}`,
      sectionTag: 'div',
      cardTag: 'div',
    };
    const canonical = `https://${site.domain}${pagePath(page.file) === '/' ? '/' : `${pagePath(page.file)}/`}`;
    const buildId = hexId(site.domain + 'build', 21);
    const route = pagePath(page.file) === '/' ? '/' : pagePath(page.file);
    const base = {
      props: { pageProps: { page: { slug: route, title: page.title, description: page.description }, navigation: navPages(site).map((n) => ({ label: n.nav, href: makeHref(site, page.file, n.file, 'slash') })) }, __N_SSG: true },
      page: route === '/' ? '/' : '/[slug]',
      query: route === '/' ? {} : { slug: route.slice(1) },
      buildId,
      isFallback: false,
      gsp: true,
      scriptLoader: [],
    };
    const body = page.blocks
      .map((b) => renderBlock(b, ctx, v, 'spa'))
      .join('')
      .replace(/\n\s*/g, '');
    const navHtml = navPages(site)
      .map((n) => `<a class="${h('Nav_link')}" href="${ctx.href(n.file)}">${esc(n.nav ?? '')}</a>`)
      .join('');
    const footer = footerColumns(ctx, 'slash')
      .map((c) => `<div class="${h('Footer_col')}"><p class="${h('Footer_title')}">${esc(c.title)}</p>${c.links.map((l) => `<a href="${esc(l.href)}">${esc(l.label)}</a>`).join('')}</div>`)
      .join('');
    return `<!DOCTYPE html><html lang="${site.lang ?? 'en'}"><head><meta charSet="utf-8"/><meta name="viewport" content="width=device-width"/><title>${esc(page.title)}</title><meta name="description" content="${esc(page.description)}"/><link rel="canonical" href="${canonical}"/>${socialMeta(ctx, canonical).replace(/\n/g, '')}<meta name="next-head-count" content="14"/><link rel="preload" href="/_next/static/media/a34f9d1faa5f3315-s.p.woff2" as="font" type="font/woff2" crossorigin="anonymous"/><link rel="preload" href="/_next/static/css/${hexId(site.domain + 'css', 16)}.css" as="style"/><link rel="stylesheet" href="/_next/static/css/${hexId(site.domain + 'css', 16)}.css" data-n-g=""/><noscript data-n-css=""></noscript><script defer="" nomodule="" src="/_next/static/chunks/polyfills-42372ed130431b0a.js"></script><script src="/_next/static/chunks/webpack-${hexId(buildId + 'wp', 16)}.js" defer=""></script><script src="/_next/static/chunks/framework-${hexId(buildId + 'fw', 16)}.js" defer=""></script><script src="/_next/static/chunks/main-${hexId(buildId + 'main', 16)}.js" defer=""></script><script src="/_next/static/chunks/pages/_app-${hexId(buildId + 'app', 16)}.js" defer=""></script><script src="/_next/static/${buildId}/_buildManifest.js" defer=""></script><script src="/_next/static/${buildId}/_ssgManifest.js" defer=""></script>${ctx.isHome ? organizationJsonLd(site, 'value').replace(/\n\s*/g, '') : ''}${headTrackers(ctx).replace(/\n/g, '')}</head><body><noscript>You need to enable JavaScript to use the ${esc(site.name)} console. The marketing pages below still work without it.</noscript><div id="__next"><div class="${h('Layout_root')}"><header class="${h('Header_root')}"><a class="${h('Header_logo')}" href="/"><svg aria-label="${esc(site.name)}" width="28" height="28" viewBox="0 0 28 28"><rect width="28" height="28" rx="6" fill="${site.color}"></rect></svg><span>${esc(site.name)}</span></a><nav class="${h('Nav_root')}">${navHtml}</nav><a class="${v.button}" href="https://app.${site.domain}/signup">Sign up</a></header><main class="${h('Layout_main')}">${body}</main><div class="${h('Newsletter_root')}">${newsletterBox(site, h('Newsletter_inner'), v.button).replace(/\n\s*/g, '')}</div><footer class="${h('Footer_root')}"><div class="${h('Footer_cols')}">${footer}</div><p class="${h('Footer_legal')}">${esc(copyright(site))} ${esc(addressLines(site).join(', '))}</p></footer></div>${cookieBanner(site, `cookie-consent ${h('CookieBanner_root')}`).replace(/\n\s*/g, '')}</div><script id="__NEXT_DATA__" type="application/json">${nextData(noiseCtx(ctx), base)}</script>${lateTrackers(ctx).replace(/\n/g, '')}</body></html>`;
  },
};

// A 2000s table layout: HTML 4.01, font tags, spacer gifs, no Open Graph or JSON-LD.
const table: Theme = {
  linkStyle: 'file',
  render(ctx) {
    const { site, page } = ctx;
    const font = (s: string, size = 2) => `<font face="Verdana, Arial, Helvetica, sans-serif" size="${size}">${s}</font>`;
    const blocks = page.blocks.map((b) => `<tr><td class="content">${tableBlock(b, ctx, font)}</td></tr>\n<tr><td><img src="images/spacer.gif" width="1" height="12" alt=""></td></tr>`).join('\n');
    return `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>${esc(page.title)}</title>
<meta name="description" content="${esc(page.description)}">
<meta name="keywords" content="${esc(keywordsFor(site))}">
<link href="styles.css" rel="stylesheet" type="text/css">
<script language="JavaScript" type="text/JavaScript">
<!--
function MM_swapImgRestore() { var i,x,a=document.MM_sr; for(i=0;a&&i<a.length&&(x=a[i])&&x.oSrc;i++) x.src=x.oSrc; }
//-->
</script>
${headTrackers(ctx)}
</head>
<body bgcolor="#FFFFFF" leftmargin="0" topmargin="0" marginwidth="0" marginheight="0">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
<tr>
<td bgcolor="${site.color}" height="90"><table width="960" border="0" align="center" cellpadding="0" cellspacing="0"><tr>
<td width="300"><a href="index.html"><img src="images/logo.gif" alt="${esc(site.name)}" width="280" height="70" border="0"></a></td>
<td align="right">${font(`<font color="#FFFFFF"><b>Tel: ${esc(site.phone ?? '')}</b><br>${esc(site.email ?? '')}</font>`)}</td>
</tr></table></td>
</tr>
<tr>
<td bgcolor="#333333"><table width="960" border="0" align="center" cellpadding="6" cellspacing="0"><tr>
<td><a href="index.html" class="navlink">${font('<font color="#FFFFFF">HOME</font>')}</a></td>
${navPages(site)
  .map((n) => `<td><a href="${ctx.href(n.file)}" class="navlink">${font(`<font color="#FFFFFF">${esc((n.nav ?? '').toUpperCase())}</font>`)}</a></td>`)
  .join('\n')}
</tr></table></td>
</tr>
<tr>
<td><table width="960" border="0" align="center" cellpadding="10" cellspacing="0">
${blocks}
<tr><td><table width="100%" border="1" bordercolor="#CCCCCC" cellpadding="8" cellspacing="0"><tr><td bgcolor="#F3F3F3">${newsletterBox(site, 'newsletter', 'button')}</td></tr></table></td></tr>
</table></td>
</tr>
<tr>
<td bgcolor="#EEEEEE"><table width="960" border="0" align="center" cellpadding="8" cellspacing="0"><tr>
<td valign="top">${font(`<b>${esc(site.legalName ?? site.name)}</b><br>${addressLines(site).map(esc).join('<br>')}${site.address.country === 'GB' ? `<br>Registered in England &amp; Wales No. ${hash(site.domain) % 9000000 + 1000000}` : ''}`, 1)}</td>
<td valign="top" align="right">${font(`<a href="about.html">About Us</a> | <a href="careers.html">Careers</a> | <a href="news.html">News</a> | <a href="customers.html">Customers</a> | <a href="privacy.html">Privacy</a><br>${esc(copyright(site))}`, 1)}</td>
</tr></table></td>
</tr>
</table>
${cookieBanner(site)}
${lateTrackers(ctx)}
</body>
</html>
`;
  },
};

function keywordsFor(site: Site): string {
  const home = site.pages.find((p) => p.file === 'index.html');
  const features = home?.blocks.find((b) => b.kind === 'features');
  const words = features && features.kind === 'features' ? features.items.map((f) => f.title.toLowerCase()) : [];
  return [...words, site.address.city].join(', ');
}

function tableBlock(b: Block, ctx: Ctx, font: (s: string, size?: number) => string): string {
  const heading = (t?: string) => (t ? `<h2>${font(`<b>${inline(t)}</b>`, 4)}</h2>` : '');
  switch (b.kind) {
    case 'hero':
      return `<table width="100%" cellpadding="20" cellspacing="0" border="0" bgcolor="#F5EFE6"><tr><td><h1>${font(`<b>${inline(b.headline)}</b>`, 5)}</h1>${font(inline(b.subhead), 3)}<br><br>${b.cta ? `<a href="${esc(b.cta.href)}"><b>${esc(b.cta.label)} &raquo;</b></a>` : ''}</td></tr></table>`;
    case 'stats':
      return `<table width="100%" cellpadding="10" cellspacing="0" border="0"><tr>${b.items.map(([value, label]) => `<td align="center" width="${Math.floor(100 / b.items.length)}%">${font(`<b>${esc(value)}</b>`, 5)}<br>${font(esc(label))}</td>`).join('')}</tr></table>`;
    case 'features':
      return `${heading(b.title)}<table width="100%" cellpadding="8" cellspacing="0" border="0"><tr>${b.items.map((f) => `<td valign="top" width="${Math.floor(100 / b.items.length)}%">${font(`<b>${inline(f.title)}</b><br>${inline(f.body)}`)}</td>`).join('')}</tr></table>`;
    case 'logos':
      return `${font(`<b>${esc(b.title)}:</b> ${b.names.map(esc).join(' &bull; ')}`)}`;
    case 'prose':
      return `${heading(b.title)}${b.paragraphs.map((p) => `<p>${font(inline(p))}</p>`).join('\n')}`;
    case 'list':
      return `${heading(b.title)}${b.intro ? `<p>${font(inline(b.intro))}</p>` : ''}<ul>${b.items.map((i) => `<li>${font(inline(i))}</li>`).join('')}</ul>`;
    case 'roles':
      return `${heading(b.title ?? 'VACANCIES')}<table width="100%" border="1" cellpadding="6" cellspacing="0" bordercolor="#999999"><tr bgcolor="#DDDDDD"><td>${font('<b>Position</b>')}</td><td>${font('<b>Department</b>')}</td><td>${font('<b>Location</b>')}</td><td>${font('<b>Hours</b>')}</td></tr>${b.roles.map((r) => `<tr><td>${font(esc(r.title))}</td><td>${font(esc(r.department))}</td><td>${font(esc(r.location))}</td><td>${font(esc(r.type ?? ''))}</td></tr>`).join('')}</table>${b.perks ? `<p>${font(`<b>Benefits:</b> ${b.perks.map(esc).join('; ')}`)}</p>` : ''}<p>${font(`Send your CV to <a href="mailto:jobs@${ctx.site.domain}">jobs@${ctx.site.domain}</a>`)}</p>`;
    case 'news':
      return `${heading('LATEST NEWS')}${b.items.map((n) => `<p>${font(`<b>${formatDate(n.date, 'uk')}</b> - <b>${inline(n.title)}</b>`)}<br>${n.body.map((p) => font(inline(p))).join('<br>')}</p>`).join('<hr size="1" noshade>')}`;
    case 'table':
      return `${heading(b.title)}<table border="1" cellpadding="5" cellspacing="0"><tr>${b.head.map((h) => `<td bgcolor="#DDDDDD">${font(`<b>${esc(h)}</b>`)}</td>`).join('')}</tr>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${font(esc(c))}</td>`).join('')}</tr>`).join('')}</table>${b.note ? `<p>${font(inline(b.note))}</p>` : ''}`;
    case 'testimonials':
      return b.items.map((t) => `<p><i>${font(`“${inline(t.quote)}”`)}</i><br>${font(`- ${esc(t.name)}, ${esc(t.role)}, ${esc(t.company)}`)}</p>`).join('');
    case 'stories':
      return `${heading(b.title)}${b.items.map((s) => `<p>${font(`<b>${esc(s.company)}</b><br>${inline(s.summary)}${s.result ? ` ${inline(s.result)}` : ''}`)}</p>`).join('')}`;
    default:
      return '';
  }
}

// WordPress with Gutenberg blocks, a Yoast schema graph and trailing-slash permalinks.
const wordpress: Theme = {
  linkStyle: 'absslash',
  render(ctx) {
    const { site, page } = ctx;
    const pageId = (hash(site.domain + page.file) % 900) + 10;
    const v: Vocab = {
      section: 'wp-block-group alignwide',
      container: 'wp-block-group__inner-container is-layout-constrained',
      h1: 'wp-block-heading has-x-large-font-size',
      h2: 'wp-block-heading',
      h3: 'wp-block-heading has-medium-font-size',
      lead: 'has-large-font-size',
      button: 'wp-block-button__link wp-element-button',
      button2: 'wp-block-button__link wp-element-button is-style-outline',
      grid: 'wp-block-columns is-layout-flex',
      card: 'wp-block-column has-background',
      muted: 'has-small-font-size has-cyan-bluish-gray-color',
      sectionTag: 'div',
      cardTag: page.file === 'news.html' || page.file === 'blog.html' ? 'article' : 'div',
    };
    const canonical = `https://${site.domain}${pagePath(page.file) === '/' ? '/' : `${pagePath(page.file)}/`}`;
    const isNews = page.file === 'news.html' || page.file === 'blog.html';
    const newsBlock = site.pages.flatMap((p) => p.blocks).find((b) => b.kind === 'news');
    const recent = newsBlock && newsBlock.kind === 'news' ? newsBlock.items.slice(0, 3) : [];
    const newsFile = site.pages.find((p) => p.file === 'news.html' || p.file === 'blog.html')?.file;
    return `<!DOCTYPE html>
<html lang="${site.lang ?? 'en-US'}">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="https://gmpg.org/xfn/11">
<!-- This site is optimized with the Yoast SEO plugin v23.5 - https://yoast.com/wordpress/plugins/seo/ -->
<title>${esc(page.title)}</title>
<meta name="description" content="${esc(page.description)}" />
<link rel="canonical" href="${canonical}" />
<meta property="og:locale" content="en_US" />
${socialMeta(ctx, canonical)}
${ctx.isHome ? organizationJsonLd(site, 'graph') : ''}
<!-- / Yoast SEO plugin. -->
<link rel='dns-prefetch' href='//fonts.googleapis.com' />
<link rel="alternate" type="application/rss+xml" title="${esc(site.name)} &raquo; Feed" href="https://${site.domain}/feed/" />
<link rel='stylesheet' id='wp-block-library-css' href='https://${site.domain}/wp-includes/css/dist/block-library/style.min.css?ver=6.6.2' media='all' />
<link rel='stylesheet' id='astra-theme-css-css' href='https://${site.domain}/wp-content/themes/astra/assets/css/minified/main.min.css?ver=4.8.3' media='all' />
<script src="https://${site.domain}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<link rel="https://api.w.org/" href="https://${site.domain}/wp-json/" />
<meta name="generator" content="WordPress 6.6.2" />
${headTrackers(ctx)}
</head>
<body class="${ctx.isHome ? 'home ' : ''}page-template-default page page-id-${pageId} wp-custom-logo wp-embed-responsive ast-single-post">
${gtmNoscript(ctx)}
<div id="page" class="hfeed site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header">
  <div class="site-branding"><a href="https://${site.domain}/" class="custom-logo-link" rel="home"><img width="200" height="50" src="https://${site.domain}/wp-content/uploads/2024/02/logo.svg" class="custom-logo" alt="${esc(site.name)}" decoding="async" /></a>
  <p class="site-description">${esc(site.tagline)}</p></div>
  <nav id="site-navigation" class="main-navigation" aria-label="Site Navigation">
    <div class="menu-primary-container"><ul id="primary-menu" class="menu">
      <li id="menu-item-10" class="menu-item menu-item-type-post_type menu-item-object-page menu-item-home"><a href="https://${site.domain}/">Home</a></li>
${navPages(site)
  .map((n, i) => `      <li id="menu-item-${11 + i}" class="menu-item menu-item-type-post_type menu-item-object-page${n.file === page.file ? ' current-menu-item' : ''}"><a href="${ctx.href(n.file)}">${esc(n.nav ?? '')}</a></li>`)
  .join('\n')}
    </ul></div>
  </nav>
</header>
<div id="content" class="site-content">
<div class="ast-container">
<div id="primary" class="content-area primary">
<main id="main" class="site-main">
<article id="post-${pageId}" class="post-${pageId} page type-page status-publish ast-article-single">
<div class="entry-content clear" itemprop="text">
${page.blocks.map((b) => renderBlock(b, ctx, v, 'wordpress')).join('\n')}
</div>
</article>
</main>
</div>
<div class="widget-area secondary" id="secondary" role="complementary">
${
  isNews || !newsFile || recent.length === 0
    ? ''
    : `<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent News</h2><ul>${recent.map((n) => `<li><a href="${makeHref(site, page.file, newsFile, 'absslash')}#${slug(n.title)}">${inline(n.title)}</a></li>`).join('')}</ul></section>`
}
<section id="block-7" class="widget widget_block">
${newsletterBox(site, 'wp-block-group newsletter-widget', 'wp-block-button__link')}
</section>
</div>
</div>
</div>
<footer id="colophon" class="site-footer">
  <div class="footer-widgets">
${footerColumns(ctx, 'absslash')
  .map((c) => `    <section class="widget widget_nav_menu"><h2 class="widget-title">${esc(c.title)}</h2><ul class="menu">${c.links.map((l) => `<li class="menu-item"><a href="${esc(l.href)}">${esc(l.label)}</a></li>`).join('')}</ul></section>`)
  .join('\n')}
    <section class="widget widget_text"><h2 class="widget-title">Visit us</h2><div class="textwidget"><p>${addressLines(site).map(esc).join('<br />')}${site.phone ? `<br />${esc(site.phone)}` : ''}</p></div></section>
  </div>
  <div class="site-info">${esc(copyright(site))} | ${site.sameAs.map((s) => `<a href="${esc(s)}">${esc(socialName(s))}</a>`).join(' | ')}</div>
</footer>
</div>
${cookieBanner(site, 'cookie-consent cky-consent-container')}
<script src="https://${site.domain}/wp-content/themes/astra/assets/js/minified/frontend.min.js?ver=4.8.3" id="astra-theme-js-js"></script>
${lateTrackers(ctx)}
</body>
</html>
`;
  },
};

const THEMES: Record<ThemeName, Theme> = { semantic, bootstrap, utility, spa, table, wordpress };

/** Renders one page of a site to a complete HTML document. */
export function renderPage(site: Site, page: Page): string {
  const theme = THEMES[site.theme];
  const prefix = site.domain
    .split(/[.-]/)
    .filter((w) => w !== 'example')
    .map((w) => w[0])
    .join('')
    .slice(0, 3);
  const ctx: Ctx = {
    site,
    page,
    isHome: page.file === 'index.html',
    prefix,
    href: (file, style) => makeHref(site, page.file, file, style ?? theme.linkStyle),
  };
  // Optional template parts leave whitespace-only lines behind; real build output would not.
  const html = theme.render(ctx).replace(/\n[ \t]*(?=\n)/g, '');
  return addRealWorldWeight(html, noiseCtx(ctx));
}

/** A tiny brand mark, so logo URLs in pages resolve. */
export function renderLogo(site: Site): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" viewBox="0 0 200 40" role="img" aria-label="${esc(site.name)}"><rect width="40" height="40" rx="8" fill="${site.color}"/><text x="50" y="26" font-family="Helvetica, Arial, sans-serif" font-size="15" font-weight="700" fill="#111827">${esc(site.name)}</text></svg>\n`;
}

/** A short privacy page every site links from its footer. */
export function privacyPage(site: Site): Page {
  const contact = site.email ?? `privacy@${site.domain}`;
  const eu = EUROPE.has(site.address.country);
  return {
    file: 'privacy.html',
    title: `Privacy policy | ${site.name}`,
    description: `How ${site.name} handles personal data.`,
    blocks: [
      {
        kind: 'prose',
        title: 'Privacy policy',
        paragraphs: [
          `${site.legalName ?? site.name} ("we", "us") is the controller of personal data collected through this website.`,
          eu
            ? 'We process personal data in accordance with the General Data Protection Regulation (GDPR). You may request access, correction or deletion of your data at any time.'
            : 'We process personal data in accordance with applicable privacy laws, including the California Consumer Privacy Act where it applies.',
          'We use cookies and similar technologies for analytics and marketing only with your consent. You can change your choice under Manage preferences in the cookie banner.',
          `Questions about this policy can be sent to ${contact}.`,
        ],
      },
    ],
  };
}
