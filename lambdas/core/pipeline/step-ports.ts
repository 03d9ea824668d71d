/**
 * What each state machine step may touch: its ports, the lake areas it reads and writes, and
 * the settings it reads. This one table is read by
 * - the cloud stack (cdk/stateless-stack.ts): a function gets the environment, secrets and IAM
 *   grants of its step's ports and nothing else;
 * - the Lambda composition root (lambdas/cloud/composition.ts): a function builds only its
 *   step's adapters and parses only its step's variables;
 * - a test that runs the local state machine with each state's undeclared ports throwing
 *   (`restrictDeps`), so a step that starts using a port it did not declare fails a test
 *   instead of failing on AWS with AccessDenied.
 *
 * A port is declared `'use'` (call it: the adapter, its secret, its grants) or `'name'` (only
 * its identity, `llm.provider` / `leadSearch.name`, which StartRun records on the run: no
 * secret, no grant). A new capability (sending mail) becomes a new port here; the stack grants
 * it from this table, so only the steps that declare it (the send step) get it.
 */
import type { LakeArea } from '../lake-keys.ts';
import { inLakeArea, lakeAreas } from '../lake-keys.ts';
import type { Lake } from '../ports.ts';
import type { Deps, PipelineConfig } from './deps.ts';

/** Identity only, or the whole port. */
export type PortAccess = 'name' | 'use';

/** Groups of `PipelineConfig` a step reads (each comes from its own environment variables in the cloud). */
export const CONFIG_GROUPS = {
  /** StartRun: which workspace, how many leads at once, how many leads a lead Map child takes. */
  run: ['workspace', 'leadConcurrency', 'leadBatchSize'],
  /** FetchSite: how much of a site is fetched. */
  fetch: ['maxPagesPerSite', 'maxBytesPerSite'],
  /**
   * ResearchLead and StartRun: the models, their prices and the dollar budgets. StartRun reads
   * them only so a shut-down or unpriced model is refused before a run begins.
   */
  models: ['factsModel', 'synthesisModel', 'draftModel', 'modelPrices', 'runCostBudgetUsd', 'leadCostBudgetUsd'],
  /** ResearchLead: token budgets. */
  research: ['promptTokenBudget', 'runTokenBudget', 'leadTokenBudget'],
} as const satisfies Record<string, readonly (keyof PipelineConfig)[]>;
export type ConfigGroup = keyof typeof CONFIG_GROUPS;

// Every setting belongs to a group, or a step could read it unrestricted.
type Grouped = (typeof CONFIG_GROUPS)[ConfigGroup][number];
const everySettingGrouped: Exclude<keyof PipelineConfig, Grouped> extends never ? true : never = true;
void everySettingGrouped;

/** The ports of one step. `log`, `clock` and `newId` need nothing and every step has them. */
export interface StepPorts {
  readonly sql?: true;
  /** Lake areas (lake-keys.ts `lakeAreas`) read (get, exists) and written (put). */
  readonly lake?: { readonly read?: readonly LakeArea[]; readonly write?: readonly LakeArea[] };
  readonly llm?: PortAccess;
  readonly leadSearch?: PortAccess;
  readonly web?: true;
  /** Sending mail (SES in the cloud): only the send step. */
  readonly mailer?: true;
  /** Groq's Batch API (the Groq key): only the batch-mode steps. */
  readonly llmBatch?: true;
  readonly config?: readonly ConfigGroup[];
}

export interface StepSpec {
  /** The handler module, `lambdas/handlers/<handler>.ts`; its ASL placeholder is `${<StepId>FunctionArn}`. */
  readonly handler: string;
  readonly ports: StepPorts;
}

