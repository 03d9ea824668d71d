/** Lambda handler for the finish-run step (a thin adapter over the core). */
import { finishRun, type FinishRunInput } from '#core/pipeline/finish-run.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<FinishRunInput>('finishRun', finishRun);
export const handler = lambdaHandler(makeHandler, 'FinishRun');
