/**
 * The web app in the synthesized stateless stack (cdk/constructs/web-app.ts, context `webApp=true`):
 * the Cognito pool, domain and public app client, the HTTP API and its stage, the function's
 * environment, bundled static files and least-privilege grants. Synthesized without bundling
 * (fast) and with cdk-nag on: synthesis throws on an unacknowledged finding.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../cdk/constructs/prospector-function.ts';
import { bundleLikeCdk } from '../helpers/bundle.ts';
import { actionsOf, buildApp, removeSynthOutputs, resourcesOf, statementsOfRole, synthApp, type PolicyStatement, type TemplateResource } from '../helpers/cdk.ts';
import type { StatelessStack } from '../../cdk/stateless-stack.ts';

let outdir: string | undefined;
let stateless: StatelessStack;
let template: Template;
let resources: Record<string, TemplateResource>;

beforeAll(() => {
  ({ outdir, stateless, statelessTemplate: template, statelessResources: resources } = synthApp({ webApp: 'true', webAuthDomainPrefix: 'tallyhand-reps' }, { outdir: true }));
}, 120_000);
afterAll(() => removeSynthOutputs());

const idOf = (construct: { node: { defaultChild?: unknown } }) => stateless.getLogicalId(construct.node.defaultChild as never);


describe('Cognito', () => {
  it('a pool without self sign-up, email sign-in, MFA required, a strong password policy and threat protection', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireUppercase: true, RequireNumbers: true }) },
      UserPoolTier: 'PLUS',
      DeletionProtection: 'ACTIVE',
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'tallyhand-reps' });
  });

  it('a public client (no secret) for the authorization-code flow back to the API\'s /auth/callback only', () => {
    const endpoint = { 'Fn::GetAtt': [idOf(stateless.webApp!.api), 'ApiEndpoint'] };
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: [{ 'Fn::Join': ['', [endpoint, '/auth/callback']] }],
      LogoutURLs: [{ 'Fn::Join': ['', [endpoint, '/']] }],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });
});

describe('the function and its API', () => {
  it('the handler bundled with the static CSS/JS, with exactly its variables', () => {
    const web = stateless.webApp!;
    expect(web.function.bundle.entry).toBe('lambdas/handlers/web.ts');
    expect(web.function.bundle.files).toContainEqual({ from: 'lambdas/web/static', to: 'static' });
    const vars = Object.keys(resources[idOf(web.function)].Properties.Environment.Variables).filter((k) => !k.startsWith('POWERTOOLS_') && k !== 'NODE_OPTIONS').sort();
    expect(vars).toEqual(['COGNITO_CLIENT_ID', 'COGNITO_DOMAIN_URL', 'COGNITO_USER_POOL_ID', 'DB_CLUSTER_ARN', 'DB_NAME', 'DB_SECRET_ARN', 'LAKE_BUCKET', 'PROSPECTING_STATE_MACHINE_ARN', 'WEB_BASE_URL']);
    expect(resources[idOf(web.function)].Properties.Environment.Variables.PROSPECTING_STATE_MACHINE_ARN).toEqual({ Ref: idOf(stateless.stateMachine) });
    expect(resources[idOf(web.function)].Properties.Environment.Variables.COGNITO_CLIENT_ID).toEqual({ Ref: idOf(web.client) });
  });

  it('an HTTP API whose $default route goes to the function (payload 2.0), with access logs and throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': [idOf(stateless.webApp!.function), 'Arn'] } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });

  it('least privilege: the Data API, its secret, and reads of stored page text and reply mail; no lake writes, no other secret', () => {
    const role = resources[idOf(stateless.webApp!.function)].Properties.Role['Fn::GetAtt'][0];
    const statements = statementsOfRole(resources, role);
    const all = statements.flatMap(actionsOf);
    expect(all).toEqual(expect.arrayContaining(['rds-data:ExecuteStatement', 's3:GetObject', 's3:ListBucket']));
    expect(all.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    const get = statements.find((s) => actionsOf(s).includes('s3:GetObject'))!;
    expect(JSON.stringify(get.Resource)).toContain('/clean/text/*');
    // the inbox shows a reply's words from the mail the replies machine parsed, not the raw mail
    expect(JSON.stringify(get.Resource)).toContain('/replies/*/mail.json');
    expect(JSON.stringify(get.Resource)).not.toMatch(/raw\/|llm\/|outbox|inbound|classification/);
    const secretReads = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(secretReads).toHaveLength(1);
    expect(JSON.stringify(secretReads[0].Resource)).not.toMatch(/Groq|Unsubscribe/i);
    expect(all.some((a) => /^(ses|s3:Put|s3:Delete)/.test(a))).toBe(false);
    // Step Functions: StartExecution (redrive from the Runs page) on the prospecting state machine only
    const states = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('states:')));
    expect(states.flatMap(actionsOf)).toEqual(['states:StartExecution']);
    expect(states.map((s) => s.Resource)).toEqual([{ Ref: idOf(stateless.stateMachine) }]);
  });
});