/** Every Lambda step of the state machine and what it may touch. */
export const STEPS = {
  // Reads the models only so a shut-down or unpriced model is refused at cold start, before a
  // run begins, instead of failing every lead.
  StartRun: { handler: 'start-run', ports: { sql: true, llm: 'name', leadSearch: 'name', config: ['run', 'models'] } },
  // Writes the research table's lines for the results it turns away (suppressed, invalid…).
  SearchLeads: { handler: 'search-leads', ports: { sql: true, leadSearch: 'use', lake: { read: ['leadsInputs'], write: ['researchTable'] } } },
  // Writes the run's lead manifest, which the Distributed Map's ItemReader reads.
  ListRunLeads: { handler: 'list-run-leads', ports: { sql: true, lake: { write: ['leadManifests'] } } },
  // Handles hostile content: the web, and the lake only where fetched pages go.
  FetchSite: {
    handler: 'fetch-site',
    ports: { sql: true, web: true, lake: { read: ['rawHtml'], write: ['rawHtml', 'rawMeta', 'researchTable'] }, config: ['fetch'] },
  },
  // Also compares the clean text with the company's previous visit (intent/company-changes.ts).
  CleanPages: { handler: 'clean-pages', ports: { sql: true, lake: { read: ['rawHtml', 'rawMeta', 'cleanText', 'signals'], write: ['cleanText', 'signals', 'intentSignals'] } } },
  ResearchLead: {
    handler: 'research-lead',
    ports: {
      sql: true,
      llm: 'use',
      lake: { read: ['cleanText', 'signals', 'researchResults', 'llmCache'], write: ['llmCalls', 'llmCache', 'llmBatchRequests', 'researchResults', 'researchTable'] },
      config: ['research', 'models'],
    },
  },
  CommitResearch: { handler: 'commit-research', ports: { sql: true, lake: { read: ['researchResults'], write: ['researchTable'] } } },
  // Reads research, onboarding and suppressions from the database; of the pages only the clean
  // text a triggering signal's after-quote must be found in. The LLM drafter archives its
  // exchange (llm/) and is held to the run's token and dollar budgets. In batch mode it reads its
  // answer from the lead's attempt cache and defers what is missing (llm-batch.ts).
  DraftOutreach: {
    handler: 'draft-outreach',
    ports: { sql: true, llm: 'use', lake: { read: ['cleanText', 'llmCache'], write: ['llmCalls', 'llmBatchRequests'] }, config: ['research', 'models'] },
  },
  // statemachine/watch.asl.json: opens a watch run over the researched companies due a re-check
  // (FetchSite, CleanPages, ResearchLead, CommitResearch and DraftOutreach, which drafts there
  // only for a triggering signal, are the prospecting steps), and after
  // change detection decides whether a company is researched again; database only.
  StartWatch: { handler: 'start-watch', ports: { sql: true, llm: 'name', config: ['run'] } },
  RecheckCompany: { handler: 'recheck-company', ports: { sql: true } },
  RecordFailure: { handler: 'record-failure', ports: { sql: true, lake: { write: ['researchTable'] } } },
  // Batch mode (llm-batch.ts): send the run's deferred requests as one Groq batch, read its
  // status, import its answers into the waiting attempts' caches and list those leads again.
  SubmitLlmBatch: { handler: 'submit-llm-batch', ports: { sql: true, llmBatch: true, lake: { read: ['llmBatchRequests'], write: ['researchTable'] } } },
  PollLlmBatch: { handler: 'poll-llm-batch', ports: { llmBatch: true } },
  ImportLlmBatch: { handler: 'import-llm-batch', ports: { sql: true, llmBatch: true, lake: { read: ['llmBatchRequests'], write: ['llmCache', 'leadManifests', 'researchTable'] } } },
  FinishRun: { handler: 'finish-run', ports: { sql: true, lake: { write: ['runSummaries'] } } },
  // statemachine/sending.asl.json: claim what is due, send each, settle what failed, count.
  ClaimDue: { handler: 'claim-due', ports: { sql: true } },
  // The only step that may send mail.
  SendMessage: { handler: 'send-message', ports: { sql: true, mailer: true } },
  RecordSendFailure: { handler: 'record-send-failure', ports: { sql: true } },
  FinishSend: { handler: 'finish-send', ports: { sql: true } },
  // statemachine/replies.asl.json: parse, classify, match the thread, act; a failure is recorded.
  // Reads the hostile bytes of an inbound mail: no LLM, no mailer; writes only the parsed mail.
  ParseReply: { handler: 'parse-reply', ports: { sql: true, lake: { read: ['inbound'], write: ['replyMail'] } } },
  // The only replies step with the LLM, and no database.
  ClassifyReply: { handler: 'classify-reply', ports: { llm: 'use', lake: { read: ['replyMail'], write: ['replyClassifications', 'llmCalls'] }, config: ['models'] } },
  MatchThread: { handler: 'match-thread', ports: { sql: true, lake: { read: ['replyMail'] } } },
  ActOnReply: { handler: 'act-on-reply', ports: { sql: true, lake: { read: ['replyMail', 'replyClassifications'] } } },
  // A response from the seller's knowledge for interest, questions and objections: reads the raw reply, archives its model calls.
  DraftResponse: { handler: 'draft-response', ports: { sql: true, llm: 'use', lake: { read: ['inbound'], write: ['llmCalls'] }, config: ['models'] } },
  RecordReplyFailure: { handler: 'record-reply-failure', ports: { sql: true, lake: { read: ['replyMail'] } } },
} as const satisfies Record<string, StepSpec>;
export type StepId = keyof typeof STEPS;

export const STEP_IDS = Object.keys(STEPS) as StepId[];

/** The ports a step declares. */
export function stepPorts(step: StepId): StepPorts {
  return STEPS[step].ports;
}

/** The step whose handler module is `lambdas/handlers/<file>.ts`. */
export function stepOfHandler(file: string): StepId {
  const found = STEP_IDS.find((id) => STEPS[id].handler === file);
  if (!found) throw new Error(`no step in STEPS has the handler lambdas/handlers/${file}.ts`);
  return found;
}

/** A step touched a port (or lake area, or setting) it did not declare. */
export class UndeclaredPortError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndeclaredPort';
  }
}

