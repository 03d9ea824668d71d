/**
 * Part of the bundled lead directory, searched as the whole one is: each ICP's search returns its
 * usual results, kept to the companies named. Leads keep their ICP, so a run over the part takes
 * the paths a run over the whole sample takes (fit above and below the threshold, drafting, a
 * site that cannot be reached, a lead the search refuses, one the run skips) for a third of the
 * leads: each lead of the sample web costs about a quarter of a CPU-second to fetch, clean,
 * research and commit. Suites about the whole sample (test/e2e/local-run.test.ts, which drafts
 * from it too, `npm start`) search the whole directory.
 */
import { readFile } from 'node:fs/promises';
import { BUNDLED_DIRECTORY_FILE, DirectoryLeadSearch } from '#adapters/directory-lead-search.ts';
import type { LeadCandidate, LeadSearch } from '#core/ports.ts';
import { csvCell } from '#local/export.ts';

/**
 * Companies whose leads, on the sample web with the sample onboarding, cover each outcome:
 * logistics leads above the threshold (meridian-supply, rheinwerk-logistik) and below it
 * (brightpallet), one whose site is unreachable (gone-logistics), one the run skips
 * (hartwell-advisory), one the search refuses as invalid (halden-haulage); SaaS leads above
 * (beaconhq, kiln-analytics) and below (ferrule) the threshold.
 */
export const SAMPLE_MIX = [
  'meridian-supply.example',
  'rheinwerk-logistik.example',
  'brightpallet.example',
  'gone-logistics.example',
  'hartwell-advisory.example',
  'halden-haulage.example',
  'beaconhq.example',
  'kiln-analytics.example',
  'ferrule.example',
];

const domainOf = (text: string) => /(?:@|\/\/)([^/@:?#\s]+)/.exec(text)?.[1]?.toLowerCase();

/** The bundled directory (or `inner`), its results kept to the leads of `domains`. */
export class DirectorySubset implements LeadSearch {
  readonly name: string;
  readonly #domains: Set<string>;
  readonly #inner: LeadSearch;

  constructor(domains: readonly string[] = SAMPLE_MIX, inner: LeadSearch = new DirectoryLeadSearch()) {
    this.#domains = new Set(domains);
    this.#inner = inner;
    this.name = inner.name;
  }

  async searchLeads(keywords: string[]): Promise<LeadCandidate[]> {
    return (await this.#inner.searchLeads(keywords)).filter((lead) =>
      [lead.company_website, lead.lead_email].some((text) => typeof text === 'string' && this.#domains.has(domainOf(text) ?? '')),
    );
  }
}

/** A leads file (CSV, for `prospector run --leads`) of the bundled directory's leads at `domains`, in that order. */
export async function directoryLeadsCsv(domains: readonly string[]): Promise<string> {
  const directory = JSON.parse(await readFile(BUNDLED_DIRECTORY_FILE, 'utf8')) as LeadCandidate[];
  const rows = domains.flatMap((d) => directory.filter((e) => e.lead_email.endsWith(`@${d}`)));
  return `company_name,company_website,lead_email,lead_name\n${rows.map((e) => [e.company_name, e.company_website, e.lead_email, e.lead_name].map(csvCell).join(',')).join('\n')}\n`;
}
