/**
 * A seller, an ICP and a lead's cleaned pages for research tests, plus an in-memory archive.
 */
import type { ResearchDeps, ResearchInput, ResearchPage, SellerContext } from '#core/research/contract.ts';
import type { Llm } from '#core/ports.ts';

export const seller: SellerContext = {
  companyName: 'Ledgerline',
  companyDomain: 'ledgerline.example',
  description: 'Accounts payable automation for mid-market distributors running NetSuite or SAP.',
  valuePropositions: [
    'Cut manual invoice entry by 80% with automatic capture and matching',
    'Close the books faster with approvals that sync to NetSuite and SAP',
    'Scale accounts payable without hiring more clerks',
  ],
  differentiators: ['Native NetSuite and SAP sync', 'Three-way matching for distributors'],
  products: [
    {
      name: 'Ledgerline AP',
      description: 'Invoice capture, matching and approvals.',
      painsSolved: ['manual invoice entry', 'late supplier payments', 'slow month-end close'],
      useCases: ['three-way matching', 'approval workflows'],
    },
  ],
  icps: [
    {
      id: 'icp-1',
      slug: 'midmarket-distributors',
      name: 'Mid-market distributors',
      industries: ['wholesale distribution', 'industrial distribution'],
      employeesMin: 100,
      employeesMax: 1000,
      geographies: ['United States', 'Canada'],
      technologies: ['NetSuite', 'SAP'],
      fundingStages: ['Series B', 'Series C'],
      buyingTriggers: ['hiring accounts payable', 'ERP migration', 'expansion'],
      negativeIcp: ['government agency', 'consumer retail'],
      keywords: ['accounts payable', 'invoices', 'distribution'],
      personas: [{ name: 'Finance leader', titles: ['CFO', 'Controller'], pains: ['manual invoice entry', 'late payments'], goals: ['faster close'] }],
    },
  ],
};

const home = `Title: Northwind Supply | Industrial distribution for North America
Description: Northwind Supply is an industrial distribution company shipping MRO parts next day.
# Industrial parts, delivered next day

Northwind Supply is a wholesale distribution company serving 4,000 manufacturers across the United States and Canada.

Browse 120,000 SKUs of bearings, fasteners and safety gear.

We accept cookies to improve your experience. Accept all`;

const about = `Title: About Northwind Supply
Description: Our story since 1998.
# About us

Founded in 1998 and headquartered in Columbus, Ohio, Northwind Supply employs 450 people across six warehouses.

Our customers include regional manufacturers, utilities and contractors.

Our finance team still processes most supplier invoices by hand in spreadsheets.`;

const careers = `Title: Careers at Northwind Supply
# Join our team

We're hiring a Senior Accounts Payable Specialist to help us scale invoice processing.

Open roles: Controller, NetSuite Administrator, Warehouse Lead.`;

const news = `Title: Newsroom
# News

March 2024: Northwind Supply raised a $40M Series B to expand into Canada.

In 2023 we completed our migration to NetSuite ERP across all six warehouses.`;

/** A lead with four short, relevant pages. */
export function leadInput(overrides: Partial<ResearchInput> = {}): ResearchInput {
  return {
    lead: { email: 'dana@northwind-supply.example', name: 'Dana Reyes', companyName: 'Northwind Supply', domain: 'northwind-supply.example' },
    seller,
    icpId: 'icp-1',
    pages: [
      page('00000000-0000-4000-8000-000000000001', 'https://northwind-supply.example/', 'home', 'Northwind Supply', home),
      page('00000000-0000-4000-8000-000000000002', 'https://northwind-supply.example/about', 'about', 'About', about),
      page('00000000-0000-4000-8000-000000000003', 'https://northwind-supply.example/careers', 'careers', 'Careers', careers),
      page('00000000-0000-4000-8000-000000000004', 'https://northwind-supply.example/news', 'news', 'News', news),
    ],
    ...overrides,
  };
}

/** One cleaned page. */
export function page(snapshotId: string, url: string, kind: string, title: string, text: string): ResearchPage {
  return { snapshotId, url, kind, title, text };
}

const FILLER = [
  'Our team believes in doing things the right way, every day, for every order that leaves the dock.',
  'We care deeply about quality and we work hard to make sure every shipment arrives in perfect condition.',
  'Reliability has always been part of who we are, from the first delivery truck to the present day.',
  'Every member of our staff is trained to go the extra mile for the people we work with.',
  'We continually look for ways to improve how we work and how we serve our community.',
];

/** A long page: `paragraphs` filler paragraphs with the relevant lines spread among them. */
export function longPage(n: number, kind: string, relevant: string[], paragraphs = 100): ResearchPage {
  const lines: string[] = [`Title: Northwind Supply ${kind} page ${n}`, `Description: The ${kind} page of Northwind Supply.`];
  for (let i = 0; i < paragraphs; i++) {
    lines.push(`${FILLER[(i + n) % FILLER.length]} (part ${i + 1})`);
    if (i % Math.max(1, Math.floor(paragraphs / Math.max(1, relevant.length))) === 5 && relevant.length) lines.push(relevant.shift()!);
  }
  lines.push(...relevant);
  return page(`00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`, `https://northwind-supply.example/${kind}-${n}`, kind, `${kind} ${n}`, lines.join('\n\n'));
}

/** An archive that keeps every record in memory. */
export function memoryArchive(): { archive: ResearchDeps['archive']; records: { key: string; record: Record<string, unknown> }[] } {
  const records: { key: string; record: Record<string, unknown> }[] = [];
  return {
    records,
    archive: async (record, callId, at) => {
      const key = `llm/dt=${at.toISOString().slice(0, 10)}/${callId}.json`;
      records.push({ key, record: JSON.parse(JSON.stringify(record)) as Record<string, unknown> });
      return key;
    },
  };
}

/** Engine deps around an `Llm`, with deterministic ids and clock. */
export function depsFor(llm: Llm): ResearchDeps & { archived: { key: string; record: Record<string, unknown> }[] } {
  const { archive, records } = memoryArchive();
  let n = 0;
  return {
    llm,
    archive,
    archived: records,
    now: () => new Date('2025-05-01T12:00:00Z'),
    newId: () => `00000000-0000-4000-9000-${String(++n).padStart(12, '0')}`,
  };
}
