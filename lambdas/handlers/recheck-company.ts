/** Lambda handler for the recheck-company step (a thin adapter over the core). */
import { recheckCompany, type RecheckInput } from '#core/watch/recheck.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<RecheckInput>('recheckCompany', recheckCompany);
export const handler = lambdaHandler(makeHandler, 'RecheckCompany');
