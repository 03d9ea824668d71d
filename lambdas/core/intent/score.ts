/**
 * The intent score: 0-100 from a company's signals, by fixed rules (INTENT_RULES). Like the fit
 * score, nothing a page says and nothing a model writes sets the number: it is computed from the
 * signals' kinds, their structured detail (job function and seniority, announcement topic) and
 * their age, matched against the ICP's buying triggers (an onboarding field) and personas.
 */
import type { IntentIcp, IntentReason, IntentResult, JobFunction, Seniority, Signal, SignalKind } from './types.ts';
import { normalize } from './detect.ts';

export const INTENT_RULES_VERSION = 'intent-1';

/** Base points of a signal of each kind (announcements by topic, below). */
export const KIND_POINTS: Readonly<Record<SignalKind, number>> = {
  job_opened: 20,
  job_closed: 3,
  pricing_changed: 12,
  customer_added: 10,
  customer_removed: 3,
  location_added: 15,
  product_added: 10,
  leadership_changed: 20,
  announcement: 10,
  technology_added: 8,
  technology_removed: 5,
};

export const TOPIC_POINTS: Readonly<Record<string, number>> = { funding: 25, acquisition: 20, office: 15, product: 10, partnership: 8, other: 5 };

/** Strength of a job opening or a leadership change by seniority: a VP counts more than an intern. */
export const SENIORITY_STRENGTH: Readonly<Record<Seniority, number>> = {
  intern: 0.3, junior: 0.7, individual: 0.8, senior: 0.9, manager: 1.0, director: 1.2, vp: 1.4, executive: 1.5,
};

/** Relevance when a buying trigger names the signal's kind and its subject, only its kind, or none. */
export const RELEVANCE = { specific: 1, kind: 0.6, persona: 0.8, none: 0.25 } as const;

/** Days for a signal's weight to halve; older than MAX_AGE_DAYS counts nothing. */
export const HALF_LIFE_DAYS = 30;
export const MAX_AGE_DAYS = 180;
/** score = 100 x (1 - e^(-points / SATURATION)): one strong fresh signal about 50, several near 100. */
export const SATURATION = 40;

export const INTENT_RULES =
  `points per signal = base x relevance x strength x recency; base: job_opened 20, job_closed 3, pricing_changed 12, customer_added 10, customer_removed 3, location_added 15, product_added 10, leadership_changed 20 (8 when someone left), announcement by topic (funding 25, acquisition 20, office 15, product 10, partnership 8, other 5), technology_added 8, technology_removed 5; relevance 1 when a buying trigger names the kind and its subject (a job function, a role, a topic), 0.8 when a job or leadership change is in a persona's function, 0.6 when a trigger names only the kind, 0.25 otherwise; strength by seniority for jobs and leadership (intern 0.3, junior 0.7, individual 0.8, senior 0.9, manager 1, director 1.2, vp 1.4, executive 1.5), 1 otherwise; recency 0.5^(age in days / ${HALF_LIFE_DAYS}), 0 after ${MAX_AGE_DAYS} days; score = round(100 x (1 - e^(-sum / ${SATURATION})))`;

/** Which kinds a buying trigger's words speak of. */
const TRIGGER_FAMILIES: { kinds: SignalKind[]; words: RegExp; topic?: string }[] = [
  { kinds: ['job_opened'], words: /\b(hiring|hires?|recruit|roles?|openings?|headcount|clerks?|team growth)\b/ },
  { kinds: ['leadership_changed', 'job_opened'], words: /\b(new (cfo|ceo|coo|cto|controller|vp|head|director|leadership)|cfo|controller|leadership change|executive hire)\b/ },
  { kinds: ['announcement'], words: /\b(funding|round|raise[sd]?|series [a-f]|investment|ipo)\b/, topic: 'funding' },
  { kinds: ['announcement'], words: /\b(acquisitions?|acquir\w*|merger|m&a)\b/, topic: 'acquisition' },
  { kinds: ['location_added', 'announcement'], words: /\b(expansion|expand\w*|new (sites?|branches|countries|offices?|locations?|markets?|clinics?|warehouses?)|international|opening)\b/, topic: 'office' },
  { kinds: ['technology_added', 'technology_removed'], words: /\b(erp|migration|migrat\w*|implementation|tech stack|switch\w* (to|from)|replac\w*)\b/ },
  { kinds: ['product_added', 'announcement'], words: /\b(launch\w*|new products?|product line|integrations?)\b/, topic: 'product' },
  { kinds: ['pricing_changed'], words: /\b(pricing|price (change|increase)|repricing|new plans?)\b/ },
  { kinds: ['customer_added'], words: /\b(new customers?|customer growth|new (contracts?|clients?|accounts?))\b/ },
];

