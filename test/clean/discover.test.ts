import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPage, discoverPages, normalizePageUrl, registrableDomain } from '#core/clean/discover.ts';

const HOME = 'https://www.acme.test/';
const link = (href: string, text = ''): { href: string; text: string } => ({ href, text });

describe('classifyPage', () => {
  it.each([
    ['https://acme.test/', 'home'],
    ['https://acme.test/en/', 'home'],
    ['https://acme.test/index.html', 'home'],
    ['https://acme.test/about-us', 'about'],
    ['https://acme.test/company/who-we-are', 'about'],
    ['https://acme.test/company/careers', 'careers'],
    ['https://acme.test/jobs/', 'careers'],
    ['https://acme.test/join-us', 'careers'],
    ['https://acme.test/plans', 'pricing'],
    ['https://acme.test/pricing.html', 'pricing'],
    ['https://acme.test/case-studies/globex', 'customers'],
    ['https://acme.test/testimonials', 'customers'],
    ['https://acme.test/about/leadership', 'team'],
    ['https://acme.test/newsroom', 'news'],
    ['https://acme.test/blog', 'news'],
    ['https://acme.test/platform/features', 'product'],
    ['https://acme.test/solutions/retail', 'product'],
    ['https://acme.test/contact-us', 'contact'],
    ['https://acme.test/legal/imprint', 'other'],
  ])('%s is %s', (url, kind) => {
    expect(classifyPage(url)).toBe(kind);
  });

  it('falls back to the anchor text when the path says nothing', () => {
    expect(classifyPage('https://acme.test/p/8812', "We're hiring")).toBe('careers');
    expect(classifyPage('https://acme.test/p/8813', 'Plans & Pricing')).toBe('pricing');
    expect(classifyPage('https://acme.test/p/8814', 'Read the full story of how our founders met at university')).toBe('other');
  });
});

describe('registrableDomain and normalizePageUrl', () => {
  it('knows common multi-label suffixes', () => {
    expect(registrableDomain('www.acme.co.uk')).toBe('acme.co.uk');
    expect(registrableDomain('jobs.acme.com')).toBe('acme.com');
    expect(registrableDomain('acme.github.io')).toBe('acme.github.io');
    expect(registrableDomain('other.github.io')).not.toBe(registrableDomain('acme.github.io'));
  });

  it('drops fragments and tracking parameters but keeps real ones', () => {
    expect(normalizePageUrl('/pricing?utm_source=x&utm_medium=y&gclid=1#plans', HOME)?.href).toBe('https://www.acme.test/pricing');
    expect(normalizePageUrl('/blog?page=2&fbclid=abc', HOME)?.href).toBe('https://www.acme.test/blog?page=2');
    expect(normalizePageUrl('mailto:hi@acme.test', HOME)).toBeNull();
    expect(normalizePageUrl('javascript:void(0)', HOME)).toBeNull();
    expect(normalizePageUrl('ftp://acme.test/file', HOME)).toBeNull();
  });
});

