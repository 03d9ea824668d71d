/**
 * Change detection on the sample web's two versions (real cleanup of the rendered pages) and on
 * hand-written clean texts for the cases the sample web does not cover.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanPage } from '#core/clean/clean.ts';
import { technologies } from '#core/clean/signals.ts';
import { detectChanges, jobFunction, mergeSiteSignals, seniority } from '#core/intent/detect.ts';
import type { PageVersion, Signal } from '#core/intent/types.ts';
import { sampleSites } from '../../local/sample-web/generate.ts';
import { V2_EDITS } from '../../local/sample-web/versions.ts';

const ROOT = join(import.meta.dirname, '../../local/sample-web');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const kindOf = (file: string) => (file === 'index.html' ? 'home' : file.replace('.html', ''));

function version(text: string, url = 'https://acme.example/careers', kind = 'careers', id = 'snap'): PageVersion {
  const h = sha(text);
  return { snapshotId: id, url, kind, text, cleanKey: `clean/text/domain=acme.example/${h}.md`, cleanSha256: h, fetchedAt: '2026-12-01T10:00:00.000Z' };
}

async function siteSignals(domain: string): Promise<Signal[]> {
  const site = sampleSites.find((s) => s.domain === domain)!;
  const edit = V2_EDITS.find((e) => e.domain === domain)!;
  const found: Signal[] = [];
  for (const page of site.pages.filter((p) => !p.file.includes('/'))) {
    const url = `https://${domain}/${page.file.replace('.html', '')}`;
    const read = async (file: string): Promise<PageVersion> => {
      const html = readFileSync(file, 'utf8');
      const cleaned = await cleanPage(html, url, { kind: kindOf(page.file) as never });
      // as change detection reads them: fingerprints off the raw HTML, keyed by its hash
      return { ...version(cleaned.text, url, kindOf(page.file)), rawSha256: sha(html), technologies: technologies(html).map((t) => t.name).sort() };
    };
    const v1 = await read(join(ROOT, 'sites', domain, page.file));
    const overlay = join(ROOT, 'sites-v2', domain, page.file);
    const v2 = edit.removed?.includes(page.file) ? null : await read(existsSync(overlay) ? overlay : join(ROOT, 'sites', domain, page.file));
    found.push(...detectChanges(v1, v2));
  }
  return mergeSiteSignals(found);
}

describe('detectChanges on the sample web version 2', () => {
  for (const edit of V2_EDITS) {
    it(`${edit.domain}: ${edit.change}`, async () => {
      const signals = await siteSignals(edit.domain);
      expect(signals.map((s) => s.kind).sort()).toEqual(edit.expected.map((e) => e.kind).sort());
      for (const e of edit.expected) {
        const s = signals.find((x) => x.kind === e.kind && String(x.detail.item).toLowerCase().includes(e.item.toLowerCase()));
        expect(s, `${e.kind} ${e.item}`).toBeDefined();
        // every signal carries the evidence it rests on, with the lake key of the text it quotes
        expect(s!.beforeQuote ?? s!.afterQuote).toBeTruthy();
        expect(s!.beforeQuote === null).toBe(s!.beforeKey === null);
        expect(s!.afterQuote === null).toBe(s!.afterKey === null);
      }
    });
  }

  it('quotes the new opening with its function and seniority, and the price before and after', async () => {
    const [job] = await siteSignals('meridian-supply.example');
    expect(job).toMatchObject({ kind: 'job_opened', beforeQuote: null, afterQuote: 'VP of Finance — Finance — Chicago, IL', detail: { function: 'finance', seniority: 'vp', department: 'Finance', location: 'Chicago, IL' } });
    const [price] = await siteSignals('brightpallet.example');
    expect(price).toMatchObject({ kind: 'pricing_changed', beforeQuote: '$15 per pallet / month', afterQuote: '$16 per pallet / month', detail: { change: 'price', plan: 'Growth', priceBefore: '$15', priceAfter: '$16' } });
  });
});

describe('detectChanges on clean texts', () => {
  const careers = (roles: string[], footer = '© 2026 Acme Inc. All rights reserved.') => `Title: Careers | Acme\n\n# Open positions\n\n${roles.map((r) => `- ${r}`).join('\n')}\n\n${footer}`;

  it('reports nothing for identical text, a footer year, whitespace or typographic quotes', () => {
    const a = version(careers(['Accounts Payable Clerk — Finance — Denver, CO']));
    expect(detectChanges(a, a)).toEqual([]);
    expect(detectChanges(a, version(careers(['Accounts Payable Clerk — Finance — Denver, CO'], '© 2027 Acme Inc. All rights reserved.')))).toEqual([]);
    expect(detectChanges(a, version(careers(['Accounts  Payable Clerk —  Finance — Denver, CO'])))).toEqual([]);
  });

  it('reports an opening and a closing; perks and prose are not jobs', () => {
    const before = version(careers(['Accounts Payable Clerk — Finance — Denver, CO', 'Senior iOS Engineer — Engineering — Remote']), undefined, undefined, 'b');
    const after = version(`${careers(['Accounts Payable Clerk — Finance — Denver, CO', 'Finance Intern — Finance — Denver, CO'])}\n\n### Why work with us\n\n- Free lunch on Fridays\n\nWe moved to a bigger office.`, undefined, undefined, 'a');
    const signals = detectChanges(before, after);
    expect(signals.map((s) => [s.kind, s.detail.title, s.detail.seniority])).toEqual([
      ['job_opened', 'Finance Intern', 'intern'],
      ['job_closed', 'Senior iOS Engineer', 'senior'],
    ]);
    expect(signals[0]).toMatchObject({ afterSnapshotId: 'a', beforeSnapshotId: null, afterKey: after.cleanKey, beforeKey: null });
    expect(signals[1]).toMatchObject({ beforeSnapshotId: 'b', afterSnapshotId: null, beforeQuote: 'Senior iOS Engineer — Engineering — Remote' });
    // the same comparison gives the same dedupe keys (a repeated step stores nothing new)
    expect(detectChanges(before, after).map((s) => s.dedupeKey)).toEqual(signals.map((s) => s.dedupeKey));
  });

  it('reports a plan added and removed, leadership joining and leaving, and a new office', () => {
    const pricing = (plans: [string, string][]) => `# Pricing\n\n${plans.map(([n, p]) => `### ${n}\n\n${p}\n\n- Feature`).join('\n\n')}`;
    const plans = detectChanges(version(pricing([['Team', '$49 per month'], ['Legacy', '$19 per month']]), 'https://acme.example/pricing', 'pricing'), version(pricing([['Team', '$49 per month'], ['Scale', '$99 per month']]), 'https://acme.example/pricing', 'pricing'));
    expect(plans.map((s) => [s.kind, s.detail.change, s.detail.plan])).toEqual([
      ['pricing_changed', 'plan_added', 'Scale'],
      ['pricing_changed', 'plan_removed', 'Legacy'],
    ]);
    const team = (people: [string, string][]) => `# Leadership\n\n${people.map(([n, r]) => `### ${n}\n\n${r}`).join('\n\n')}`;
    const lead = detectChanges(version(team([['Ana Ruiz', 'Chief Executive Officer'], ['Bo Lind', 'VP Finance']]), 'https://acme.example/team', 'team'), version(team([['Ana Ruiz', 'Chief Executive Officer'], ['Cy Moss', 'Chief Financial Officer']]), 'https://acme.example/team', 'team'));
    expect(lead.map((s) => [s.kind, s.detail.person, s.detail.movement, s.detail.function])).toEqual([
      ['leadership_changed', 'Cy Moss', 'joined', 'finance'],
      ['leadership_changed', 'Bo Lind', 'left', 'finance'],
    ]);
    const contact = (offices: string[]) => `# Contact us\n\n${offices.map((o) => `### ${o}\n\n1 Main Street`).join('\n\n')}`;
    const office = detectChanges(version(contact(['Denver']), 'https://acme.example/contact', 'contact'), version(contact(['Denver', 'Austin']), 'https://acme.example/contact', 'contact'));
    expect(office.map((s) => [s.kind, s.detail.location])).toEqual([['location_added', 'Austin']]);
  });

  it('reports technologies added and removed from the fingerprints', () => {
    const b = { ...version('# Home\n\nHello'), technologies: ['HubSpot', 'Segment'] };
    const a = { ...version('# Home\n\nHello there'), technologies: ['Segment', 'Stripe'] };
    expect(detectChanges(b, a).map((s) => [s.kind, s.detail.item])).toEqual([['technology_added', 'Stripe'], ['technology_removed', 'HubSpot']]);
  });

  it('a page with no previous version reports nothing', () => {
    expect(detectChanges(null, version(careers(['Controller — Finance — Denver, CO'])))).toEqual([]);
  });
});

describe('job function and seniority', () => {
  it('reads them off titles', () => {
    expect([jobFunction('VP of Finance'), seniority('VP of Finance')]).toEqual(['finance', 'vp']);
    expect([jobFunction('Accounts Payable Clerk', 'Office'), seniority('Accounts Payable Clerk')]).toEqual(['finance', 'junior']);
    expect([jobFunction('Forklift Operator', 'Operations'), seniority('Finance Intern')]).toEqual(['operations', 'intern']);
    expect(seniority('Head of Finance, North America')).toBe('director');
    expect(seniority('Chief Financial Officer')).toBe('executive');
  });
});
