/** Lambda handler for the import-llm-batch step of batch mode (a thin adapter over the core). */
import { importLlmBatch, type ImportLlmBatchInput } from '#core/pipeline/llm-batch.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<ImportLlmBatchInput>('importLlmBatch', importLlmBatch);
export const handler = lambdaHandler(makeHandler, 'ImportLlmBatch');
