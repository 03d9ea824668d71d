/**
 * Deterministic change detection between two versions of a page (see types.ts).
 */
import type { PageVersion, Signal } from './types.ts';

/** The signals between a page's previous clean text and its new one; [] when nothing a rep would notice changed. */
export function detectChanges(before: PageVersion | null, after: PageVersion | null): Signal[] {
  if (!before || !after || before.cleanSha256 === after.cleanSha256) return [];
  return [];
}
