/**
 * Properties of lead and onboarding normalisation that the SSRF guard and the exclusions rely
 * on (test/leads/normalize.test.ts and test/onboarding.test.ts cover the functions one by one):
 * no IP literal ever becomes a lead's website, email and website agree on a domain, and what the
 * onboarding accepts lines up with how leads are normalised, so an exclusion cannot be dodged by
 * a spelling. Plus the onboarding parser against hostile files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors.ts';
import { normalizeDomain, normalizeEmail, normalizeWebsite } from '#core/leads/normalize.ts';
import { parseHostLiteral } from '#core/net/address.ts';
import { loadOnboardingFile } from '#core/onboarding/import.ts';
import { isDomain, isEmail } from '#core/onboarding/schema.ts';
import { attempt } from '#test/helpers/leads.ts';

// Every spelling the WHATWG URL parser reads as an IPv4 address: dotted, short (127.1), one
// decimal number, hex and octal parts, and the IPv6 forms that embed or are loopback.
const ipv4Spelling = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).chain(([a, b, c, d]) => {
  const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  return fc.constantFrom(
    `${a}.${b}.${c}.${d}`,
    `${a}.${(b << 16) + (c << 8) + d}`,
    `${a}.${b}.${(c << 8) + d}`,
    String(n),
    `0x${n.toString(16)}`,
    `0${a.toString(8)}.0x${b.toString(16)}.${c}.${d}`,
    `[::ffff:${a}.${b}.${c}.${d}]`,
    `${a}.${b}.${c}.${d}.`,
  );
});
const ipv6Spelling = fc.ipV6().map((ip) => `[${ip}]`);

describe('lead normalisation against the SSRF guard (property)', () => {
  it('never accepts an IP literal as a website, however it is spelt', () => {
    fc.assert(
      fc.property(fc.oneof(ipv4Spelling, ipv6Spelling), fc.constantFrom('', 'http://', 'https://', '//', 'HTTP://'), fc.constantFrom('', ':80', ':8080', '/admin', '/?x=1'), (host, scheme, tail) => {
        const out = attempt(() => normalizeWebsite(`${scheme}${host}${tail}`));
        expect(out, `${scheme}${host}${tail}`).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('never yields a website whose host the URL parser reads as an address, nor one with credentials', () => {
    const input = fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string(), fc.domain().map((d) => `user:pw@${d}`), ipv4Spelling);
    fc.assert(
      fc.property(input, (raw) => {
        const out = attempt(() => normalizeWebsite(raw));
        if (!out) return;
        const url = new URL(out.url);
        expect(parseHostLiteral(url.hostname), raw).toBeNull();
        expect(url.username + url.password, raw).toBe('');
        expect(['http:', 'https:']).toContain(url.protocol);
        expect(out.domain.startsWith('www.') && out.domain.indexOf('.', 4) > 0, raw).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('an email and a website at the same host agree on the domain', () => {
    fc.assert(
      fc.property(fc.domain(), fc.constantFrom('', 'www.', 'WWW.'), fc.boolean(), (domain, www, upper) => {
        const host = upper ? `${www}${domain}`.toUpperCase() : `${www}${domain}`;
        const email = attempt(() => normalizeEmail(`sales@${host}`));
        const site = attempt(() => normalizeWebsite(`https://${host}/`));
        if (!email || !site) return;
        expect(normalizeDomain(email.split('@')[1])).toBe(site.domain);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the onboarding lines up with lead normalisation (property)', () => {
  it('every suppression email it accepts is one a lead normalises to, or one no lead can have', () => {
    const candidates = fc.oneof(fc.emailAddress(), fc.emailAddress().map((e) => e.toUpperCase()), fc.string().map((s) => `${s}@x.example`));
    fc.assert(
      fc.property(candidates, (raw) => {
        const value = raw.trim().toLowerCase();
        if (!isEmail(value)) return;
        const lead = attempt(() => normalizeEmail(value));
        // Accepted by both: identical, so the suppression matches the lead exactly.
        if (lead !== undefined) expect(lead).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('every exclusion domain it accepts is a lead domain or the parent of one, without "www."', () => {
    fc.assert(
      fc.property(fc.domain(), (raw) => {
        const value = raw.toLowerCase();
        if (!isDomain(value) || value.startsWith('www.')) return;
        // What a lead at that host (or a subdomain of it) normalises to.
        expect(attempt(() => normalizeDomain(value))).toBe(value);
        expect(attempt(() => normalizeWebsite(`https://shop.${value}/x`))?.domain).toBe(`shop.${value}`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the onboarding parser against hostile files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prospector-onboarding-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a "billion laughs" YAML file quickly, without expanding it', async () => {
    const levels = 'abcdefghi'.split('');
    const yaml = levels
      .map((name, i) => (i === 0 ? `${name}: &${name} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` : `${name}: &${name} [${Array(9).fill(`*${levels[i - 1]}`).join(',')}]`))
      .join('\n');
    const file = join(dir, 'laughs.yaml');
    await writeFile(file, `${yaml}\nworkspace: *i\n`);
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const error = await loadOnboardingFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/alias/i);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('reports any junk file as a ValidationError or a ProspectorError, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), fc.constantFrom('.yaml', '.json'), async (text, ext) => {
        const file = join(dir, `junk${ext}`);
        await writeFile(file, text);
        const error = await loadOnboardingFile(file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, text).toBeInstanceOf(Error);
        expect(['ValidationError', 'ProspectorError'], text).toContain((error as Error).name);
      }),
      { numRuns: 150 },
    );
  });
});
