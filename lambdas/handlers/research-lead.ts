/** Lambda handler for the research-lead step (a thin adapter over the core). */
import { researchLead, type ResearchLeadInput } from '#core/pipeline/research-lead.ts';
import { lambdaHandler, step } from './runtime.ts';

export const makeHandler = step<ResearchLeadInput>('researchLead', researchLead);
export const handler = lambdaHandler(makeHandler, 'ResearchLead');
