/**
 * The reps' web app in the cloud (context `webApp=true`): the Lambda that serves the same Hono
 * app as `prospector ui` (lambdas/handlers/web.ts), an API Gateway HTTP API in front of it, and
 * the Cognito user pool, managed-login domain and app client it signs people in with.
 *
 * - HTTP API, not a function URL: the function must know its own URL (the OAuth callback), and a
 *   function URL is an attribute of a resource that depends on the function (a cycle); the API's
 *   endpoint is not. It also gives access logs and throttling. HTTPS only, so HSTS holds.
 * - No API Gateway authorizer: pages are browser navigations that carry a cookie, not a bearer
 *   token, and must redirect to sign-in rather than get a bare 401; the app runs the
 *   authorization-code flow itself and keeps its own session (lambdas/web/cognito.ts).
 * - The pool: no self sign-up (an administrator creates each rep), email as the user name,
 *   verified email (the app maps it to app_user), MFA required (TOTP), a strong password policy,
 *   the Plus feature plan with threat protection enforced. A public app client (no secret to
 *   keep), authorization code with PKCE only, scopes `openid email`.
 * - Grants: the Data API (the Sql port), reads of the lake areas the pages read
 *   (EDGE_FUNCTIONS.Web.lakeReads: the stored page text a fact cites, a reply's parsed mail) and `states:StartExecution`
 *   on the prospecting state machine (redrive from the Runs page), nothing else.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EDGE_FUNCTIONS, edgeEnvKeys, edgeLakeReads, type CloudEnvKey } from '../../lambdas/cloud/step-env.ts';
import type { LakeArea } from '../../lambdas/core/lake-keys.ts';
import { ProspectorFunction, type BundledFile } from './prospector-function.ts';

export interface WebAppProps {
  cluster: rds.DatabaseCluster;
  databaseName: string;
  lakeBucketName: string;
  /** The prospecting state machine: the Runs page starts a redrive execution of it (StartExecution on it only). */
  stateMachine: sfn.IStateMachine;
  /** Grants the function reads of these lake areas (the stack's own lake grant, with its cdk-nag acknowledgements). */
  grantLakeRead: (fn: ProspectorFunction, areas: readonly LakeArea[]) => void;
  logRetention: logs.RetentionDays;
  /** Powertools settings every function gets. */
  baseEnvironment: Record<string, string>;
  /** Files the shared modules read beside the bundle (the stack's RUNTIME_FILES); the static CSS/JS are added here. */
  files: BundledFile[];
  /** The managed-login domain prefix (`<prefix>.auth.<region>.amazoncognito.com`), unique in the region; default `prospector-<account id>`. */
  authDomainPrefix?: string;
  /** Requests per second the API accepts (steady, burst); default 20 and 40. */
  throttle?: { rate: number; burst: number };
}

/** The web app's function, HTTP API and Cognito sign-in. */
export class WebApp extends Construct {
  readonly function: ProspectorFunction;
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** The app's public URL (the HTTP API's endpoint, no trailing slash). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const prefix = props.authDomainPrefix;
    if (prefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix)) {
      throw new Error(`context webAuthDomainPrefix must be lower-case letters, digits and hyphens (at most 63), got "${prefix}"`);
    }
    if (prefix !== undefined && /aws|amazon|cognito/.test(prefix)) throw new Error(`context webAuthDomainPrefix may not contain aws, amazon or cognito, got "${prefix}"`);

    this.userPool = new cognito.UserPool(this, 'Users', {
      userPoolName: 'prospector-web',
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      keepOriginal: { email: true },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      // The reps' accounts outlive any redeploy of the stateless stack.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.domain = this.userPool.addDomain('Login', {
      cognitoDomain: { domainPrefix: prefix ?? `prospector-${Aws.ACCOUNT_ID}` },
      managedLoginVersion: cognito.ManagedLoginVersion.CLASSIC_HOSTED_UI,
    });

    const environment: Record<string, string> = { ...props.baseEnvironment };
    this.function = new ProspectorFunction(this, 'Function', {
      entry: `lambdas/handlers/${EDGE_FUNCTIONS.Web.handler}.ts`,
      description: 'Prospector: the reps\' web app (review queue, leads, runs, onboarding)',
      memorySize: 1024,
      // API Gateway gives up on an integration after 30 s.
      timeout: Duration.seconds(29),
      environment,
      logRetention: props.logRetention,
      files: [...props.files, { from: 'lambdas/web/static', to: 'static' }],
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: 'prospector-web',
      description: 'Prospector: the reps\' web app',
      defaultIntegration: new HttpLambdaIntegration('App', this.function, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
      createDefaultStage: false,
    });
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle?.rate ?? 20, burstLimit: props.throttle?.burst ?? 40 },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    this.url = this.api.apiEndpoint;
    const route = this.api.node.tryFindChild('DefaultRoute');
    if (!route) throw new Error('the HTTP API has no default route to acknowledge its authorization finding on');
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The app authenticates every request itself: pages are browser navigations carrying a session cookie (opened by a Cognito sign-in, lambdas/web/cognito.ts), which an API Gateway authorizer cannot read, and unauthenticated pages must redirect to sign-in instead of getting a bare 401.',
    });

    this.client = this.userPool.addClient('App', {
      userPoolClientName: 'prospector-web',
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [`${this.url}/auth/callback`],
        logoutUrls: [`${this.url}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });

    const values: Partial<Record<CloudEnvKey, string>> = {
      DB_CLUSTER_ARN: props.cluster.clusterArn,
      DB_SECRET_ARN: props.cluster.secret!.secretArn,
      DB_NAME: props.databaseName,
      LAKE_BUCKET: props.lakeBucketName,
      COGNITO_USER_POOL_ID: this.userPool.userPoolId,
      COGNITO_CLIENT_ID: this.client.userPoolClientId,
      COGNITO_DOMAIN_URL: this.domain.baseUrl(),
      WEB_BASE_URL: this.url,
      PROSPECTING_STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
    };
    for (const k of edgeEnvKeys('Web')) {
      const v = values[k];
      if (v === undefined) throw new Error(`the web function needs ${k}, which the WebApp construct does not set`);
      this.function.addEnvironment(k, v);
    }

    props.cluster.grantDataApiAccess(this.function);
    props.grantLakeRead(this.function, edgeLakeReads('Web'));
    // Redrive from the Runs page: a new execution of this one state machine, nothing else of Step Functions.
    props.stateMachine.grantStartExecution(this.function);

    new CfnOutput(this, 'Url', { key: 'WebAppUrl', value: `${this.url}/`, description: 'The web app (sign in with a Cognito user whose email is an app_user)' });
    new CfnOutput(this, 'UserPoolId', { key: 'WebUserPoolId', value: this.userPool.userPoolId, description: 'Create reps here: aws cognito-idp admin-create-user' });
  }
}
