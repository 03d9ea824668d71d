/** The data lake's key layout (DESIGN.md), the same under S3 and the local folder. */

const day = (at: Date): string => at.toISOString().slice(0, 10);

export const lakeKeys = {
  rawHtml: (domain: string, sha256: string) => `raw/html/domain=${domain}/${sha256}.html.gz`,
  rawMeta: (domain: string, sha256: string) => `raw/meta/domain=${domain}/${sha256}.json`,
  cleanText: (domain: string, sha256: string) => `clean/text/domain=${domain}/${sha256}.md`,
  signals: (domain: string, sha256: string) => `clean/signals/domain=${domain}/${sha256}.json`,
  llmCall: (at: Date, callId: string) => `llm/dt=${day(at)}/${callId}.json`,
  researchPart: (at: Date, runId: string, leadId: string) =>
    `research/dt=${day(at)}/run=${runId}/part-${leadId}.jsonl`,
  researchResult: (runId: string, leadId: string) => `runs/${runId}/research/${leadId}.json`,
  runSummary: (runId: string) => `runs/${runId}/summary.json`,
  leadsInput: (sha256: string) => `inputs/leads/${sha256}.json`,
};
