import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanPage } from '#core/clean/clean.ts';
import { extractSignals, type Signals } from '#core/clean/signals.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'html');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

async function signalsOf(html: string, url: string): Promise<Signals> {
  return extractSignals(html, url, await cleanPage(html, url));
}

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/;
/** International numbers, or 9+ digits in groups; dates (8 digits) are not phones. */
const PHONE = /\+\d|\d{2,4}[\s.-]\d{3,4}[\s.-]\d{4}/;

describe('extractSignals on the homepage fixture', () => {
  const url = 'https://www.acme.test/';

  it('reads the organisation from JSON-LD (@graph included)', async () => {
    const s = await signalsOf(fixture('home.html'), url);
    expect(s.kind).toBe('home');
    expect(s.organization).toEqual({
      name: 'Acme Analytics',
      legalName: 'Acme Analytics GmbH',
      url: 'https://www.acme.test/',
      foundingDate: '2016',
      numberOfEmployees: '120',
      address: 'Torstraße 1, Berlin, 10119, DE',
      locality: 'Berlin',
      country: 'DE',
      sameAs: ['https://www.linkedin.com/company/acme-analytics', 'https://twitter.com/acmeanalytics'],
    });
  });

  it('finds social profiles from sameAs and links', async () => {
    const s = await signalsOf(fixture('home.html'), url);
    expect(s.social).toEqual({
      linkedin: 'https://www.linkedin.com/company/acme-analytics',
      x: 'https://x.com/acmeanalytics',
      github: 'https://github.com/acme-analytics',
    });
  });

  it('fingerprints technologies from script sources and markup', async () => {
    const s = await signalsOf(fixture('home.html'), url);
    expect(s.technologies.map((t) => t.name)).toEqual(['Google Tag Manager', 'HubSpot', 'Intercom']);
    expect(s.technologies[0].evidence).toContain('googletagmanager.com/gtm.js');
  });

  it('never carries email addresses or phone numbers', async () => {
    const s = await signalsOf(fixture('home.html'), url);
    const json = JSON.stringify(s);
    expect(json).not.toMatch(EMAIL);
    expect(json).not.toMatch(PHONE);
  });

  it('keeps ISO dates while scrubbing contact data hidden in JSON-LD text', async () => {
    const html = `<html><head><script type="application/ld+json">{"@type":"Corporation","name":"Keel BV",
      "foundingDate":"1998-04-01","address":"Kade 1, Rotterdam (call +31 10 555 0142 or mail info@keel.test)"}</script></head><body><p>Hi</p></body></html>`;
    const s = await signalsOf(html, 'https://keel.test/');
    expect(s.organization).toMatchObject({ name: 'Keel BV', foundingDate: '1998-04-01' });
    expect(s.organization?.address).toContain('Kade 1, Rotterdam');
    expect(JSON.stringify(s)).not.toMatch(EMAIL);
    expect(JSON.stringify(s)).not.toMatch(PHONE);
  });

  it('does not call a trial button pricing', async () => {
    const s = await signalsOf(fixture('home.html'), url);
    expect(s.pricing.present).toBe(false);
    expect(s.pricing.models).toEqual(['free_trial']);
    expect(s.hiring.hiring).toBe(false);
  });

  it('is deterministic', async () => {
    expect(await signalsOf(fixture('home.html'), url)).toEqual(await signalsOf(fixture('home.html'), url));
  });
});

