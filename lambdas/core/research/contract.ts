/**
 * The research engine's contract with the pipeline. The pipeline loads the seller context and
 * the cleaned pages; the engine returns grounded research; the pipeline commits it.
 */
import type { Llm } from '../ports.ts';

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
}

export interface ResearchInput {
  lead: { email: string; name: string; companyName: string; domain: string };
  seller: SellerContext;
  /** the ICP whose search found the lead (fit is scored against it first) */
  icpId: string | null;
  pages: ResearchPage[];
}

export interface ResearchFact {
  /** f1, f2, ... unique within one research */
  id: string;
  category: 'firmographic' | 'product' | 'customer' | 'hiring' | 'funding' | 'news' | 'technology' | 'pain' | 'other';
  claim: string;
  quote: string;
  snapshotId: string;
  sourceUrl: string;
  verified: boolean;
  /** further pages with the same quote (research/merge-facts.ts), in the order they were read */
  alsoFoundOn?: { snapshotId: string; sourceUrl: string }[];
}

export interface LlmCallRecord {
  id: string;
  pass: string;
  provider: string;
  model: string;
  promptVersion: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  costUsd: number;
  requestId: string | null;
  outcome: 'ok' | 'invalid' | 'repaired';
  /** lake key of the archived exchange: llm/dt=<yyyy-mm-dd>/<call-id>.json */
  lakeKey: string;
}

export interface ResearchResult {
  status: 'researched' | 'insufficient_evidence';
  provider: string;
  /** the synthesis model (or the only model) */
  model: string;
  promptVersion: string;
  fitScore: number | null;
  summary: string;
  /** fit reasons per ICP criterion, intent signals, pains, hooks, email angle, verification counts */
  findings: Record<string, unknown>;
  /** only verified facts are kept as usable evidence; dropped ones are counted in findings.verification */
  facts: ResearchFact[];
  llmCalls: LlmCallRecord[];
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** Dependencies of the engine. */
export interface ResearchDeps {
  llm: Llm;
  /** archives each exchange under llm/dt=.../<call-id>.json and returns the key */
  archive: (record: Record<string, unknown>, callId: string, at: Date) => Promise<string>;
  now?: () => Date;
  newId?: () => string;
}
