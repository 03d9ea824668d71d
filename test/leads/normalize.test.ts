import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidLeadError } from '#core/errors.ts';
import { normalizeDomain, normalizeEmail, normalizeLead, normalizeWebsite } from '#core/leads/normalize.ts';
import { attempt } from '#test/helpers/leads.ts';

function refusal(fn: () => unknown): InvalidLeadError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidLeadError);
    return error as InvalidLeadError;
  }
  throw new Error('expected InvalidLeadError');
}

// Strings that look like the messy input a provider sends: padding, case, unicode, junk.
const messy = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
  fc.webUrl(),
  fc.domain().map((d) => `WWW.${d}.`),
);

describe('normalizeEmail', () => {
  it('trims, lowercases and punycodes the domain', () => {
    expect(normalizeEmail('  Jane.Doe@Bücher.Example ')).toBe('jane.doe@xn--bcher-kva.example');
    expect(normalizeEmail('ops+leads@x.example.')).toBe('ops+leads@x.example');
  });

  it.each([
    ['', /empty/],
    ['jane', /missing @/],
    ['a@b@c.example', /more than one @/],
    ['@x.example', /empty local part/],
    ['.a@x.example', /local part/],
    ['a..b@x.example', /local part/],
    ['a b@x.example', /local part/],
    ['a@localhost', /single-label/],
    ['a@127.0.0.1', /IP address/],
    ['a@2130706433', /IP address/],
    ['a@[::1]', /IP address/],
    ['a@x%2eexample', /characters not allowed/],
    ['a@-x.example', /label "-x"/],
  ])('refuses %j', (raw, reason) => {
    expect(refusal(() => normalizeEmail(raw)).message).toMatch(reason);
  });

  it('names the field and truncates the value to 100 characters', () => {
    const long = `${'x'.repeat(300)}@`;
    const message = refusal(() => normalizeEmail(long, 'lead_email')).message;
    expect(message.startsWith(`lead_email "${'x'.repeat(100)}..." is invalid: `)).toBe(true);
    expect(message.length).toBeLessThan(200);
    expect(refusal(() => normalizeEmail(42 as unknown as string)).message).toMatch(/expected a string, got number/);
  });

  it('is idempotent, lowercase and whitespace-free (property)', () => {
    fc.assert(
      fc.property(messy, (raw) => {
        const once = attempt(() => normalizeEmail(raw));
        if (once === undefined) return;
        expect(normalizeEmail(once)).toBe(once);
        expect(once).toBe(once.toLowerCase());
        expect(once).not.toMatch(/\s/);
        expect(once.split('@')).toHaveLength(2);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every generated valid address (property)', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        // fast-check's generator follows RFC 5322 but may emit numeric TLDs and quoted forms we refuse.
        const out = attempt(() => normalizeEmail(email));
        if (out !== undefined) expect(out).toBe(email.toLowerCase().replace(/\.$/, ''));
      }),
    );
  });
});

