/**
 * Batch mode across the state machine (the loop `core/llm/batch-rounds.ts` runs in one process,
 * here spread over Lambda invocations). A run started with `groqBatch` researches each lead
 * against its attempt cache with an LLM that only defers: a request whose answer is not cached
 * is written to `llm_batch_request` (the body in the lake) and the lead ends the lead Map as
 * waiting (`deferLlmRequest`). DraftOutreach does the same with its drafting call: a researched
 * lead whose draft waits resumes at DraftOutreach in the next round (FetchSite's `resumeDraft`),
 * its research not done again. After the Map:
 *
 *   SubmitLlmBatch  the run's pending requests go out as one Groq batch (none: the run finishes;
 *                   past MAX_BATCH_ROUNDS the still-waiting leads fail with the reason)
 *   PollLlmBatch    the batch's status, read until it is terminal (a Wait state in between)
 *   ImportLlmBatch  each answer written under the cache key the waiting attempt reads, marked
 *                   `paidInBatch` (recorded once, at the batch price, by the attempt that uses
 *                   it); a failed, cancelled or expired batch fails the leads it did not answer;
 *                   the leads still waiting are written to a manifest the lead Map runs again.
 *
 * SubmitLlmBatch writes the round's submission key (sql/0029) before it creates the batch and
 * sends it in the batch's metadata; a retry finds the batch by that key and adopts it instead of
 * submitting again.
 *
 * A request leaves `pending` only into a batch (a CHECK in sql/0028_llm_batch.sql), so each
 * custom id is submitted once per run; a redrive after a failed batch reuses every answer the
 * run's batches did bring (see `carryBatchAnswers`) and submits only what is missing.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LlmBatchFailed, LlmUnavailableError } from '../errors.ts';
import { lakeKeys } from '../lake-keys.ts';
import { customIdOf } from '../llm/batch-rounds.ts';
import { isTerminal, type BatchState, type LlmBatch } from '../llm/batch.ts';
import type { LlmRequest, LlmResponse } from '../ports.ts';
import { recordDraftOutcome } from '../outreach/sequence-writer.ts';
import { attemptCacheKey } from '../research/attempt-cache.ts';
import type { Deps } from './deps.ts';
import { writeLeadManifest } from './lead-manifest.ts';
import { leadBatchSizeFor } from './list-run-leads.ts';
import { recordFailure } from './record-failure.ts';
import { stableJson } from './util.ts';

/** The batch metadata field that names a round's submission (`<run id>:<round>:<hash of its custom ids>`). */
export const SUBMISSION_KEY = 'submission_key';

/** Batches a run sends before the leads still waiting are failed (research takes two, three with a repair). */
export const MAX_BATCH_ROUNDS = 6;

/** Writes a deferred request of a lead's attempt (cache prefix `cachePrefix`) for the run's next batch; a request already written is left as it is. */
export async function deferLlmRequest(deps: Pick<Deps, 'sql' | 'lake'>, runId: string, leadId: string, cachePrefix: string, request: LlmRequest): Promise<string> {
  const cacheKey = attemptCacheKey(cachePrefix, request);
  const customId = customIdOf(leadId, cacheKey);
  const requestKey = lakeKeys.llmBatchRequest(runId, customId);
  const body = stableJson(request);
  await deps.lake.put(requestKey, body, { contentType: 'application/json' });
  await deps.sql.query(
    `INSERT INTO llm_batch_request (run_id, custom_id, lead_id, pass, cache_key, request_key, body_sha256)
     VALUES (:runId::uuid, :customId, :leadId::uuid, :pass, :cacheKey, :requestKey, :sha)
     ON CONFLICT (run_id, custom_id) DO NOTHING`,
    { runId, customId, leadId, pass: request.pass, cacheKey, requestKey, sha: createHash('sha256').update(body).digest('hex') },
  );
  return customId;
}

/**
 * A new attempt of a lead whose last attempt failed only because a batch did not answer it
 * (`LlmBatchFailed`): the answers earlier batches did bring for that attempt are copied into the
 * new attempt's cache, so a redrive submits only what is missing. After any other failure the
 * new attempt asks afresh, as in sync mode.
 */
