/**
 * Which Lambda environment variables each step's ports and settings need (STEPS in
 * lambdas/core/pipeline/step-ports.ts). The stack sets exactly these on a step's function and
 * the composition root requires exactly these, so a function never holds, say, the Groq
 * secret's ARN unless its step uses the LLM. Kept apart from composition.ts so the CDK app
 * reads it without loading the SDK clients.
 */
import { STEPS, type ConfigGroup, type PortAccess, type StepId, type StepPorts } from '#core/pipeline/step-ports.ts';
import type { LakeArea } from '#core/lake-keys.ts';
import type { CloudEnv } from './composition.ts';

/** What StartRun records as the run's LLM when it knows only the configuration (no key). */
export const CONFIGURED_LLM_PROVIDER = 'groq';

export type CloudEnvKey = keyof CloudEnv;

const SQL: CloudEnvKey[] = ['DB_CLUSTER_ARN', 'DB_SECRET_ARN', 'DB_NAME'];
const LAKE: CloudEnvKey[] = ['LAKE_BUCKET'];
// A port's identity needs no secret: the LLM is Groq whatever its key, the provider is named by its URL.
const LLM: Record<PortAccess, CloudEnvKey[]> = { use: ['GROQ_SECRET_ARN', 'ON_DAILY_LIMIT'], name: [] };
const LEAD_SEARCH: Record<PortAccess, CloudEnvKey[]> = { use: ['LEAD_SEARCH_URL', 'LEAD_SEARCH_SECRET_ARN'], name: ['LEAD_SEARCH_URL'] };
// Sending: SES's configuration set, and the one-click route's base URL and signing key.
const MAILER: CloudEnvKey[] = ['SES_CONFIGURATION_SET', 'SES_MESSAGE_ID_DOMAIN', 'UNSUBSCRIBE_SECRET_ARN', 'UNSUBSCRIBE_BASE_URL'];
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
    ...(ports.mailer ? MAILER : []),
    ...(ports.llmBatch ? ['GROQ_SECRET_ARN' as const] : []),
    ...(ports.config ?? []).flatMap((g) => CONFIG[g]),
  ];
  return [...new Set(keys)];
}

/** The variables a step's function gets and its composition root requires. */
export function stepEnvKeys(step: StepId): CloudEnvKey[] {
  return portEnvKeys(STEPS[step].ports);
}

/** The web app's sign-in through Cognito (lambdas/web/cognito.ts) and its own public URL. */
const WEB_SIGN_IN = ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'COGNITO_DOMAIN_URL', 'WEB_BASE_URL'] as const satisfies readonly CloudEnvKey[];
/** Variables only the web app's function has (no step's ports name them). */
export type WebSignInKey = (typeof WEB_SIGN_IN)[number];

/**
 * Functions outside the state machines, each serving one route or event source: what they may
 * touch, like a step's ports. `SesEvents` records SES bounce and complaint events;
 * `Unsubscribe` serves the one-click route (and so verifies tokens with the signing key); `Web`
 * serves the reps' web app (lambdas/web/app.ts), which reads the stored page text a fact cites.
 */
export const EDGE_FUNCTIONS = {
  SesEvents: { handler: 'ses-events', env: [...SQL] },
  Unsubscribe: { handler: 'unsubscribe', env: [...SQL, 'UNSUBSCRIBE_SECRET_ARN'] },
  Web: { handler: 'web', env: [...SQL, ...LAKE, ...WEB_SIGN_IN, 'PROSPECTING_STATE_MACHINE_ARN'], lakeReads: ['cleanText', 'replyMail'] },
} as const satisfies Record<string, { handler: string; env: readonly CloudEnvKey[]; lakeReads?: readonly LakeArea[] }>;
export type EdgeFunctionId = keyof typeof EDGE_FUNCTIONS;

/** The variables an edge function gets and its composition root requires. */
export function edgeEnvKeys(fn: EdgeFunctionId): CloudEnvKey[] {
  return [...EDGE_FUNCTIONS[fn].env];
}

/** The lake areas an edge function reads (none unless declared). */
export function edgeLakeReads(fn: EdgeFunctionId): readonly LakeArea[] {
  const declared = EDGE_FUNCTIONS[fn];
  return 'lakeReads' in declared ? declared.lakeReads : [];
}
