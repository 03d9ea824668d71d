/**
 * The hand-written lead the drafting suites share (templates, compose, the drafting step, sequence
 * settings): Dana Ruiz at Northwind Logistics with three stored facts, two verified. Each suite
 * writes its own findings over these facts, since what the findings cite is what it tests. And the
 * ports the drafting step runs on in the suites that call it directly (`draftingDeps`).
 */
import { randomUUID } from 'node:crypto';
import { FolderLake } from '#adapters/folder-lake.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { jsonLog } from '#core/log.ts';
import type { Sql } from '#core/ports.ts';
import { defaultPipelineConfig, type Deps } from '#core/pipeline/deps.ts';
import type { ComposeInput } from '#core/outreach/compose.ts';
import type { DraftResearch } from '#core/outreach/templates.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';

export const NORTHWIND_LEAD: ComposeInput['lead'] = {
  name: 'Dana Ruiz',
  email: 'dana@northwind.example',
  companyName: 'Northwind Logistics',
  domain: 'northwind.example',
  title: 'Accounts Payable Manager',
};

/** f1 firmographic and f2 news, verified; f3 hiring, not verified (never to be cited). */
export const NORTHWIND_FACTS: DraftResearch['facts'] = [
  { id: 'f1', category: 'firmographic', claim: 'Size', quote: 'Northwind Logistics employs 1,200 people across 9 depots.', verified: true },
  { id: 'f2', category: 'news', claim: 'New sites', quote: 'In March 2026 we opened two new cross-dock sites in Columbus, Ohio. Our network now has 14 warehouses.', verified: true },
  { id: 'f3', category: 'hiring', claim: 'Hiring', quote: 'We are hiring an Accounts Payable Specialist in Dayton.', verified: false },
];

/** Research `r1` (fit 82) on the Northwind facts, plus `extraFacts`, with the suite's findings. */
export function northwindResearch(findings: DraftResearch['findings'], extraFacts: DraftResearch['facts'] = []): DraftResearch {
  return { researchId: 'r1', fitScore: 82, findings, facts: [...NORTHWIND_FACTS, ...extraFacts] };
}

/** The drafting input for the Northwind lead under the sample seller's first ICP. */
export function northwindInput(onboarding: Onboarding, research: DraftResearch, overrides: Partial<ComposeInput> = {}): ComposeInput {
  return { lead: NORTHWIND_LEAD, research, onboarding, icp: onboarding.icps[0], ...overrides };
}

const notUsedByDrafting = new Proxy({}, { get: () => { throw new Error('not used by drafting'); } });

/**
 * The ports DraftOutreach uses, over a database and a folder lake, with the offline researcher
 * and a fixed clock; the lead search and the web throw if touched.
 */
export function draftingDeps(sql: Sql, lakeDir: string): Deps {
  return {
    sql, lake: new FolderLake(lakeDir), llm: new HeuristicLlm(), leadSearch: notUsedByDrafting as Deps['leadSearch'], web: notUsedByDrafting as Deps['web'],
    log: jsonLog({ level: 'silent' }), clock: { now: () => new Date('2026-12-02T12:00:00Z') }, newId: () => randomUUID(), config: defaultPipelineConfig,
  };
}