// Read by inspection, promise checks and serialisers without meaning a use of the port.
const INERT = new Set<string | symbol>(['then', 'toJSON', 'constructor', 'asymmetricMatch', '$$typeof', 'nodeType', '@@__IMMUTABLE_ITERABLE__@@', '@@__IMMUTABLE_RECORD__@@']);

/** Stands in for a port the step did not declare: its identity (if declared `'name'`) reads, anything else throws. */
export function undeclaredPort<T extends object>(step: StepId, port: string, identity: Record<string, unknown> = {}): T {
  return new Proxy(identity, {
    get(target, prop) {
      if (Object.hasOwn(target, prop)) return target[prop as string];
      if (typeof prop === 'symbol' || INERT.has(prop)) return undefined;
      throw new UndeclaredPortError(
        `${step} did not declare the ${port} port${Object.keys(target).length ? ` (only its ${Object.keys(target).join(', ')})` : ''}, but used ${port}.${prop}; declare it in STEPS (lambdas/core/pipeline/step-ports.ts) to give the function its grants`,
      );
    },
  }) as T;
}

/** The lake as a step may use it: keys outside its declared areas throw before any request. */
export class ScopedLake implements Lake {
  readonly location: string;
  constructor(
    /** the step (or edge function) named in refusals */
    private readonly step: string,
    private readonly inner: Lake,
    private readonly scope: { readonly read?: readonly LakeArea[]; readonly write?: readonly LakeArea[] },
  ) {
    this.location = inner.location;
  }

  #check(key: string, mode: 'read' | 'write'): void {
    const areas = this.scope[mode] ?? [];
    if (areas.some((a) => inLakeArea(key, a))) return;
    const declared = areas.map((a) => lakeAreas[a]).join(', ') || 'none';
    throw new UndeclaredPortError(`${this.step} may not ${mode} lake key ${key}: it declares lake ${mode}s of ${declared}`);
  }

  async put(key: string, body: Uint8Array | string, options?: { contentType?: string }): Promise<void> {
    this.#check(key, 'write');
    return this.inner.put(key, body, options);
  }

  async get(key: string): Promise<Buffer | undefined> {
    this.#check(key, 'read');
    return this.inner.get(key);
  }

  async exists(key: string): Promise<boolean> {
    this.#check(key, 'read');
    return this.inner.exists(key);
  }

  // Listing names keys, not contents; a step that reads the lake may list it, as S3's
  // ListBucket (which a reader needs for 404s) is granted on the whole bucket.
  async list(prefix: string): Promise<string[]> {
    if (!this.scope.read?.length) throw new UndeclaredPortError(`${this.step} may not list the lake (prefix ${prefix}): it declares no lake reads`);
    return this.inner.list(prefix);
  }
}

/** The config as a step may read it: settings of groups it did not declare throw. */
export function restrictConfig(step: StepId, config: PipelineConfig, groups: readonly ConfigGroup[]): PipelineConfig {
  const allowed = new Set<string>(groups.flatMap((g) => CONFIG_GROUPS[g]));
  const owner = new Map<string, ConfigGroup>(
    (Object.keys(CONFIG_GROUPS) as ConfigGroup[]).flatMap((g) => CONFIG_GROUPS[g].map((k) => [k, g] as const)),
  );
  return new Proxy(config, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && owner.has(prop) && !allowed.has(prop)) {
        throw new UndeclaredPortError(`${step} did not declare the "${owner.get(prop)}" settings, but read config.${prop}`);
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * `deps` as the step may use it: declared ports pass through (the lake scoped to its areas),
 * undeclared ones throw `UndeclaredPort` when touched.
 */
export function restrictDeps(step: StepId, deps: Deps): Deps {
  const p: StepPorts = STEPS[step].ports;
  const named = <T extends object>(access: PortAccess | undefined, port: 'llm' | 'leadSearch', identity: () => Record<string, unknown>, full: () => T): T =>
    access === 'use' ? full() : undeclaredPort<T>(step, port, access === 'name' ? identity() : {});
  return {
    sql: p.sql ? deps.sql : undeclaredPort(step, 'sql'),
    lake: p.lake ? new ScopedLake(step, deps.lake, p.lake) : undeclaredPort(step, 'lake'),
    llm: named(p.llm, 'llm', () => ({ provider: deps.llm.provider }), () => deps.llm),
    leadSearch: named(p.leadSearch, 'leadSearch', () => ({ name: deps.leadSearch.name }), () => deps.leadSearch),
    web: p.web ? deps.web : undeclaredPort(step, 'web'),
    ...(p.mailer && deps.mail ? { mail: deps.mail } : {}),
    ...(p.llmBatch && deps.llmBatch ? { llmBatch: deps.llmBatch } : {}),
    log: deps.log,
    clock: deps.clock,
    newId: deps.newId,
    config: restrictConfig(step, deps.config, p.config ?? []),
  };
}
