/** Lambda handler for the start-watch step (a thin adapter over the core). */
import { startWatch, type StartWatchInput } from '#core/watch/start-watch.ts';
import { lambdaHandler, step } from './runtime.ts';

// The state machine passes the execution input as `{ input }`.
export const makeHandler = step<{ input?: StartWatchInput }>('startWatch', (deps, event) => startWatch(deps, event?.input ?? {}));
export const handler = lambdaHandler(makeHandler, 'StartWatch');
