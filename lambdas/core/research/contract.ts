/**
 * The research engine's contract with the pipeline. The pipeline loads the seller context and
 * the cleaned pages; the engine returns grounded research; the pipeline commits it.
 */
import type { LlmExchangeRecord } from '../llm/records.ts';
import type { Llm } from '../ports.ts';
import type { ResearchFact } from './records.ts';

/** What the seller told us at onboarding, trimmed to what research needs. */
export interface SellerContext {
  companyName: string;
  companyDomain: string;
  description: string;
  valuePropositions: string[];
  differentiators: string[];
  products: { name: string; description: string; painsSolved: string[]; useCases: string[] }[];
  icps: IcpContext[];
}

export interface IcpContext {
  id: string;
  slug: string;
  name: string;
  industries: string[];
  employeesMin: number | null;
  employeesMax: number | null;
  geographies: string[];
  technologies: string[];
  fundingStages: string[];
  buyingTriggers: string[];
  negativeIcp: string[];
  keywords: string[];
  personas: { name: string; titles: string[]; pains: string[]; goals: string[] }[];
}

/** One cleaned page of the lead's site. */
export interface ResearchPage {
  /** page_snapshot id: facts cite it. */
  snapshotId: string;
  url: string;
  /** discovery's guess: home, about, product, pricing, customers, careers, news, team, contact, other */
  kind: string;
  title: string;
  /** cleaned markdown/text as stored in the lake (clean/text/...): quotes are verified against it */
  text: string;
  /** pass 0 signals extracted without an LLM (metadata, JSON-LD, tech, hiring, pricing) */
  signals?: Record<string, unknown>;
  /**
   * Facts an earlier research proposed for this very text (same URL, same clean-text hash): the
   * page is left out of the facts pass and these are verified again instead. Absent: read it.
   */
  knownFacts?: KnownFact[];
}

/** A fact carried over from an earlier research of the same page text. */
export interface KnownFact {
  category: ResearchFact['category'];
  claim: string;
  quote: string;
}

export interface ResearchInput {
  lead: { email: string; name: string; companyName: string; domain: string };
  seller: SellerContext;
  /** the ICP whose search found the lead (fit is scored against it first) */
  icpId: string | null;
  pages: ResearchPage[];
}

/** One answered LLM call, as stored in `llm_call` (defined with the call module). */
export type { LlmCallRecord } from '../llm/records.ts';

/** The engine's result, its facts and findings: zod schemas in `records.ts` are their single source. */
export type { Findings, ResearchFact, ResearchResult } from './records.ts';

/** Dependencies of the engine. */
export interface ResearchDeps {
  llm: Llm;
  /** archives each exchange under llm/dt=.../<call-id>.json and returns the key */
  archive: (record: LlmExchangeRecord, callId: string, at: Date) => Promise<string>;
  now?: () => Date;
  newId?: () => string;
}