describe('discoverPages', () => {
  const links = [
    link('/', 'Home'),
    link('#main', 'Skip'),
    link('/product', 'Product'),
    link('/pricing?utm_source=nav', 'Pricing'),
    link('/customers', 'Customers'),
    link('https://acme.test/careers/', 'Careers'),
    link('/about', 'About'),
    link('/about/', 'About us'),
    link('/about#team', 'Team'),
    link('/blog', 'Blog'),
    link('/contact', 'Contact'),
    link('/about/leadership', 'Leadership'),
    link('/privacy', 'Privacy'),
    link('/login', 'Log in'),
    link('/whitepaper.pdf', 'Our whitepaper'),
    link('/press/logo.zip', 'Press kit'),
    link('mailto:sales@acme.test', 'Email sales'),
    link('tel:+4930123', 'Call us'),
    link('javascript:openChat()', 'Chat'),
    link('https://www.linkedin.com/company/acme', 'LinkedIn'),
    link('https://acme-careers.test/jobs', 'Jobs'),
    link('https://jobs.acme.test/open-roles', 'Open roles'),
  ];

  it('returns the homepage first and then one page per kind in sales-rep priority order', () => {
    const pages = discoverPages(HOME, links, { maxPages: 9 });
    expect(pages.map((p) => [p.kind, p.url])).toEqual([
      ['home', 'https://www.acme.test/'],
      ['about', 'https://www.acme.test/about'],
      ['pricing', 'https://www.acme.test/pricing'],
      ['customers', 'https://www.acme.test/customers'],
      ['careers', 'https://acme.test/careers/'],
      ['news', 'https://www.acme.test/blog'],
      ['product', 'https://www.acme.test/product'],
      ['team', 'https://www.acme.test/about/leadership'],
      ['contact', 'https://www.acme.test/contact'],
    ]);
    for (let i = 2; i < pages.length; i++) expect(pages[i].score).toBeLessThanOrEqual(pages[i - 1].score);
  });

  it('defaults to six pages including the homepage', () => {
    const pages = discoverPages(HOME, links);
    expect(pages).toHaveLength(6);
    expect(pages.map((p) => p.kind)).toEqual(['home', 'about', 'pricing', 'customers', 'careers', 'news']);
  });

  it('stays on the same site, skips files, mail, phone, scripts, legal and auth pages', () => {
    const urls = discoverPages(HOME, links, { maxPages: 50 }).map((p) => p.url);
    expect(urls.some((u) => u.includes('linkedin') || u.includes('acme-careers'))).toBe(false);
    expect(urls.some((u) => /\.(pdf|zip)$/.test(u))).toBe(false);
    expect(urls.some((u) => /privacy|login/.test(u))).toBe(false);
    expect(urls.every((u) => /^https:\/\//.test(u) && !u.includes('#') && !u.includes('utm_'))).toBe(true);
    // /about, /about/ and /about#team are one page
    expect(urls.filter((u) => /\/about\/?$/.test(u))).toHaveLength(1);
    // a subdomain of the same company counts as the same site
    expect(urls).toContain('https://jobs.acme.test/open-roles');
  });

  it('takes a second page of a kind only when budget remains', () => {
    const more = [link('/product', 'Product'), link('/platform', 'Platform'), link('/pricing', 'Pricing')];
    expect(discoverPages(HOME, more, { maxPages: 3 }).map((p) => p.url)).toEqual([
      'https://www.acme.test/',
      'https://www.acme.test/pricing',
      'https://www.acme.test/product',
    ]);
    expect(discoverPages(HOME, more, { maxPages: 10 }).map((p) => p.url)).toEqual([
      'https://www.acme.test/',
      'https://www.acme.test/pricing',
      'https://www.acme.test/product',
      'https://www.acme.test/platform',
    ]);
  });

  it('uses anchor text for kinds the path does not reveal', () => {
    const pages = discoverPages(HOME, [link('/p/123', "We're hiring!"), link('/p/456', 'Something else')]);
    expect(pages.map((p) => [p.kind, p.url])).toEqual([
      ['home', 'https://www.acme.test/'],
      ['careers', 'https://www.acme.test/p/123'],
    ]);
  });

  it('prefers the index page of a kind over deep pages', () => {
    const pages = discoverPages(HOME, [link('/careers/senior-engineer-berlin', 'Senior Engineer'), link('/careers', 'Careers')]);
    expect(pages[1].url).toBe('https://www.acme.test/careers');
  });

  it('returns nothing for a homepage URL that is not http(s)', () => {
    expect(discoverPages('mailto:x@acme.test', links)).toEqual([]);
  });

  it('keeps its invariants on arbitrary link lists', () => {
    const segment = fc.constantFrom('about', 'pricing', 'careers', 'blog', 'team', 'x', 'a.pdf', 'privacy', 'product', 'contact', 'customers');
    const hrefArb = fc.oneof(
      fc.tuple(fc.constantFrom('', 'https://acme.test', 'https://www.acme.test', 'https://jobs.acme.test', 'https://other.test', 'mailto:', 'tel:', 'javascript:'), fc.array(segment, { maxLength: 3 }), fc.constantFrom('', '#x', '?utm_source=a', '?page=2'))
        .map(([origin, segs, tail]) => `${origin}/${segs.join('/')}${tail}`),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ href: hrefArb, text: fc.string({ maxLength: 20 }) }), { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (ls, maxPages) => {
        const pages = discoverPages(HOME, ls, { maxPages });
        expect(pages.length).toBeLessThanOrEqual(maxPages);
        expect(pages[0]).toEqual({ url: HOME, kind: 'home', score: 1000 });
        const urls = pages.map((p) => p.url);
        expect(new Set(urls).size).toBe(urls.length);
        for (const p of pages) {
          const u = new URL(p.url);
          expect(['http:', 'https:']).toContain(u.protocol);
          expect(u.hostname.endsWith('acme.test')).toBe(true);
          expect(u.hash).toBe('');
          expect(u.search).not.toMatch(/utm_/);
        }
        // deterministic
        expect(discoverPages(HOME, ls, { maxPages })).toEqual(pages);
      }),
      { numRuns: 300 },
    );
  });
});

