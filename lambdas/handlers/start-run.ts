/** Lambda handler for the start-run step (a thin adapter over the core). */
import { startRun, type StartRunInput } from '#core/pipeline/start-run.ts';
import { lambdaHandler, step } from './runtime.ts';

// The state machine passes the execution input as `{ input }`.
export const makeHandler = step<{ input?: StartRunInput }>('startRun', (deps, event) => startRun(deps, event?.input ?? {}));
export const handler = lambdaHandler(makeHandler, 'StartRun');
