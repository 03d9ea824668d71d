/** The data lake's key layout (DESIGN.md), the same under S3 and the local folder. */

const day = (at: Date): string => at.toISOString().slice(0, 10);

export const lakeKeys = {
  rawHtml: (domain: string, sha256: string) => `raw/html/domain=${domain}/${sha256}.html.gz`,
  /** Before December 2026: one metadata object a page. Still read (`page-sidecars.ts`), no longer written. */
  rawMeta: (domain: string, sha256: string) => `raw/meta/domain=${domain}/${sha256}.json`,
  /** The metadata of every page one fetch of a company's site stored, one JSON line a page, keyed by `sha256`. */
  siteMeta: (domain: string, runId: string) => `raw/meta/domain=${domain}/run=${runId}.jsonl`,
  cleanText: (domain: string, sha256: string) => `clean/text/domain=${domain}/${sha256}.md`,
  /** Before December 2026: one signals object a page. Still read (`page-sidecars.ts`), no longer written. */
  signals: (domain: string, sha256: string) => `clean/signals/domain=${domain}/${sha256}.json`,
  /** Title, metadata, JSON-LD and signals of every page of a company in one run, by clean-text hash. */
  siteSignals: (domain: string, runId: string) => `clean/signals/domain=${domain}/run=${runId}.json`,
  llmCall: (at: Date, callId: string) => `llm/dt=${day(at)}/${callId}.json`,
  researchPart: (at: Date, runId: string, leadId: string) =>
    `research/dt=${day(at)}/run=${runId}/part-${leadId}.jsonl`,
  /** The research table's lines for the results one ICP's search turned away (never stored as leads). */
  researchSearchPart: (at: Date, runId: string, search: string) =>
    `research/dt=${day(at)}/run=${runId}/part-search-${search}.jsonl`,
  /** The signals table's lines for one company in a run (change detection), one per signal and ICP. */
  intentSignals: (at: Date, runId: string, companyId: string) =>
    `intent/signals/dt=${day(at)}/run=${runId}/part-${companyId}.jsonl`,
  researchResult: (runId: string, leadId: string) => `runs/${runId}/research/${leadId}.json`,
  /** Prefix of the answers one research attempt of a lead bought (research/attempt-cache.ts). */
  llmCache: (runId: string, leadId: string, attempt: number) => `runs/${runId}/llm-cache/${leadId}/${attempt}/`,
  /** A request deferred to the run's next Groq batch (batch mode), by its custom id. */
  llmBatchRequest: (runId: string, customId: string) => `runs/${runId}/llm-batch/${customId.replace(/[^A-Za-z0-9_-]/g, '_')}.json`,
  runSummary: (runId: string) => `runs/${runId}/summary.json`,
  leadsInput: (sha256: string) => `inputs/leads/${sha256}.json`,
  /**
   * The leads one execution of the lead Map processes, one `{"leadId"}` per line (JSONL), named
   * by its content: the Distributed Map reads it with ItemReader, the local runner in windows.
   */
  leadManifest: (runId: string, sha256: string) => `manifests/run=${runId}/leads-${sha256}.jsonl`,
  /** Where the Distributed Map's ResultWriter puts each map run's results (`<prefix>/<map run id>/…`). */
  leadMapResultsPrefix: 'results/lead-map',
  /** A sent message as it left (or, locally, as the mail sink received it), named by its Message-ID. */
  outbox: (at: Date, rfcMessageId: string) => `outbox/dt=${day(at)}/${messageIdFileName(rfcMessageId)}.eml`,
  /** An inbound mail (a reply, a bounce) as received, named by its content hash: a re-import writes the same key. */
  inbound: (at: Date, sha256: string) => `inbound/dt=${day(at)}/${sha256}.eml`,
  /** A knowledge document as onboarded, named by its content hash: re-onboarding writes the same key. */
  knowledge: (workspaceId: string, sha256: string) => `knowledge/${workspaceId}/${sha256}.md`,
  /**
   * An inbound mail as the replies machine's Parse step read it (the typed `InboundMail`), per
   * workspace: the later steps read this instead of parsing the raw mail again. Outside
   * `inbound/`, so writing it never starts the machine again in the cloud.
   */
  replyMail: (workspaceId: string, sha256: string) => `replies/ws=${workspaceId}/${sha256}/mail.json`,
  /** The label and details the replies machine's Classify step gave that mail. */
  replyClassification: (workspaceId: string, sha256: string) => `replies/ws=${workspaceId}/${sha256}/classification.json`,
};

/**
 * A Message-ID as a file name: without its angle brackets, and every character outside a
 * conservative set replaced, so a hostile or odd id can never name a path outside the area.
 */
export function messageIdFileName(rfcMessageId: string): string {
  const bare = rfcMessageId.trim().replace(/^<|>$/g, '');
  const safe = bare.replace(/[^A-Za-z0-9._@+=-]/g, '_').replace(/^\.+/, '_').slice(0, 200);
  return safe || 'no-message-id';
}

/**
 * The lake's areas as key patterns (`*` is any run of characters, as in an S3 resource ARN):
 * what a step may read or write is named by area (pipeline/step-ports.ts), and the cloud
 * stack grants S3 access on exactly these patterns. Every key above falls in one area.
 */
export const lakeAreas = {
  rawHtml: 'raw/html/*',
  rawMeta: 'raw/meta/*',
  cleanText: 'clean/text/*',
  signals: 'clean/signals/*',
  llmCalls: 'llm/*',
  researchTable: 'research/*',
  intentSignals: 'intent/*',
  researchResults: 'runs/*/research/*',
  llmCache: 'runs/*/llm-cache/*',
  llmBatchRequests: 'runs/*/llm-batch/*',
  runSummaries: 'runs/*/summary.json',
  leadsInputs: 'inputs/leads/*',
  leadManifests: 'manifests/*',
  leadMapResults: 'results/lead-map/*',
  outbox: 'outbox/*',
  inbound: 'inbound/*',
  knowledge: 'knowledge/*',
  replyMail: 'replies/*/mail.json',
  replyClassifications: 'replies/*/classification.json',
} as const;
export type LakeArea = keyof typeof lakeAreas;

/** Whether `key` falls in the area's pattern. */
export function inLakeArea(key: string, area: LakeArea): boolean {
  const pattern = lakeAreas[area];
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(key);
}
