/**
 * One fact per quote: a site repeats text on many pages (a meta description, a tagline, a
 * footer claim), and the facts pass proposes it once per page. Verified facts with the same quote
 * (compared as verification compares text: case, spacing and punctuation forms aside) become
 * the first of them, with the other pages as further sources, so a rep reads it once, with every
 * page it stands on, and the synthesis is not shown the same evidence several times.
 */
import type { ResearchFact } from './contract.ts';
import { normaliseForMatch } from './text.ts';

/** Merges verified facts that quote the same text; keeps the first's id, claim and category, in order. */
export function mergeRepeatedFacts<F extends ResearchFact>(facts: F[]): F[] {
  const byQuote = new Map<string, F>();
  const merged: F[] = [];
  for (const fact of facts) {
    const key = normaliseForMatch(fact.quote);
    const first = byQuote.get(key);
    if (!first) {
      byQuote.set(key, fact);
      merged.push(fact);
      continue;
    }
    const known = [first.sourceUrl, ...(first.alsoFoundOn ?? []).map((s) => s.sourceUrl)];
    const more = [{ snapshotId: fact.snapshotId, sourceUrl: fact.sourceUrl }, ...(fact.alsoFoundOn ?? [])].filter((s) => !known.includes(s.sourceUrl));
    if (more.length) first.alsoFoundOn = [...(first.alsoFoundOn ?? []), ...more];
  }
  return merged;
}