describe('cdk-nag', () => {
  it('reports no violation with the web app on (each finding acknowledged with its reason in the construct)', () => {
    const report = JSON.parse(readFileSync(path.join(outdir!, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });
});

describe('the bundle', () => {
  it('bundled as the CDK bundles it, the handler serves its static CSS and sends /login to Cognito (HTTP API 2.0 events)', async () => {
    const fn = stateless.webApp!.function;
    const dir = mkdtempSync(path.join(tmpdir(), 'prospector-web-bundle-'));
    // Bundles leave @aws-sdk/* to the Lambda runtime; here the repository's copy stands in for it.
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const out = path.join(dir, 'web');
    mkdirSync(out);
    try {
      await bundleLikeCdk(fn, out);
      const event = (rawPath: string) => ({
        version: '2.0', routeKey: '$default', rawPath, rawQueryString: '', headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com' }, isBase64Encoded: false,
        requestContext: { http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 't' }, domainName: 'abc123.execute-api.us-east-1.amazonaws.com', requestId: 'r', routeKey: '$default', stage: '$default', timeEpoch: 0 },
      });
      const url = pathToFileURL(path.join(out, 'index.mjs')).href;
      const script = `const m = await import(${JSON.stringify(url)}); const r = [await m.handler(${JSON.stringify(event('/static/app.css'))}), await m.handler(${JSON.stringify(event('/login'))})]; process.stdout.write(JSON.stringify(r));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: out,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          DB_CLUSTER_ARN: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
          DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf',
          DB_NAME: 'prospector',
          LAKE_BUCKET: 'prospector-lake-123',
          COGNITO_USER_POOL_ID: 'us-east-1_AbC123',
          COGNITO_CLIENT_ID: 'abc123client',
          COGNITO_DOMAIN_URL: 'https://tallyhand-reps.auth.us-east-1.amazoncognito.com',
          WEB_BASE_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com',
          PROSPECTING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:Prospecting',
        },
      });
      const [css, login] = JSON.parse(stdout) as { statusCode: number; headers: Record<string, string>; body: string }[];
      expect(css.statusCode).toBe(200);
      expect(css.headers['content-type']).toMatch(/text\/css/);
      expect(css.headers['strict-transport-security']).toMatch(/max-age/);
      expect(login.statusCode).toBe(302);
      expect(login.headers.location).toMatch(/^https:\/\/tallyhand-reps\.auth\.us-east-1\.amazoncognito\.com\/oauth2\/authorize\?.*redirect_uri=https%3A%2F%2Fabc123\.execute-api\.us-east-1\.amazonaws\.com%2Fauth%2Fcallback/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('off by default', () => {
  it('without webApp=true there is no pool, API or web function', () => {
    // No validation report is read of this one: aws-cdk-lib's CloudFormation validation (warnings only) is off.
    const plain = synthApp({}, { cloudFormationValidation: false });
    const t = plain.statelessTemplate;
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    t.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    expect(plain.stateless.webApp).toBeUndefined();
  });

  it('a bad domain prefix is refused at synthesis, naming the context key', () => {
    expect(() => buildApp({ webApp: 'true', webAuthDomainPrefix: 'My_Cognito' })).toThrow(/webAuthDomainPrefix/);
  });
});