describe('extractSignals on pricing and careers pages', () => {
  it('reads pricing presence, model, price points and tiers', async () => {
    const s = await signalsOf(fixture('pricing.html'), 'https://www.acme.test/pricing');
    expect(s.kind).toBe('pricing');
    expect(s.pricing.present).toBe(true);
    expect(s.pricing.models).toEqual(['per_seat', 'tiers', 'contact_sales', 'free_trial', 'freemium']);
    expect(s.pricing.prices).toEqual(['$0', '$29 /user/month', '$29 per user / month']);
    expect(s.pricing.tiers).toEqual(['Free', 'Pro', 'Enterprise']);
    expect(s.technologies.map((t) => t.name)).toEqual(['Stripe']);
  });

  it('recognises usage-based pricing', async () => {
    const html = `<html><body><main><h1>Pricing</h1><h3>Starter</h3><p>$0.002 per request</p><h3>Scale</h3><p>Pay as you go, $49 per month minimum</p></main></body></html>`;
    const s = await signalsOf(html, 'https://api.acme.test/pricing');
    expect(s.pricing.models).toContain('usage');
    expect(s.pricing.models).toContain('tiers');
  });

  it('ignores funding figures and salaries as prices', async () => {
    const news = `<html><body><main><h1>Acme raises $40M</h1><p>Acme raised a $40M Series B. Revenue passed $12 million a year.</p></main></body></html>`;
    expect((await signalsOf(news, 'https://www.acme.test/about')).pricing.present).toBe(false);
    const careers = await signalsOf(fixture('careers.html'), 'https://www.acme.test/careers');
    expect(careers.pricing).toEqual({ present: false, models: [], prices: [], tiers: [] });
  });

  it('lists job titles, their count and the applicant-tracking system', async () => {
    const s = await signalsOf(fixture('careers.html'), 'https://www.acme.test/careers');
    expect(s.kind).toBe('careers');
    expect(s.hiring).toEqual({
      hiring: true,
      jobTitles: ['Senior Backend Engineer', 'Product Designer', 'Account Executive, DACH', 'Customer Success Lead'],
      jobCount: 4,
      atsProviders: ['Greenhouse'],
    });
  });

  it('reads jobs from a jobs table and JobPosting JSON-LD', async () => {
    const table = `<html><body><main><h1>Jobs</h1><table><tr><th>Position</th><th>Location</th></tr>
      <tr><td>Early-morning Baker</td><td>Bristol</td></tr><tr><td>Weekend Barista</td><td>Bristol</td></tr></table></main></body></html>`;
    const fromTable = await signalsOf(table, 'https://crumb.test/jobs');
    expect(fromTable.hiring.jobTitles).toEqual(['Early-morning Baker', 'Weekend Barista']);

    const posting = `<html><head><script type="application/ld+json">[{"@context":"https://schema.org","@type":"JobPosting","title":"Data Engineer"},{"@type":"JobPosting","title":"Data Engineer"}]</script></head><body><p>Open roles below.</p></body></html>`;
    const fromJsonLd = await signalsOf(posting, 'https://www.acme.test/careers');
    expect(fromJsonLd.hiring).toMatchObject({ hiring: true, jobTitles: ['Data Engineer'], jobCount: 2 });
  });

  it('does not mistake a team page for openings', async () => {
    const team = `<html><body><main><h1>Our team</h1><ul><li><h3>Jane Roe</h3><p>Chief Executive Officer</p></li><li><h3>Sam Lee</h3><p>Head of Engineering</p></li></ul></main></body></html>`;
    const s = await signalsOf(team, 'https://www.acme.test/team');
    expect(s.hiring).toMatchObject({ hiring: false, jobCount: 0, jobTitles: [] });
  });

  it('says not hiring when the careers page has no openings', async () => {
    const none = `<html><body><main><h1>Open positions</h1><p>No open roles right now. Say hello anyway.</p></main></body></html>`;
    expect((await signalsOf(none, 'https://www.acme.test/careers')).hiring.hiring).toBe(false);
  });

  it('finds locations from "offices in" phrases', async () => {
    const s = await signalsOf(fixture('careers.html'), 'https://www.acme.test/careers');
    expect(s.locations).toEqual(['Berlin', 'London', 'New York']);
    const about = `<html><body><main><h1>About</h1><p>Acme is headquartered in Amsterdam. We ship from Rotterdam.</p><p>Headquarters: Rotterdam</p></main></body></html>`;
    expect((await signalsOf(about, 'https://www.acme.test/about')).locations).toEqual(['Amsterdam', 'Rotterdam']);
  });

  it('detects the rest of the technology table from markup', async () => {
    const html = `<html><head>
      <meta name="generator" content="WordPress 6.4">
      <script src="https://cdn.segment.com/analytics.js/v1/abc/analytics.min.js"></script>
      <script src="https://js.driftt.com/include/123/abc.js"></script>
      <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=x"></script>
      <script src="https://cdn.shopify.com/s/files/theme.js"></script>
      <script src="https://munchkin.marketo.net/munchkin.js"></script><script>Munchkin.init('123-ABC-456');</script>
      <script>piAId = '12345'; piCId = '678';</script>
      <script>(function(h,o,t,j,a,r){h._hjSettings={hjid:123456,hjsv:6};})(window,document);</script>
      <script src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>
      <script src="/_next/static/chunks/main.js"></script><script id="__NEXT_DATA__" type="application/json">{}</script>
      <script src="https://assets.website-files.com/5f/js/webflow.js"></script>
      </head><body></body></html>`;
    const s = await signalsOf(html, 'https://www.acme.test/');
    expect(s.technologies.map((t) => t.name)).toEqual([
      'Drift', 'Google Analytics', 'Hotjar', 'Marketo', 'Next.js', 'React', 'Salesforce Pardot', 'Segment', 'Shopify', 'Webflow', 'WordPress', 'Zendesk',
    ]);
  });
});
