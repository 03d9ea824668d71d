/** Lambda handler for the search-leads step (a thin adapter over the core). */
import { searchLeads, type SearchLeadsInput } from '#core/pipeline/search-leads.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<SearchLeadsInput>('searchLeads', searchLeads);
export const handler = lambdaHandler(makeHandler, 'SearchLeads');