/** Words a trigger uses for a job function. */
const FUNCTION_WORDS: Readonly<Record<JobFunction, RegExp>> = {
  finance: /\b(financ\w*|accounting|accountants?|ap|a\/p|accounts payable|ar|controllers?|cfo|treasury|payroll|billing|fp&a|procurement)\b/,
  operations: /\b(operations?|ops|warehouse|logistics|supply chain|transport\w*)\b/,
  engineering: /\b(engineer\w*|developers?|technical|it|data)\b/,
  sales: /\b(sales|account executives?|sdrs?|bdrs?)\b/,
  marketing: /\b(marketing|growth|demand)\b/,
  customer: /\b(customer success|support|service)\b/,
  people: /\b(hr|people|talent|recruit\w*)\b/,
  legal: /\b(legal|compliance|soc 2|audit)\b/,
  executive: /\b(ceo|coo|chief|executive|leadership)\b/,
  other: /$^/,
};

const ageDays = (observedAt: string, now: Date): number => Math.max(0, (now.getTime() - new Date(observedAt).getTime()) / 86_400_000);

/** Whether a job or leadership signal is in the function of one of the ICP's personas (titles and departments). */
export function inPersonaFunction(signal: Signal, icp: IntentIcp): boolean {
  const fn = signal.detail.function as JobFunction | undefined;
  if ((signal.kind !== 'job_opened' && signal.kind !== 'leadership_changed') || !fn || !icp.personaTitles?.length) return false;
  return FUNCTION_WORDS[fn].test(normalize(icp.personaTitles.join(' | ')));
}

/** Relevance of a signal to the ICP's triggers and personas, with the trigger it matched. */
export function relevance(signal: Signal, icp: IntentIcp | null): { relevance: number; trigger: string | null } {
  if (!icp) return { relevance: RELEVANCE.none, trigger: null };
  const fn = signal.detail.function as JobFunction | undefined;
  let best: { relevance: number; trigger: string | null } = { relevance: RELEVANCE.none, trigger: null };
  const consider = (r: number, trigger: string | null) => {
    if (r > best.relevance) best = { relevance: r, trigger };
  };
  for (const trigger of icp.buyingTriggers) {
    const t = normalize(trigger);
    for (const family of TRIGGER_FAMILIES) {
      if (!family.kinds.includes(signal.kind) || !family.words.test(t)) continue;
      // the kind matches; is the subject the one the trigger names?
      let specific = false;
      if ((signal.kind === 'job_opened' || signal.kind === 'leadership_changed') && fn && fn !== 'other') {
        specific = FUNCTION_WORDS[fn].test(t) || (fn === 'finance' && /\b(cfo|controller)\b/.test(t));
        if (signal.kind === 'leadership_changed' && signal.detail.movement === 'left') specific = false;
      } else if (signal.kind === 'announcement') {
        specific = family.topic !== undefined && signal.detail.topic === family.topic;
      } else {
        specific = true;
      }
      consider(specific ? RELEVANCE.specific : RELEVANCE.kind, trigger);
    }
  }
  if (inPersonaFunction(signal, icp)) consider(RELEVANCE.persona, null);
  return best;
}

function basePoints(signal: Signal): number {
  if (signal.kind === 'announcement') return TOPIC_POINTS[String(signal.detail.topic ?? 'other')] ?? TOPIC_POINTS.other;
  if (signal.kind === 'leadership_changed' && signal.detail.movement === 'left') return 8;
  return KIND_POINTS[signal.kind];
}

function strength(signal: Signal): number {
  if (signal.kind !== 'job_opened' && signal.kind !== 'leadership_changed' && signal.kind !== 'job_closed') return 1;
  const s = signal.detail.seniority as Seniority | undefined;
  return s ? SENIORITY_STRENGTH[s] : 1;
}

/** The intent score of a company's signals for an ICP at `now` (see INTENT_RULES). */
export function intentScore(signals: (Signal & { id?: string })[], icp: IntentIcp | null, now: Date): IntentResult {
  const reasons: IntentReason[] = [];
  let sum = 0;
  for (const s of signals) {
    const age = ageDays(s.observedAt, now);
    const recency = age > MAX_AGE_DAYS ? 0 : 0.5 ** (age / HALF_LIFE_DAYS);
    const base = basePoints(s);
    const rel = relevance(s, icp);
    const st = strength(s);
    const points = base * rel.relevance * st * recency;
    sum += points;
    reasons.push({
      ...(s.id ? { signalId: s.id } : {}),
      kind: s.kind,
      summary: s.summary,
      base,
      relevance: rel.relevance,
      trigger: rel.trigger,
      strength: st,
      recency: Math.round(recency * 1000) / 1000,
      ageDays: Math.round(age * 10) / 10,
      points: Math.round(points * 100) / 100,
    });
  }
  reasons.sort((a, b) => b.points - a.points || a.summary.localeCompare(b.summary));
  const score = Math.max(0, Math.min(100, Math.round(100 * (1 - Math.exp(-sum / SATURATION)))));
  return { score, reasons };
}
