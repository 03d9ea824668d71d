/**
 * Least privilege per step, as synthesized: each pipeline function's environment, secrets and
 * IAM grants are those of its step's ports (lambdas/core/pipeline/step-ports.ts) and nothing
 * more. Synthesized without bundling (fast), with a lead provider configured so both secrets
 * exist, and with cdk-nag on (synthesis throws on an unacknowledged finding). The validation report
 * is not read here, so aws-cdk-lib's built-in CloudFormation validation (warnings only) is off.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, resourcesOf, statementsOfRole, synthApp, type PolicyStatement, type TemplateResource } from '../helpers/cdk.ts';
import type { StatelessStack } from '../../cdk/stateless-stack.ts';
import { STEPS, STEP_IDS, type StepId } from '#core/pipeline/step-ports.ts';

let stateless: StatelessStack;
let resources: Record<string, TemplateResource>;

beforeAll(() => {
  ({ stateless, statelessResources: resources } = synthApp({ leadSearchUrl: 'https://leads.example/v1/search_leads' }, { cloudFormationValidation: false }));
}, 60_000);

const idOf = (construct: { node: { defaultChild?: unknown } }) => stateless.getLogicalId(construct.node.defaultChild as CfnElement);
const functionOf = (step: StepId) => resources[idOf(stateless.functions[step])];
const envOf = (step: StepId): Record<string, unknown> => functionOf(step).Properties.Environment.Variables;

const statementsOf = (step: StepId) => statementsOfRole(resources, functionOf(step).Properties.Role['Fn::GetAtt'][0]);
const mentions = (statements: PolicyStatement[], value: unknown) => statements.filter((s) => resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(value)));

/** The lake keys a step may read and write, as patterns after the bucket ARN; `(bucket)` for the bucket itself. */
function lakeGrants(step: StepId): { list: boolean; get: string[]; put: string[] } {
  const lakeArn = { 'Fn::ImportValue': 'ProspectorStateful-LakeBucketArn' };
  const pattern = (r: unknown): string | undefined => {
    if (JSON.stringify(r) === JSON.stringify(lakeArn)) return '(bucket)';
    const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join && JSON.stringify(join[1][0]) === JSON.stringify(lakeArn)) return String(join[1].slice(1).join('')).replace(/^\//, '');
    return undefined;
  };
  const out = { list: false, get: [] as string[], put: [] as string[] };
  for (const s of statementsOf(step)) {
    const onLake = resourcesOf(s).map(pattern).filter((p): p is string => p !== undefined);
    if (onLake.length === 0) continue;
    for (const a of actionsOf(s)) {
      if (a === 's3:ListBucket' && onLake.includes('(bucket)')) out.list = true;
      else if (a === 's3:GetObject') out.get.push(...onLake);
      else if (a === 's3:PutObject') out.put.push(...onLake);
      else throw new Error(`${step} holds ${a} on the lake (${onLake.join(', ')}), which no port grants`);
    }
  }
  return { list: out.list, get: out.get.sort(), put: out.put.sort() };
}

