/**
 * How a run's lead is presented when the run reused earlier research: a lead skipped because its
 * pages, prompts and models are unchanged since research that succeeded is shown with that
 * research as current ("researched <date>, unchanged since"), not as `skipped` beside a fit score.
 * `export`, `show`, `report` and the web app all decide it here. The run's own counts keep it as skipped: no
 * research was done in that run, and found = researched + skipped + failed + duplicates.
 */

/** Whether the lead's research in this run is earlier research reused as current. */
export function reusedAsCurrent(lead: { status: string; reason: string | null; researchStatus: string | null }): boolean {
  return lead.status === 'skipped' && lead.researchStatus === 'researched' && /^unchanged\b/.test(lead.reason ?? '');
}

/** The status line of reused research: `researched 2026-11-30, unchanged since`. */
export function unchangedSinceLabel(researchedAt: string): string {
  return `researched ${researchedAt.slice(0, 10)}, unchanged since`;
}
