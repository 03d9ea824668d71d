import { describe, expect, it } from 'vitest';
import { bodyText, cleanPage } from '#core/clean/clean.ts';

/** The chrome real sites wrap around their text, one kind at a time, around the same article. */
const STORY = [
  '<h1>Northwind opens a cold store in Rotterdam</h1>',
  '<p>Northwind Logistics opened its third cold store in Rotterdam this spring, adding 40,000 pallet positions for frozen food importers across the Benelux.</p>',
  '<p>The site runs on renewable power and employs 85 people. It serves retailers in the Netherlands, Belgium and Germany with next-day delivery from the port.</p>',
  '<p>Northwind now runs 12 sites in Europe and plans two more in Poland next year, the company said, as demand for temperature-controlled storage keeps growing.</p>',
  '<h2>Leadership</h2><p>Chief executive Anna de Vries joined from a global forwarder in 2021 and has doubled the network since.</p>',
].join('');

const page = (head: string, before: string, after: string, wrap = (s: string) => s) =>
  `<!DOCTYPE html><html lang="en"><head><title>Rotterdam cold store | Northwind</title>${head}</head><body>${before}<main>${wrap(`<article>${STORY}</article>`)}</main>${after}</body></html>`;

async function clean(html: string, kind: 'news' | 'about' | 'home' = 'news') {
  return cleanPage(html, 'https://northwind.test/news/rotterdam', { kind });
}

const STORY_LINES = ['third cold store in Rotterdam', 'employs 85 people', 'two more in Poland', 'Anna de Vries'];

function expectStory(text: string): void {
  for (const line of STORY_LINES) expect(text).toContain(line);
}