describe('secrets', () => {
  it('FetchSite and CleanPages have no Groq or lead-search secret, in their environment or their grants', () => {
    const groq = envOf('ResearchLead').GROQ_SECRET_ARN;
    const provider = envOf('SearchLeads').LEAD_SEARCH_SECRET_ARN;
    expect(groq).toBeDefined();
    expect(provider).toBeDefined();
    for (const step of ['FetchSite', 'CleanPages'] as const) {
      expect(Object.keys(envOf(step)).filter((k) => /GROQ|LEAD_SEARCH|MODEL|BUDGET/.test(k)), step).toEqual([]);
      expect(mentions(statementsOf(step), groq), step).toEqual([]);
      expect(mentions(statementsOf(step), provider), step).toEqual([]);
    }
  });

  it('only ResearchLead, DraftOutreach, ClassifyReply, DraftResponse and the batch-mode steps read the Groq secret, and only SearchLeads the lead provider\'s', () => {
    const groq = envOf('ResearchLead').GROQ_SECRET_ARN;
    const provider = envOf('SearchLeads').LEAD_SEARCH_SECRET_ARN;
    const readers = (secret: unknown) =>
      STEP_IDS.filter((step) => mentions(statementsOf(step), secret).some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')));

    const groqReaders = ['ResearchLead', 'DraftOutreach', 'SubmitLlmBatch', 'PollLlmBatch', 'ImportLlmBatch', 'ClassifyReply', 'DraftResponse'];
    expect(readers(groq)).toEqual(groqReaders);
    expect(readers(provider)).toEqual(['SearchLeads']);
    expect(STEP_IDS.filter((step) => 'GROQ_SECRET_ARN' in envOf(step))).toEqual(groqReaders);
    expect(STEP_IDS.filter((step) => 'LEAD_SEARCH_SECRET_ARN' in envOf(step))).toEqual(['SearchLeads']);
    // StartRun records the provider's name (its URL's host) on the run, never its key.
    expect(STEP_IDS.filter((step) => 'LEAD_SEARCH_URL' in envOf(step))).toEqual(['StartRun', 'SearchLeads']);
  });

  it('gives the research settings to ResearchLead and DraftOutreach (run budgets), the models also to StartRun (to refuse a shut-down one) ClassifyReply and DraftResponse, and the run settings to StartRun only', () => {
    expect(STEP_IDS.filter((step) => 'FACTS_MODEL' in envOf(step))).toEqual(['StartRun', 'ResearchLead', 'DraftOutreach', 'ClassifyReply', 'DraftResponse']);
    expect(STEP_IDS.filter((step) => 'PROMPT_TOKEN_BUDGET' in envOf(step))).toEqual(['ResearchLead', 'DraftOutreach']);
    expect(STEP_IDS.filter((step) => 'LEAD_CONCURRENCY' in envOf(step))).toEqual(['StartRun', 'StartWatch']);
    expect(STEP_IDS.filter((step) => 'LEAD_BATCH_SIZE' in envOf(step))).toEqual(['StartRun', 'StartWatch']);
  });
});

describe('the lake', () => {
  it('grants each step GetObject and PutObject on the areas it reads and writes only, and no delete', () => {
    const expected: Record<StepId, { list: boolean; get: string[]; put: string[] }> = {
      StartRun: { list: false, get: [], put: [] },
      SearchLeads: { list: true, get: ['inputs/leads/*'], put: ['research/*'] },
      ListRunLeads: { list: false, get: [], put: ['manifests/*'] },
      FetchSite: { list: true, get: ['raw/html/*'], put: ['raw/html/*', 'raw/meta/*', 'research/*'] },
      CleanPages: { list: true, get: ['clean/signals/*', 'clean/text/*', 'raw/html/*', 'raw/meta/*'], put: ['clean/signals/*', 'clean/text/*', 'intent/*'] },
      ResearchLead: {
        list: true,
        get: ['clean/signals/*', 'clean/text/*', 'runs/*/llm-cache/*', 'runs/*/research/*'],
        put: ['llm/*', 'research/*', 'runs/*/llm-batch/*', 'runs/*/llm-cache/*', 'runs/*/research/*'],
      },
      CommitResearch: { list: true, get: ['runs/*/research/*'], put: ['research/*'] },
      // batch mode: reads its answer from the attempt cache, defers the request to the run's next batch
      DraftOutreach: { list: true, get: ['clean/text/*', 'runs/*/llm-cache/*'], put: ['llm/*', 'runs/*/llm-batch/*'] },
      StartWatch: { list: false, get: [], put: [] },
      RecheckCompany: { list: false, get: [], put: [] },
      RecordFailure: { list: false, get: [], put: ['research/*'] },
      SubmitLlmBatch: { list: true, get: ['runs/*/llm-batch/*'], put: ['research/*'] },
      PollLlmBatch: { list: false, get: [], put: [] },
      ImportLlmBatch: { list: true, get: ['runs/*/llm-batch/*'], put: ['manifests/*', 'research/*', 'runs/*/llm-cache/*'] },
      FinishRun: { list: false, get: [], put: ['runs/*/summary.json'] },
      ClaimDue: { list: false, get: [], put: [] },
      SendMessage: { list: false, get: [], put: [] },
      RecordSendFailure: { list: false, get: [], put: [] },
      FinishSend: { list: false, get: [], put: [] },
      ParseReply: { list: true, get: ['inbound/*'], put: ['replies/*/mail.json'] },
      ClassifyReply: { list: true, get: ['replies/*/mail.json'], put: ['llm/*', 'replies/*/classification.json'] },
      MatchThread: { list: true, get: ['replies/*/mail.json'], put: [] },
      ActOnReply: { list: true, get: ['replies/*/classification.json', 'replies/*/mail.json'], put: [] },
      DraftResponse: { list: true, get: ['inbound/*'], put: ['llm/*'] },
      RecordReplyFailure: { list: true, get: ['replies/*/mail.json'], put: [] },
    };

    for (const step of STEP_IDS) expect(lakeGrants(step), step).toEqual(expected[step]);
  });

  it('gives no LAKE_BUCKET to a step that does not use the lake', () => {
    expect(STEP_IDS.filter((step) => !('LAKE_BUCKET' in envOf(step)))).toEqual(['StartRun', 'StartWatch', 'RecheckCompany', 'PollLlmBatch', 'ClaimDue', 'SendMessage', 'RecordSendFailure', 'FinishSend']);
  });
});

describe('the database', () => {
  it('lets only the steps that declare sql, and the migration, use the Data API and read the database secret', () => {
    const dbSecret = envOf('ListRunLeads').DB_SECRET_ARN;
    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const withDataApi = functions
      .filter(([, fn]) => statementsOfRole(resources, fn.Properties.Role['Fn::GetAtt'][0]).some((s) => actionsOf(s).includes('rds-data:ExecuteStatement')))
      .map(([id]) => id)
      .sort();
    const withDbSecret = functions
      .filter(([, fn]) => mentions(statementsOfRole(resources, fn.Properties.Role['Fn::GetAtt'][0]), dbSecret).length > 0)
      .map(([id]) => id)
      .sort();

    const expected = [...STEP_IDS.filter((s) => (STEPS[s].ports as { sql?: true }).sql).map((s) => idOf(stateless.functions[s])), idOf(stateless.migration.function)].sort();
    expect(withDataApi).toEqual(expected);
    expect(withDbSecret).toEqual(expected);
    // The custom resource framework's own function is not among them.
    expect(functions.length).toBeGreaterThan(expected.length);
  });
});

describe('every grant comes from a declared port', () => {
  // What each port may be granted. Sending mail will be a port of its own (ses:SendEmail),
  // declared by the send step only; an action no declared port explains fails here.
  const PORT_ACTIONS: Record<string, string[]> = {
    always: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    sql: ['rds-data:BatchExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:ExecuteStatement', 'rds-data:RollbackTransaction', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    lake: ['s3:ListBucket', 's3:GetObject', 's3:PutObject'],
    llm: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    llmBatch: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    leadSearch: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    web: [],
  };

  it('holds each function to the actions of the ports its step uses', () => {
    for (const step of STEP_IDS) {
      const ports = STEPS[step].ports as Record<string, unknown>;
      const allowed = new Set(['always', ...Object.keys(ports).filter((p) => p !== 'config' && ports[p] !== 'name')].flatMap((p) => PORT_ACTIONS[p] ?? []));
      const held = statementsOf(step).flatMap(actionsOf);
      expect(held.filter((a) => !allowed.has(a)), step).toEqual([]);
      expect(statementsOf(step).every((s) => s.Effect === 'Allow' && !resourcesOf(s).includes('*')), step).toBe(true);
    }
  });

  it('grants no pipeline function a way to send mail or messages', () => {
    for (const step of STEP_IDS) {
      expect(statementsOf(step).flatMap(actionsOf).filter((a) => /^(ses|sesv2|sns|sqs|ssm|kms|lambda|states|iam):/.test(a)), step).toEqual([]);
    }
  });
});
