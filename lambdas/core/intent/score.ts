/**
 * The intent score: 0-100 from a company's signals, by fixed rules (see INTENT_RULES).
 */
import type { IntentIcp, IntentResult, Signal } from './types.ts';

export const INTENT_RULES_VERSION = 'intent-1';

/** The intent score of a company's signals for an ICP at `now`. */
export function intentScore(signals: (Signal & { id?: string })[], icp: IntentIcp | null, now: Date): IntentResult {
  void signals; void icp; void now;
  return { score: 0, reasons: [] };
}