describe('discoverPages fills a budget left over with relevant pages', () => {
  // a small site: three pages every rep reads, then what the menus also link to
  const links = [
    link('/about', 'About'),
    link('/pricing', 'Pricing'),
    link('/careers', 'Careers'),
    link('/gallery', 'Photo gallery'),
    link('/integrations', 'Integrations'),
    link('/locations', 'Locations'),
    link('/cold-chain', 'Cold chain'),
    link('/events', 'Events'),
    link('/privacy', 'Privacy'),
    link('/login', 'Log in'),
    link('https://partner.other.test/locations', 'Partner locations'),
    link('/brochure.pdf', 'Locations brochure'),
  ];
  const icp = ['cold chain', 'food distribution', 'NetSuite'];

  it('keeps the usual pages first, then ranks the rest by ICP terms and page-kind priors', () => {
    const pages = discoverPages(HOME, links, { maxPages: 7, relevanceTerms: icp });
    expect(pages.map((p) => [new URL(p.url).pathname, p.kind])).toEqual([
      ['/', 'home'],
      ['/about', 'about'],
      ['/pricing', 'pricing'],
      ['/careers', 'careers'],
      ['/cold-chain', 'other'],
      ['/locations', 'other'],
      ['/integrations', 'other'],
    ]);
  });

  it('respects the budget and never picks other sites, files, legal or sign-in pages, or pages with no relevance', () => {
    for (let maxPages = 1; maxPages <= 12; maxPages++) {
      const pages = discoverPages(HOME, links, { maxPages, relevanceTerms: icp });
      expect(pages.length).toBeLessThanOrEqual(maxPages);
      for (const p of pages) {
        expect(new URL(p.url).hostname).toBe('www.acme.test');
        expect(p.url).not.toMatch(/privacy|login|\.pdf|events|gallery/);
      }
    }
    expect(discoverPages(HOME, links, { maxPages: 12, relevanceTerms: icp })).toHaveLength(7);
  });

  it('without ICP terms still takes locations and integrations pages, ranked by prior', () => {
    const pages = discoverPages(HOME, links, { maxPages: 6 }).map((p) => new URL(p.url).pathname);
    expect(pages).toEqual(['/', '/about', '/pricing', '/careers', '/locations', '/integrations']);
  });

  it('is deterministic whatever order the links come in when scores differ', () => {
    const a = discoverPages(HOME, links, { maxPages: 7, relevanceTerms: icp }).map((p) => p.url);
    const b = discoverPages(HOME, [...links].reverse(), { maxPages: 7, relevanceTerms: icp }).map((p) => p.url);
    expect(new Set(b)).toEqual(new Set(a));
    expect(b.slice(4)).toEqual(a.slice(4));
  });
});
