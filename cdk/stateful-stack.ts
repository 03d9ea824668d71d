/**
 * What holds data and outlives deployments: the VPC and Aurora cluster (Data API), the lake
 * bucket and its log bucket, and the secrets the deployer fills in. The stateless stack takes
 * these as props; nothing here changes when code does.
 */
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Database } from './constructs/database.ts';
import { LakeBucket } from './constructs/lake-bucket.ts';

/**
 * What the secrets hold until the deployer puts a real key in. The Lambda composition root
 * treats any value starting with `REPLACE_ME` as "no key" (and says so loudly in the logs).
 */
export const SECRET_PLACEHOLDER = 'REPLACE_ME: set this with aws secretsmanager put-secret-value (see README)';

export interface StatefulStackProps extends StackProps {
  /** Default true; false only for disposable environments. */
  deletionProtection?: boolean;
  /** Days `llm/` objects are kept; default 90. */
  llmRetentionDays?: number;
  /** Aurora Serverless v2 capacity in ACUs; default 0 (auto-pause) to 4. */
  minCapacity?: number;
  maxCapacity?: number;
  /** Default 7 days. */
  backupRetention?: Duration;
  /** Create a secret for a lead provider's API key (set when a provider URL is configured). */
  leadSearchSecret?: boolean;
  /** Let SES receiving write replies into the lake's inbound/ (set when a mailbox domain is configured). */
  sesInbound?: boolean;
}

/** The stateful half of Prospector. */
export class StatefulStack extends Stack {
  readonly database: Database;
  readonly lake: LakeBucket;
  readonly groqSecret: secretsmanager.Secret;
  readonly leadSearchSecret: secretsmanager.Secret | undefined;
  /** Names of the exports the stateless stack imports the lake bucket by. */
  readonly lakeExports: { arn: string; name: string };

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);

    this.lake = new LakeBucket(this, 'Lake', {
      llmRetentionDays: props.llmRetentionDays ?? 90,
      noncurrentVersionDays: 30,
      accessLogRetentionDays: 365,
      sesInbound: props.sesInbound ?? false,
    });

    this.database = new Database(this, 'Database', {
      databaseName: 'prospector',
      minCapacity: props.minCapacity ?? 0,
      maxCapacity: props.maxCapacity ?? 4,
      deletionProtection: props.deletionProtection ?? true,
      backupRetention: props.backupRetention ?? Duration.days(7),
      flowLogBucket: this.lake.accessLogs,
    });

    // The template carries only the placeholder; CloudFormation never rewrites a value the
    // deployer put in later, because this property does not change between deployments.
    this.groqSecret = new secretsmanager.Secret(this, 'GroqApiKey', {
      description: 'Groq API key for Prospector research (plain string). Replace the placeholder with aws secretsmanager put-secret-value.',
      secretStringValue: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.groqSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A third-party (Groq) API key: only Groq can issue a new one, so Secrets Manager rotation has nothing to rotate it with. Rotate by creating a key at Groq and put-secret-value.',
    });

    if (props.leadSearchSecret) {
      this.leadSearchSecret = new secretsmanager.Secret(this, 'LeadSearchApiKey', {
        description: 'Lead provider API key for Prospector (plain string, or JSON {"apiKey","header"}).',
        secretStringValue: SecretValue.unsafePlainText(SECRET_PLACEHOLDER),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(this.leadSearchSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'A third-party lead provider API key: only the provider can issue a new one, so Secrets Manager rotation has nothing to rotate it with.',
      });
    }

    // Named exports (not CDK's generated ones) give the stateless stack stable names to import,
    // and let its cdk-nag acknowledgement name the lake's object wildcard exactly.
    this.lakeExports = { arn: `${this.stackName}-LakeBucketArn`, name: `${this.stackName}-LakeBucketName` };
    this.exportValue(this.lake.bucket.bucketArn, { name: this.lakeExports.arn });
    this.exportValue(this.lake.bucket.bucketName, { name: this.lakeExports.name });

    new CfnOutput(this, 'LakeBucketName', { value: this.lake.bucket.bucketName });
    new CfnOutput(this, 'DatabaseClusterArn', { value: this.database.cluster.clusterArn });
    new CfnOutput(this, 'GroqSecretArn', { value: this.groqSecret.secretArn, description: 'aws secretsmanager put-secret-value --secret-id <this> --secret-string gsk_...' });
    if (this.leadSearchSecret) new CfnOutput(this, 'LeadSearchSecretArn', { value: this.leadSearchSecret.secretArn });
  }
}
