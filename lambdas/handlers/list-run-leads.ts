/** Lambda handler for the list-run-leads step (a thin adapter over the core). */
import { listRunLeads, type ListRunLeadsInput } from '#core/pipeline/list-run-leads.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<ListRunLeadsInput>('listRunLeads', listRunLeads);
export const handler = lambdaHandler(makeHandler, 'ListRunLeads');
