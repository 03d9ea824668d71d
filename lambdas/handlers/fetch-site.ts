/** Lambda handler for the fetch-site step (a thin adapter over the core). */
import { fetchSite, type FetchSiteInput } from '#core/pipeline/fetch-site.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<FetchSiteInput>('fetchSite', fetchSite);
export const handler = lambdaHandler(makeHandler, 'FetchSite');
