/** RecordFailure: a lead (or an ICP's search) failed; keep the stage, error name and reason. */
import { z } from 'zod';
import type { Deps } from './deps.ts';
import { writeLakeRecord } from './lake-record.ts';
import { failRunLead } from './run-lead-repo.ts';
import { clip } from './util.ts';

export const RecordFailureInput = z.object({
  runId: z.uuid(),
  leadId: z.uuid().optional(),
  icpId: z.uuid().nullable().optional(),
  stage: z.enum(['search', 'fetch', 'clean', 'research', 'commit']),
  error: z.object({ Error: z.string().default('Error'), Cause: z.unknown().optional() }),
});
export type RecordFailureInput = z.input<typeof RecordFailureInput>;

/**
 * The error name and message out of a Step Functions error object. After a Lambda failure
 * `Cause` is Lambda's error envelope as a JSON string `{errorType, errorMessage, trace}` (the
 * local runner reports it the same way); from other sources (a timeout, `closeInterruptedRuns`)
 * it is the reason itself. The name is `Error`; the message is `errorMessage`, never the trace.
 */
export function parseStatesError(error: { Error: string; Cause?: unknown }): { name: string; message: string } {
  let name = error.Error || 'Error';
  let message = typeof error.Cause === 'string' ? error.Cause : error.Cause === undefined ? '' : JSON.stringify(error.Cause);
  try {
    const parsed = JSON.parse(message) as { errorType?: string; errorMessage?: string };
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') {
      message = parsed.errorMessage;
      if (parsed.errorType && (name === 'Error' || name === 'States.TaskFailed')) name = parsed.errorType;
    }
  } catch {
    // not JSON: the message is the cause itself
  }
  // the local interpreter gives a timeout the name as its cause; it says nothing more
  if (message === name) message = '';
  if (name === 'RateLimited') message = `gave up after repeated rate limiting${describeRateLimit(message)}`;
  if (name === 'States.Timeout') message = message || 'the step timed out';
  return { name, message: clip(message || name, 1000) };
}

/** `RateLimitedError`'s JSON message `{retryAfterSeconds, detail}` as words (as is, if it is not that). */
function describeRateLimit(message: string): string {
  try {
    const parsed = JSON.parse(message) as { retryAfterSeconds?: unknown; detail?: unknown };
    if (parsed && typeof parsed === 'object' && typeof parsed.retryAfterSeconds === 'number') {
      const detail = typeof parsed.detail === 'string' && parsed.detail ? `: ${parsed.detail}` : '';
      return ` (last asked to wait ${parsed.retryAfterSeconds} s)${detail}`;
    }
  } catch {
    // not RateLimitedError's JSON: keep it as it came
  }
  return message ? `: ${message}` : '';
}

export interface RecordFailureOutput {
  recorded: boolean;
  reason: string;
}

/** Upserts the failure (attempts count up on a redrive) and marks the lead failed in the run. */
export async function recordFailure(deps: Deps, rawInput: RecordFailureInput): Promise<RecordFailureOutput> {
  const input = RecordFailureInput.parse(rawInput);
  const { name, message } = parseStatesError(input.error);
  const reason = clip(`${name}: ${message}`, 1000);
  const { sql } = deps;

  if (!input.leadId) {
    // A failed search: nothing to attach it to but the run's search record.
    await sql.query(
      `INSERT INTO search_query (id, run_id, icp_id, provider, keywords, results, accepted, rejected)
       VALUES (:id::uuid, :runId::uuid, :icpId::uuid, 'failed', '{}', 0, 0, :rejected::jsonb)
       ON CONFLICT (run_id, icp_id) DO NOTHING`,
      { id: deps.newId(), runId: input.runId, icpId: input.icpId ?? null, rejected: [{ lead: '(search)', kind: 'error', error: name, reason: message }] },
    );
    deps.log.warn('search failed', { runId: input.runId, icpId: input.icpId, error: name });
    return { recorded: true, reason };
  }

  const leadId = input.leadId;
  await sql.transaction((tx) => failRunLead(tx, input.runId, leadId, { stage: input.stage, name, message, reason }, deps.newId));
  await writeLakeRecord(deps, input.runId, input.leadId, { status: 'failed', failure_stage: input.stage, failure_reason: reason });
  deps.log.warn('lead failed', { runId: input.runId, leadId: input.leadId, stage: input.stage, error: name });
  return { recorded: true, reason };
}