export async function carryBatchAnswers(deps: Pick<Deps, 'sql' | 'lake'>, runId: string, leadId: string, attempt: number): Promise<number> {
  if (attempt === 0) return 0;
  const last = await deps.sql.query<{ error_name: string }>(`SELECT error_name FROM lead_failure WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid`, { runId, leadId });
  if (last.rows[0]?.error_name !== 'LlmBatchFailed') return 0;
  const from = lakeKeys.llmCache(runId, leadId, attempt - 1);
  const to = lakeKeys.llmCache(runId, leadId, attempt);
  let copied = 0;
  for (const key of await deps.lake.list(from)) {
    const target = to + key.slice(from.length);
    if (await deps.lake.exists(target)) continue;
    const body = await deps.lake.get(key);
    if (!body) continue;
    const answer = JSON.parse(body.toString('utf8')) as LlmResponse;
    // only answers a batch bought and no attempt recorded yet
    if (!answer.paidInBatch) continue;
    await deps.lake.put(target, body, { contentType: 'application/json' });
    copied++;
  }
  return copied;
}

/** What the batch states carry between them (`$.batch`). */
export interface LlmBatchState {
  /** false: nothing was pending (or the rounds ran out), the run finishes */
  submitted: boolean;
  round: number;
  batchId?: string;
  status?: string;
  terminal?: boolean;
  requests?: number;
  /** leads failed because the rounds ran out */
  failedLeads?: number;
}

export const SubmitLlmBatchInput = z.object({
  runId: z.uuid(),
  /** the manifest the lead Map just ran: ImportLlmBatch's names its round, ListRunLeads' none (round 0) */
  leads: z.object({ round: z.number().int().min(0).optional() }).passthrough().optional(),
});
export type SubmitLlmBatchInput = z.input<typeof SubmitLlmBatchInput>;

const batchOf = (deps: Deps): LlmBatch => {
  if (!deps.llmBatch) throw new LlmUnavailableError('batch mode needs Groq (GROQ_API_KEY): no batch API is configured');
  return deps.llmBatch;
};

async function failLeads(deps: Deps, runId: string, failures: Map<string, string>): Promise<void> {
  for (const [leadId, message] of failures) {
    const still = await deps.sql.query<{ status: string }>(`SELECT status FROM run_lead WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid`, { runId, leadId });
    const status = still.rows[0]?.status;
    if (status === 'researched') {
      // its drafting waited: the research stands, the draft is recorded failed with the reason (as a failed DraftOutreach is)
      const drafted = await deps.sql.query(`SELECT 1 FROM lead_draft WHERE run_id = :runId::uuid AND lead_id = :leadId::uuid`, { runId, leadId });
      if (drafted.rows.length === 0) await recordDraftOutcome(deps.sql, { runId, leadId, outcome: 'failed', errorName: 'LlmBatchFailed', reason: `drafting failed: LlmBatchFailed: ${message}` });
      continue;
    }
    if (status !== 'cleaned') continue; // finished or failed already
    await recordFailure(deps, { runId, leadId, stage: 'research', error: { Error: 'LlmBatchFailed', Cause: message } });
  }
}

