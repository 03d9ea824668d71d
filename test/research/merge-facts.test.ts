/**
 * The same quote from several pages is one fact with several sources: a site's meta description
 * or tagline repeated on every page is read once, with every page it stands on.
 */
import { describe, expect, it } from 'vitest';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import type { ResearchFact } from '#core/research/contract.ts';
import { researchLead } from '#core/research/engine.ts';
import { mergeRepeatedFacts } from '#core/research/merge-facts.ts';
import { depsFor, leadInput, page } from './fixtures.ts';

const TAGLINE = 'Northwind Supply is a wholesale distribution company serving 4,000 manufacturers across the United States and Canada.';

/** Three pages of one site that all carry the tagline (as a meta description would), each with something of its own. */
function repeatedTagline() {
  return leadInput({
    pages: [
      page('00000000-0000-4000-8000-000000000011', 'https://northwind-supply.example/', 'home', 'Home', `Title: Northwind Supply\nDescription: ${TAGLINE}\n# Industrial parts, delivered next day\n\n${TAGLINE}\n\nBrowse 120,000 SKUs of bearings, fasteners and safety gear.`),
      page('00000000-0000-4000-8000-000000000012', 'https://northwind-supply.example/about', 'about', 'About', `Title: About Northwind Supply\nDescription: ${TAGLINE}\n# About us\n\n${TAGLINE}\n\nFounded in 1998 and headquartered in Columbus, Ohio, Northwind Supply employs 450 people across six warehouses.\n\nOur finance team still processes most supplier invoices by hand in spreadsheets.`),
      page('00000000-0000-4000-8000-000000000013', 'https://northwind-supply.example/careers', 'careers', 'Careers', `Title: Careers at Northwind Supply\nDescription: ${TAGLINE}\n# Join our team\n\n${TAGLINE}\n\nWe're hiring a Senior Accounts Payable Specialist to help us scale invoice processing.`),
    ],
  });
}

const fact = (id: string, quote: string, url: string): ResearchFact => ({
  id, category: 'firmographic', claim: `claim ${id}`, quote, snapshotId: `snap-${url}`, sourceUrl: url, verified: true,
});

describe('mergeRepeatedFacts', () => {
  it('keeps the first of the facts with the same quote and lists the other pages as its sources', () => {
    const merged = mergeRepeatedFacts([
      fact('f1', TAGLINE, 'https://a.example/'),
      fact('f2', 'Founded in 1998.', 'https://a.example/about'),
      // the same quote, spaced and cased differently, on two more pages and once more on the first
      fact('f3', TAGLINE.toUpperCase().replace(/ /g, '  '), 'https://a.example/about'),
      fact('f4', TAGLINE, 'https://a.example/careers'),
      fact('f5', TAGLINE, 'https://a.example/'),
    ]);
    expect(merged.map((f) => f.id)).toEqual(['f1', 'f2']);
    expect(merged[0]).toMatchObject({ claim: 'claim f1', sourceUrl: 'https://a.example/' });
    expect(merged[0].alsoFoundOn).toEqual([
      { snapshotId: 'snap-https://a.example/about', sourceUrl: 'https://a.example/about' },
      { snapshotId: 'snap-https://a.example/careers', sourceUrl: 'https://a.example/careers' },
    ]);
    expect(merged[1].alsoFoundOn).toBeUndefined();
  });
});

describe('research over a site that repeats its tagline on three pages', () => {
  it('yields one fact for the tagline, sourced from all three pages', async () => {
    const input = repeatedTagline();
    const result = await researchLead(input, depsFor(new HeuristicLlm()));
    const tagline = result.facts.filter((f) => f.quote.includes('4,000 manufacturers'));
    expect(tagline).toHaveLength(1);
    expect(tagline[0].sourceUrl).toBe('https://northwind-supply.example/');
    expect(tagline[0].alsoFoundOn?.map((s) => s.sourceUrl)).toEqual(['https://northwind-supply.example/about', 'https://northwind-supply.example/careers']);
    expect(tagline[0].alsoFoundOn?.map((s) => s.snapshotId)).toEqual(['00000000-0000-4000-8000-000000000012', '00000000-0000-4000-8000-000000000013']);
    // every quote is still on its pages, and no two facts quote the same text
    for (const f of result.facts) {
      for (const s of [{ snapshotId: f.snapshotId }, ...(f.alsoFoundOn ?? [])]) {
        expect(input.pages.find((p) => p.snapshotId === s.snapshotId)!.text).toContain(f.quote);
      }
    }
    expect(new Set(result.facts.map((f) => f.quote.toLowerCase())).size).toBe(result.facts.length);
  });
});
