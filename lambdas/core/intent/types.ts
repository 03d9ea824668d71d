/**
 * Intent: the types of change detection and the intent score (sql/0020_intent.sql).
 *
 * A `PageVersion` is one page's clean text as stored in the lake, with the snapshot it came
 * from. `detectChanges(before, after)` (detect.ts) compares two versions of a page and returns
 * `Signal`s; the repository (repository.ts) stores them as `company_signal` rows, and
 * `intentScore(signals, icp, now)` (score.ts) turns a company's signals into a 0-100 score for an ICP.
 */
import { z } from 'zod';

/** Every kind of change a signal can record (the CHECK on company_signal.kind). */
export const SIGNAL_KINDS = [
  'job_opened',
  'job_closed',
  'pricing_changed',
  'customer_added',
  'customer_removed',
  'location_added',
  'product_added',
  'leadership_changed',
  'announcement',
  'technology_added',
  'technology_removed',
] as const;
export const SignalKind = z.enum(SIGNAL_KINDS);
export type SignalKind = z.infer<typeof SignalKind>;

/** The business function a job opening belongs to (from its title and department). */
export const JOB_FUNCTIONS = ['finance', 'operations', 'engineering', 'sales', 'marketing', 'customer', 'people', 'legal', 'executive', 'other'] as const;
export type JobFunction = (typeof JOB_FUNCTIONS)[number];

/** Seniority of a job opening, from its title, lowest first. */
export const SENIORITIES = ['intern', 'junior', 'individual', 'senior', 'manager', 'director', 'vp', 'executive'] as const;
export type Seniority = (typeof SENIORITIES)[number];

/** One version of a page: its clean text and where it is kept. */
export interface PageVersion {
  /** page_snapshot id */
  snapshotId: string;
  /** the URL asked for (final URL when it redirected) */
  url: string;
  /** discovery's page kind: home, about, pricing, customers, careers, news, team, product, contact, other */
  kind: string;
  /** the clean text as stored in the lake (clean/text/...) */
  text: string;
  /** its lake key */
  cleanKey: string;
  cleanSha256: string;
  /** when the snapshot was fetched (ISO-8601) */
  fetchedAt: string;
  /** the raw body's hash (technology changes are keyed by it: the clean text may not change) */
  rawSha256?: string;
  /** the raw body's lake key (raw/html/...): a technology change's evidence, which the clean text does not hold */
  rawKey?: string;
  /** technology names fingerprinted on the page's raw HTML, when known */
  technologies?: string[];
}

/** The structured part of a signal (company_signal.detail). */
export interface SignalDetail {
  /** the list item, row, name or headline that changed, normalised */
  item: string;
  /** job openings: function, seniority and department/location as listed */
  function?: JobFunction;
  seniority?: Seniority;
  department?: string;
  location?: string;
  /** pricing: the plan or tier, and the price before and after */
  plan?: string;
  priceBefore?: string;
  priceAfter?: string;
  /** pricing: what changed: a price, a plan added, a plan removed */
  change?: 'price' | 'plan_added' | 'plan_removed';
  /** leadership: the person and role, and whether they joined or left */
  person?: string;
  role?: string;
  movement?: 'joined' | 'left';
  /** announcements: funding, acquisition, office, product, other */
  topic?: 'funding' | 'acquisition' | 'office' | 'product' | 'partnership' | 'other';
  /** the whole page disappeared (its signals carry only a before quote) */
  pageRemoved?: boolean;
  [key: string]: unknown;
}

/** A change detected between two versions of a page, before it is stored. */
export interface Signal {
  kind: SignalKind;
  detail: SignalDetail;
  /** a deterministic one-line description built from the item */
  summary: string;
  /** the exact text before (null for an addition) and after (null for a removal) */
  beforeQuote: string | null;
  afterQuote: string | null;
  beforeKey: string | null;
  afterKey: string | null;
  beforeSnapshotId: string | null;
  afterSnapshotId: string | null;
  url: string;
  pageKind: string;
  /** when the page showing the change was fetched (ISO-8601) */
  observedAt: string;
  /** sha256 of kind, item and both clean-text hashes: the same change is stored once per company */
  dedupeKey: string;
}

/** A stored signal (a company_signal row). */
export interface StoredSignal extends Signal {
  id: string;
  workspaceId: string;
  companyId: string;
  runId: string | null;
  /** an LLM's summary, kept only when the grounding check found it supported by the quotes */
  llmSummary: string | null;
  detectedAt: string;
}

/** What the intent score needs to know about an ICP. */
export interface IntentIcp {
  id: string;
  /** the onboarding's buying triggers ("Hiring AP clerks", "New funding round", ...) */
  buyingTriggers: string[];
  /** words that describe what the seller sells into (industries, keywords, technologies) */
  keywords?: string[];
  /** the personas' titles and departments (a job opening for one is a strong signal) */
  personaTitles?: string[];
}

/** One signal's share of the score, stored in company_intent.reasons. */
export interface IntentReason {
  signalId?: string;
  kind: SignalKind;
  summary: string;
  /** base points of the kind */
  base: number;
  /** 0..1: how strongly the signal matches the ICP's buying triggers */
  relevance: number;
  /** the buying trigger it matched, if any */
  trigger: string | null;
  /** multiplier for seniority and size of the change */
  strength: number;
  /** 0..1: recency decay from its age */
  recency: number;
  ageDays: number;
  points: number;
}

export interface IntentResult {
  score: number;
  reasons: IntentReason[];
}

/** What change detection found for a company in a run (company_change_check). */
export type ChangeCheckStatus = 'first_seen' | 'unchanged' | 'changed' | 'failed';

export interface ChangeCheck {
  runId: string;
  companyId: string;
  status: ChangeCheckStatus;
  pages: number;
  pagesUnchanged: number;
  pagesNotModified: number;
  pagesChanged: number;
  pagesRemoved: number;
  signals: number;
  error: string | null;
}