/** Sends the run's pending requests as one batch; past the last round, fails the leads still waiting. */
export async function submitLlmBatch(deps: Deps, rawInput: SubmitLlmBatchInput): Promise<LlmBatchState> {
  const { runId, leads } = SubmitLlmBatchInput.parse(rawInput);
  const round = (leads?.round ?? 0) + 1;
  const pending = await deps.sql.query<{ custom_id: string; lead_id: string; request_key: string }>(
    `SELECT custom_id, lead_id, request_key FROM llm_batch_request WHERE run_id = :runId::uuid AND status = 'pending' ORDER BY custom_id`,
    { runId },
  );
  if (pending.rows.length === 0) {
    // a repeated step after the rows were marked: the round's batch stands, poll it
    const inFlight = await deps.sql.query<{ batch_id: string }>(
      `SELECT batch_id FROM llm_batch_request WHERE run_id = :runId::uuid AND round = :round AND status = 'submitted' LIMIT 1`,
      { runId, round },
    );
    const batchId = inFlight.rows[0]?.batch_id;
    if (!batchId) return { submitted: false, round };
    const requests = await deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM llm_batch_request WHERE run_id = :runId::uuid AND batch_id = :batchId`, { runId, batchId });
    const state = await batchOf(deps).status(batchId);
    return { submitted: true, round, batchId, status: state.status, terminal: isTerminal(state.status), requests: requests.rows[0]?.n ?? 0 };
  }
  if (round > MAX_BATCH_ROUNDS) {
    const message = `still waiting for answers after ${MAX_BATCH_ROUNDS} Groq batch rounds; redrive the run to submit them again`;
    await deps.sql.query(`UPDATE llm_batch_request SET status = 'failed', batch_id = 'none', error = :message, updated_at = now() WHERE run_id = :runId::uuid AND status = 'pending'`, { runId, message });
    const leads = new Map(pending.rows.map((r) => [r.lead_id, message]));
    await failLeads(deps, runId, leads);
    return { submitted: false, round, failedLeads: leads.size };
  }
  const lines = [];
  for (const r of pending.rows) {
    const body = await deps.lake.get(r.request_key);
    if (!body) throw new LlmBatchFailed('none', 'missing', `the deferred request ${r.custom_id} is not in the lake at ${r.request_key}`);
    lines.push({ customId: r.custom_id, request: JSON.parse(body.toString('utf8')) as LlmRequest });
  }
  // Crash-safe: the round's submission key is written before the batch is created and sent in
  // its metadata. A retry that finds the key already written (the first attempt may have died
  // after Groq accepted the batch, before the rows below were marked) looks for that batch first
  // and adopts it. Nothing defers between two attempts of this step (the lead Map is over), so
  // the pending rows are the ones the adopted batch holds. The key is the run, the round and a
  // hash of the pending custom ids: a retry computes the same key, a redrive's round (which
  // starts again at 1, with new custom ids: a custom id is pending at most once a run) another.
  const llmBatch = batchOf(deps);
  const idsHash = createHash('sha256').update(lines.map((l) => l.customId).join('\n')).digest('hex').slice(0, 16);
  const submissionKey = `${runId}:${round}:${idsHash}`;
  const written = await deps.sql.query(
    `INSERT INTO llm_batch_submission (run_id, round, submission_key) VALUES (:runId::uuid, :round, :submissionKey)
     ON CONFLICT (submission_key) DO NOTHING RETURNING submission_key`,
    { runId, round, submissionKey },
  );
  const adopted = written.rows.length === 0 ? await llmBatch.findByMetadata(SUBMISSION_KEY, submissionKey) : undefined;
  const state = adopted ?? (await llmBatch.submit(lines, { runId, round: String(round), [SUBMISSION_KEY]: submissionKey }));
  await deps.sql.query(`UPDATE llm_batch_submission SET batch_id = :batchId, updated_at = now() WHERE submission_key = :submissionKey`, { submissionKey, batchId: state.id });
  if (adopted) deps.log.info('llm batch adopted: an earlier attempt of this submit had created it', { runId, round, batchId: adopted.id });
  await deps.sql.query(
    `UPDATE llm_batch_request SET status = 'submitted', batch_id = :batchId, round = :round, updated_at = now()
     WHERE run_id = :runId::uuid AND status = 'pending' AND custom_id = ANY(string_to_array(:ids, ','))`,
    { runId, batchId: state.id, round, ids: lines.map((l) => l.customId).join(',') },
  );
  deps.log.info('llm batch submitted', { runId, round, batchId: state.id, requests: lines.length });
  return { submitted: true, round, batchId: state.id, status: state.status, terminal: isTerminal(state.status), requests: lines.length };
}

export const PollLlmBatchInput = z.object({ runId: z.uuid(), batch: z.object({ batchId: z.string().min(1), round: z.number().int().min(1) }).passthrough() });
export type PollLlmBatchInput = z.input<typeof PollLlmBatchInput>;

/** The batch's status now. */
export async function pollLlmBatch(deps: Deps, rawInput: PollLlmBatchInput): Promise<LlmBatchState> {
  const { runId, batch } = PollLlmBatchInput.parse(rawInput);
  const state = await batchOf(deps).status(batch.batchId);
  deps.log.info('llm batch polled', { runId, batchId: state.id, status: state.status, ...state.requestCounts });
  return { ...(batch as unknown as LlmBatchState), submitted: true, status: state.status, terminal: isTerminal(state.status) };
}

export const ImportLlmBatchInput = z.object({
  runId: z.uuid(),
  batch: z.object({ batchId: z.string().min(1), round: z.number().int().min(1) }).passthrough(),
  leadConcurrency: z.number().int().min(1).default(1),
  leadBatchSize: z.number().int().min(1).default(1),
});
export type ImportLlmBatchInput = z.input<typeof ImportLlmBatchInput>;

export interface ImportLlmBatchOutput {
  /** the manifest of the leads that run again (ListRunLeads' shape), and the round it follows */
  manifestKey: string;
  count: number;
  batchSize: number;
  round: number;
  answered: number;
  failed: number;
}

/** Writes the batch's answers into the waiting attempts' caches, fails what it did not answer, lists the leads to run again. */
export async function importLlmBatch(deps: Deps, rawInput: ImportLlmBatchInput): Promise<ImportLlmBatchOutput> {
  const { runId, batch: b, leadConcurrency, leadBatchSize } = ImportLlmBatchInput.parse(rawInput);
  const llmBatch = batchOf(deps);
  const state: BatchState = await llmBatch.status(b.batchId);
  const rows = await deps.sql.query<{ custom_id: string; lead_id: string; cache_key: string; request_key: string; pass: string; status: string }>(
    `SELECT custom_id, lead_id, cache_key, request_key, pass, status FROM llm_batch_request WHERE run_id = :runId::uuid AND batch_id = :batchId ORDER BY custom_id`,
    { runId, batchId: b.batchId },
  );
  const failures = new Map<string, string>();
  const settle = async (customId: string, status: 'answered' | 'failed', error?: string) =>
    deps.sql.query(`UPDATE llm_batch_request SET status = :status, error = :error, updated_at = now() WHERE run_id = :runId::uuid AND custom_id = :customId`, { runId, customId, status, error: error ?? null });
  let answered = 0;

  if (state.status === 'failed' || state.status === 'cancelled') {
    const why = state.errors.length ? `: ${state.errors.slice(0, 3).join('; ')}` : '';
    const message = `Groq batch ${state.id} ${state.status}${why}; redrive the run to submit its requests again`;
    for (const r of rows.rows) {
      if (r.status === 'submitted') await settle(r.custom_id, 'failed', message.slice(0, 1000));
      failures.set(r.lead_id, message);
    }
  } else {
    const requests = new Map<string, LlmRequest>();
    for (const r of rows.rows) {
      const body = await deps.lake.get(r.request_key);
      if (body) requests.set(r.custom_id, JSON.parse(body.toString('utf8')) as LlmRequest);
    }
    const results = await llmBatch.results(state, requests);
    const byId = new Map(results.map((r) => [r.customId, r]));
    for (const r of rows.rows) {
      const result = byId.get(r.custom_id);
      if (result?.ok) {
        const imported: LlmResponse = { ...result.response, paidInBatch: true };
        await deps.lake.put(r.cache_key, JSON.stringify(imported), { contentType: 'application/json' });
        if (r.status !== 'answered') await settle(r.custom_id, 'answered');
        answered++;
        continue;
      }
      const message = result
        ? `Groq batch ${state.id}: ${result.error.message}${result.error.name === 'LlmBatchExpired' ? '; redrive the run to submit it again' : ''}`
        : `Groq batch ${state.id} (${state.status}) returned no answer to its ${r.pass} request; redrive the run to submit it again`;
      if (r.status === 'submitted') await settle(r.custom_id, 'failed', message.slice(0, 1000));
      failures.set(r.lead_id, message);
    }
  }
  await failLeads(deps, runId, failures);

  // The leads that run again: those this batch answered and that are still waiting (for their
  // research, `cleaned`, or for their drafting, `researched`).
  const again = await deps.sql.query<{ lead_id: string }>(
    `SELECT DISTINCT q.lead_id FROM llm_batch_request q JOIN run_lead rl ON rl.run_id = q.run_id AND rl.lead_id = q.lead_id
     WHERE q.run_id = :runId::uuid AND q.batch_id = :batchId AND q.status = 'answered' AND rl.status IN ('cleaned', 'researched')
     ORDER BY q.lead_id`,
    { runId, batchId: b.batchId },
  );
  const ids = again.rows.map((r) => r.lead_id);
  const manifestKey = await writeLeadManifest(deps.lake, runId, ids);
  deps.log.info('llm batch imported', { runId, batchId: state.id, status: state.status, answered, failedLeads: failures.size, leadsAgain: ids.length });
  return { manifestKey, count: ids.length, batchSize: leadBatchSizeFor(ids.length, leadConcurrency, leadBatchSize), round: b.round, answered, failed: failures.size };
}