describe('cleanup on the markup of real sites', () => {
  it('never lets framework hydration JSON (Next.js, Nuxt, React Server Components) into the text', async () => {
    const payload = JSON.stringify({ props: { pageProps: { sections: [{ body: 'HYDRATED third cold store in Rotterdam' }], flags: { newNav: true } } } });
    const html = page(
      '',
      '',
      `<script id="__NEXT_DATA__" type="application/json">${payload}</script><script type="application/json" id="__NUXT_DATA__">["ShallowReactive",{"k":"HYDRATED copy"}]</script><script>window.__NUXT__=(function(a){return {data:[{body:"HYDRATED"}]}}(null));self.__next_f.push([1,"HYDRATED"])</script>`,
    );
    const { text, method } = await clean(html);
    expect(method).toBe('readability');
    expectStory(text);
    expect(text).not.toMatch(/HYDRATED|pageProps|ShallowReactive|__next_f/);
  });

  it('drops a mega-menu and a header flyout that describe every page in paragraphs, once and again in the mobile menu', async () => {
    const panel = (n: number) => `<div class="mega-menu__panel absolute"><ul><li><a href="/p${n}">Page ${n}</a><p>MENU description of page ${n} for visitors.</p></li></ul></div>`;
    const header = `<header class="inset-x-0 top-0"><nav aria-label="Global"><a href="/about">About</a><div class="mega-menu">${panel(1)}${panel(2)}</div></nav><div class="absolute inset-x-0 top-0 -z-10 bg-white"><div class="group relative"><a href="/locations">Locations</a><p>FLYOUT Twelve cold stores across Europe, close to the ports.</p></div></div><div class="mobile-menu lg:hidden"><a href="/about">About</a><a href="/locations">Locations</a></div></header>`;
    for (const kind of ['news', 'home'] as const) {
      const { text } = await clean(page('', header, ''), kind);
      expectStory(text);
      expect(text, kind).not.toMatch(/MENU description|FLYOUT/);
    }
  });

  it('drops a consent manager preference centre with its cookie tables, with or without a dialog role', async () => {
    const centre = (attrs: string) =>
      `<div class="cky-modal" ${attrs}><div class="cky-preference-center"><p>We use cookies to help you navigate efficiently.</p><div class="cky-accordion"><p>Analytical cookies are used to understand how visitors interact with the website.</p><table><tr><th>Cookie</th><th>Duration</th></tr><tr><td>_ga</td><td>1 year 1 month</td></tr><tr><td>_gid</td><td>1 day</td></tr></table></div><button>Accept All</button></div></div><div id="onetrust-consent-sdk"><div id="onetrust-pc-sdk" class="otPcCenter"><p>Strictly necessary cookies keep the site working.</p></div></div>`;
    for (const attrs of ['role="dialog" aria-modal="true"', '']) {
      for (const kind of ['news', 'home'] as const) {
        const { text } = await clean(page('', '', centre(attrs)), kind);
        expectStory(text);
        expect(text, `${kind} ${attrs}`).not.toMatch(/cookies|_ga|1 year 1 month|Accept All/i);
      }
    }
  });

  it('keeps each slide of a carousel once, not its loop-mode clones', async () => {
    const slide = (q: string, clone: boolean) => `<div class="swiper-slide${clone ? ' swiper-slide-duplicate' : ''}"${clone ? ' aria-hidden="true"' : ''}><figure><blockquote><p>${q}</p></blockquote><figcaption>Jan Smit, COO, Fresko</figcaption></figure></div>`;
    const carousel = `<section class="testimonials"><h2>What customers say</h2><div class="swiper"><div class="swiper-wrapper">${slide('Quote B about pallets.', true)}${slide('Quote A about reliable frozen deliveries.', false)}${slide('Quote B about pallets.', false)}${slide('Quote A about reliable frozen deliveries.', true)}</div><div class="swiper-pagination"><span class="swiper-pagination-bullet" role="button" aria-label="Go to slide 1"></span></div></div></section>`;
    const html = `<!DOCTYPE html><html><head><title>Northwind</title></head><body><main><h1>Cold chain logistics</h1><p>Twelve cold stores across Europe.</p>${carousel}</main></body></html>`;
    const { text } = await cleanPage(html, 'https://northwind.test/', { kind: 'home' });
    expect(text.match(/Quote A about reliable frozen deliveries/g)).toHaveLength(1);
    expect(text.match(/Quote B about pallets/g)).toHaveLength(1);
    expect(text).not.toMatch(/Go to slide/);
  });

  it('drops footers rendered twice (a mobile accordion outside <footer>) and keeps the story under builder wrappers', async () => {
    const wrap = (s: string) => `<div class="elementor-element e-flex e-con-boxed e-con e-parent" data-element_type="container"><div class="e-con-inner"><div class="elementor-widget-container"><div class="relative isolate overflow-hidden bg-white"><div class="mx-auto max-w-2xl lg:max-w-7xl">${s}</div></div></div></div></div>`;
    const mobileFooter = `<div class="footer-mobile md:hidden"><details><summary>Company</summary><ul><li><a href="/about">About</a></li><li><a href="/careers">Careers</a></li></ul></details><p>© 2026 Northwind Logistics B.V.</p></div>`;
    for (const kind of ['news', 'home'] as const) {
      const { text } = await clean(page('', '', `<footer><a href="/about">About</a></footer>${mobileFooter}`, wrap), kind);
      expectStory(text);
      expect(text, kind).not.toMatch(/© 2026|^- Careers$/m);
    }
  });

  it('reads inline SVG icons as decoration, whether hidden from assistive technology or titled', async () => {
    const check = '<svg class="h-6 w-5" role="img" viewBox="0 0 20 20"><title>Included</title><path d="M0 0h20v20z"/></svg>';
    const deco = '<svg class="h-6 w-6" aria-hidden="true" viewBox="0 0 24 24"><path d="M0 0h24v24z"/></svg>';
    const html = `<!DOCTYPE html><html><head><title>Pricing</title></head><body><main><h1>Pricing</h1><div class="tier"><h3>${deco}Growth</h3><p>$49 per month</p><ul><li>${check}Unlimited shipments</li><li>${check}NetSuite sync</li></ul></div><div class="tier"><h3>${deco}Scale</h3><p>$99 per month</p><ul><li>${check}Dedicated support</li></ul></div></main></body></html>`;
    const { text } = await cleanPage(html, 'https://northwind.test/pricing', { kind: 'pricing' });
    expect(text).toContain('- Unlimited shipments');
    expect(text).toContain('- NetSuite sync');
    expect(text).toContain('### Growth');
    expect(text).not.toMatch(/Included/);
  });

  it('takes the organisation from JSON-LD beside breadcrumb and web-page graphs', async () => {
    const org = { '@context': 'https://schema.org', '@type': 'Organization', name: 'Northwind Logistics', foundingDate: '2009', numberOfEmployees: { '@type': 'QuantitativeValue', value: 640 } };
    const crumbs = { '@context': 'https://schema.org', '@graph': [{ '@type': 'WebPage', name: 'Rotterdam' }, { '@type': 'BreadcrumbList', itemListElement: [{ '@type': 'ListItem', position: 1, name: 'Home' }] }] };
    const html = page(`<script type="application/ld+json">${JSON.stringify(crumbs)}</script><script type="application/ld+json">${JSON.stringify(org)}</script>`, '', '');
    const cleaned = await clean(html);
    expect(cleaned.text).toMatch(/^Organization: Northwind Logistics; founded: 2009; employees: 640/m);
    expectStory(bodyText(cleaned));
  });
});