describe('normalizeDomain', () => {
  it.each([
    ['X.Example', 'x.example'],
    ['www.x.example', 'x.example'],
    ['www.www.x.example.', 'x.example'],
    ['www.com', 'www.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['ｗｗｗ．x．example', 'x.example'],
  ])('%s -> %s', (raw, domain) => {
    expect(normalizeDomain(raw)).toBe(domain);
  });

  it.each(['localhost', '10.0.0.1', '0x7f000001', '[::1]', 'x.123', 'x_y.example', '', 'x.example/path'])('refuses %j', (raw) => {
    refusal(() => normalizeDomain(raw));
  });

  it('is idempotent (property)', () => {
    fc.assert(
      fc.property(messy, (raw) => {
        const once = attempt(() => normalizeDomain(raw));
        if (once !== undefined) expect(normalizeDomain(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});

describe('normalizeWebsite', () => {
  it.each([
    ['www.x.example', 'https://www.x.example/', 'x.example'],
    ['x.example/about?utm_source=a#top', 'https://x.example/', 'x.example'],
    ['HTTP://WWW.X.Example./pricing?utm_campaign=b', 'http://www.x.example/', 'x.example'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/', 'xn--bcher-kva.example'],
    ['x.example:8443/a', 'https://x.example:8443/', 'x.example'],
    ['https://x.example:443/', 'https://x.example/', 'x.example'],
    ['//x.example/a', 'https://x.example/', 'x.example'],
  ])('%s -> %s', (raw, url, domain) => {
    expect(normalizeWebsite(raw)).toEqual({ url, domain });
  });

  it.each([
    ['javascript:alert(1)', /scheme "javascript:" is not allowed/],
    [' JavaScript:alert(1)', /scheme "javascript:"/],
    ['java\tscript:alert(1)', /scheme "javascript:"/],
    ['file:///etc/passwd', /scheme "file:"/],
    ['data:text/html,<script>', /scheme "data:"/],
    ['ftp://x.example/', /scheme "ftp:"/],
    ['mailto:a@x.example', /scheme "mailto:"/],
    ['https://user:pw@x.example/', /credentials/],
    ['http://127.0.0.1/', /IP address/],
    ['http://0x7f000001/', /IP address/],
    ['http://[::1]/', /IP address/],
    ['http://localhost/', /single-label/],
    ['https://', /not a valid URL/],
    ['', /empty/],
  ])('refuses %j', (raw, reason) => {
    const error = refusal(() => normalizeWebsite(raw, 'company_website'));
    expect(error.message).toMatch(/^company_website "/);
    expect(error.message).toMatch(reason);
  });

  it('always yields an http(s) origin that is a fixpoint (property)', () => {
    fc.assert(
      fc.property(fc.oneof(messy, fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.domain()), (raw) => {
        const once = attempt(() => normalizeWebsite(raw));
        if (once === undefined) return;
        expect(once.url).toMatch(/^https?:\/\/[^/]+\/$/);
        expect(normalizeWebsite(once.url)).toEqual(once);
        expect(normalizeDomain(once.domain)).toBe(once.domain);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any javascript:, file: or data: scheme, however written (property)', () => {
    const scheme = fc
      .constantFrom('javascript', 'file', 'data')
      .chain((s) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((upper) => [...s].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')));
    const noise = fc.constantFrom('', ' ', '\t', '\n', '\u0000', ' \u001f');
    fc.assert(
      fc.property(noise, scheme, fc.string(), fc.string(), (lead, s, rest, inner) => {
        // Tabs and newlines inside the scheme are ignored by URL parsers, so they must be here too.
        const cut = Math.min(inner.length, s.length);
        const spelled = `${s.slice(0, cut)}${'\t'.repeat(inner.length % 2)}${s.slice(cut)}`;
        const error = refusal(() => normalizeWebsite(`${lead}${spelled}:${rest}`));
        expect(error.message).toMatch(/scheme "(javascript|file|data):" is not allowed/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('normalizeLead', () => {
  it('normalises every field', () => {
    expect(
      normalizeLead({
        lead_email: ' Jane@Acme.Example ',
        lead_name: '  Jane \n Doe ',
        company_name: ' Acme\u0000 Corp ',
        company_website: 'www.acme.example/careers?utm_source=x',
      }),
    ).toEqual({
      email: 'jane@acme.example',
      name: 'Jane Doe',
      companyName: 'Acme Corp',
      domain: 'acme.example',
      website: 'https://www.acme.example/',
      title: null,
    });
  });

  it('falls back to the local part for an empty name and caps long names at 200 characters', () => {
    const lead = normalizeLead({ lead_email: 'ops@x.example', lead_name: '   ', company_name: '😀'.repeat(300), company_website: 'x.example' });
    expect(lead.name).toBe('ops');
    expect(Array.from(lead.companyName)).toHaveLength(200);
    expect(lead.companyName).toBe('😀'.repeat(200));
  });

  it('names the bad field', () => {
    const base = { lead_email: 'a@x.example', lead_name: 'A', company_name: 'X', company_website: 'x.example' };
    expect(refusal(() => normalizeLead({ ...base, lead_email: 'nope' })).message).toMatch(/^lead_email "nope" is invalid: missing @/);
    expect(refusal(() => normalizeLead({ ...base, company_website: 'javascript:alert(1)' })).message).toMatch(/^company_website /);
    expect(refusal(() => normalizeLead({ ...base, company_website: null as unknown as string })).message).toMatch(/got null/);
  });
});

it('IDN bücher.example becomes xn--bcher-kva.example everywhere', () => {
  expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example');
  expect(normalizeEmail('info@bücher.example')).toBe('info@xn--bcher-kva.example');
  expect(normalizeWebsite('bücher.example').domain).toBe('xn--bcher-kva.example');
});
