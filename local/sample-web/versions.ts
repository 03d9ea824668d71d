/**
 * The sample web's second version: a few sites change between two runs, the way real sites do,
 * so intent detection has known edits to find (and known non-edits to ignore). `generate.ts`
 * writes the changed files under `sites-v2/<domain>/` (an overlay over `sites/`), and a page
 * that is gone is listed in `sites-v2/<domain>/.removed.json` (the server answers 404 for it
 * while the navigation still links it, as a stale menu does). The server serves the overlay
 * with `version: 2` (`PROSPECTOR_SAMPLE_WEB_VERSION=2` for the CLI).
 *
 * `expected` is the contract `prospector eval --suite changes` scores against: every signal
 * detection should report for the edit (kind and item), and nothing for the markup-only and
 * footer-year edits.
 */
import type { SignalKind } from '../../lambdas/core/intent/types.ts';
import type { Block, Page, Site } from './content/types.ts';

export interface ExpectedSignal {
  kind: SignalKind;
  /** a substring of the signal's `detail.item` (case-insensitive) */
  item: string;
}

export interface SiteEdit {
  domain: string;
  /** what changed, in words */
  change: string;
  /** the site's content in version 2 (a copy; the argument is not changed) */
  content?: (site: Site) => Site;
  /** rewrites the rendered HTML of every page (a markup-only change) */
  markup?: (html: string, file: string) => string;
  /** pages that are gone in version 2 (404) */
  removed?: string[];
  expected: ExpectedSignal[];
}

const clone = <T>(v: T): T => structuredClone(v);

function editPage(site: Site, file: string, edit: (blocks: Block[]) => void): Site {
  const copy = clone(site);
  const page = copy.pages.find((p: Page) => p.file === file);
  if (!page) throw new Error(`${site.domain} has no ${file}`);
  edit(page.blocks);
  return copy;
}

function block<K extends Block['kind']>(blocks: Block[], kind: K): Extract<Block, { kind: K }> {
  const b = blocks.find((x) => x.kind === kind);
  if (!b) throw new Error(`no ${kind} block`);
  return b as Extract<Block, { kind: K }>;
}

export const V2_EDITS: SiteEdit[] = [
  {
    domain: 'meridian-supply.example',
    change: 'a new job opening: VP of Finance',
    content: (site) =>
      editPage(site, 'careers.html', (blocks) => {
        block(blocks, 'roles').roles.unshift({ title: 'VP of Finance', department: 'Finance', location: 'Chicago, IL' });
      }),
    expected: [{ kind: 'job_opened', item: 'VP of Finance' }],
  },
  {
    domain: 'brightpallet.example',
    change: 'a price change: Growth from $15 to $16 per pallet a month',
    content: (site) =>
      editPage(site, 'pricing.html', (blocks) => {
        const growth = block(blocks, 'tiers').tiers.find((t) => t.name === 'Growth');
        if (!growth || !growth.price.includes('$15')) throw new Error('brightpallet Growth tier moved');
        growth.price = growth.price.replace('$15', '$16');
      }),
    expected: [{ kind: 'pricing_changed', item: 'Growth' }],
  },
  {
    domain: 'ferrule.example',
    change: 'a new customer logo on the homepage: Keystone HVAC',
    content: (site) =>
      editPage(site, 'index.html', (blocks) => {
        block(blocks, 'logos').names.push('Keystone HVAC');
      }),
    expected: [{ kind: 'customer_added', item: 'Keystone HVAC' }],
  },
  {
    domain: 'beaconhq.example',
    change: 'a news announcement: an acquisition (also in the news box of every page)',
    content: (site) =>
      editPage(site, 'news.html', (blocks) => {
        block(blocks, 'news').items.unshift({
          date: '2026-11-24',
          title: 'BeaconHQ acquires Lumen Renewals',
          body: ['Lumen Renewals, a renewal forecasting startup in Dublin, joins BeaconHQ with its 18 employees.'],
        });
      }),
    expected: [{ kind: 'announcement', item: 'BeaconHQ acquires Lumen Renewals' }],
  },
  {
    domain: 'cascade-freightworks.example',
    change: 'a removed page: careers (404, still linked)',
    removed: ['careers.html'],
    expected: [
      { kind: 'job_closed', item: 'CDL-A Linehaul Driver' },
      { kind: 'job_closed', item: 'P&D Driver' },
      { kind: 'job_closed', item: 'Accounts Payable Clerk' },
      { kind: 'job_closed', item: 'Freight Bill Auditor' },
      { kind: 'job_closed', item: 'Terminal Manager' },
    ],
  },
  {
    domain: 'tidewater-packaging.example',
    change: 'a technology swap with the words untouched: Segment added, the HubSpot script dropped (every page)',
    content: (site) => ({ ...clone(site), trackers: [...site.trackers.filter((t) => t !== 'hubspot'), 'segment'] }),
    expected: [
      { kind: 'technology_added', item: 'Segment' },
      { kind: 'technology_removed', item: 'HubSpot' },
    ],
  },
  {
    domain: 'keelhaul-freight.example',
    change: 'markup only: a rebuilt theme adds wrappers, attributes and comments, the words stay',
    markup: (html) =>
      html
        .replace(/<div\b/g, '<div data-build="2026-12"')
        .replace(/<main\b([^>]*)>/, '<main$1><!-- build 2026-12 --><div class="v2-wrapper">')
        .replace(/<\/main>/, '</div></main>')
        .replace(/<\/head>/, '<link rel="preload" href="/assets/logo.svg" as="image">\n</head>'),
    expected: [],
  },
  {
    domain: 'granite-state-fabrication.example',
    change: 'the footer year only: © 2027',
    content: (site) => ({ ...clone(site), copyrightYear: 2027 }),
    expected: [],
  },
];

/** The edit of a domain, if it has one. */
export function editOf(domain: string): SiteEdit | undefined {
  return V2_EDITS.find((e) => e.domain === domain);
}
