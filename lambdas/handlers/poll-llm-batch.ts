/** Lambda handler for the poll-llm-batch step of batch mode (a thin adapter over the core). */
import { pollLlmBatch, type PollLlmBatchInput } from '#core/pipeline/llm-batch.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<PollLlmBatchInput>('pollLlmBatch', pollLlmBatch);
export const handler = lambdaHandler(makeHandler, 'PollLlmBatch');
