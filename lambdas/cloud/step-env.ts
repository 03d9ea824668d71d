/**
 * Which Lambda environment variables each step's ports and settings need (STEPS in
 * lambdas/core/pipeline/step-ports.ts). The stack sets exactly these on a step's function and
 * the composition root requires exactly these, so a function never holds, say, the Groq
 * secret's ARN unless its step uses the LLM. Kept apart from composition.ts so the CDK app
 * reads it without loading the SDK clients.
 */
import { STEPS, type ConfigGroup, type PortAccess, type StepId, type StepPorts } from '#core/pipeline/step-ports.ts';
import type { CloudEnv } from './composition.ts';

export type CloudEnvKey = keyof CloudEnv;

const SQL: CloudEnvKey[] = ['DB_CLUSTER_ARN', 'DB_SECRET_ARN', 'DB_NAME'];
const LAKE: CloudEnvKey[] = ['LAKE_BUCKET'];
// A port's identity needs no secret: the LLM is Groq whatever its key, the provider is named by its URL.
const LLM: Record<PortAccess, CloudEnvKey[]> = { use: ['GROQ_SECRET_ARN', 'ON_DAILY_LIMIT'], name: [] };
const LEAD_SEARCH: Record<PortAccess, CloudEnvKey[]> = { use: ['LEAD_SEARCH_URL', 'LEAD_SEARCH_SECRET_ARN'], name: ['LEAD_SEARCH_URL'] };
const CONFIG: Record<ConfigGroup, CloudEnvKey[]> = {
  run: ['PROSPECTOR_WORKSPACE', 'LEAD_CONCURRENCY', 'LEAD_BATCH_SIZE'],
  // Fetch limits are the pipeline's defaults in the cloud.
  fetch: [],
  models: ['FACTS_MODEL', 'SYNTHESIS_MODEL', 'DRAFT_MODEL', 'MODEL_PRICES', 'RUN_COST_BUDGET_USD', 'LEAD_COST_BUDGET_USD'],
  research: ['PROMPT_TOKEN_BUDGET', 'RUN_TOKEN_BUDGET'],
};

/** The variables of a set of ports, in a stable order. */
export function portEnvKeys(ports: StepPorts): CloudEnvKey[] {
  const keys = [
    ...(ports.sql ? SQL : []),
    ...(ports.lake ? LAKE : []),
    ...(ports.llm ? LLM[ports.llm] : []),
    ...(ports.leadSearch ? LEAD_SEARCH[ports.leadSearch] : []),
    ...(ports.config ?? []).flatMap((g) => CONFIG[g]),
  ];
  return [...new Set(keys)];
}

/** The variables a step's function gets and its composition root requires. */
export function stepEnvKeys(step: StepId): CloudEnvKey[] {
  return portEnvKeys(STEPS[step].ports);
}
