/** Lambda handler for the submit-llm-batch step of batch mode (a thin adapter over the core). */
import { submitLlmBatch, type SubmitLlmBatchInput } from '#core/pipeline/llm-batch.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<SubmitLlmBatchInput>('submitLlmBatch', submitLlmBatch);
export const handler = lambdaHandler(makeHandler, 'SubmitLlmBatch');
