/**
 * The data lake bucket (key layout in DESIGN.md) and the bucket that receives its server access
 * logs (and the VPC flow logs). Private, SSL-only, S3-managed encryption, versioned; lifecycle
 * rules move raw page bodies to cheaper storage as they age and expire LLM exchanges after a
 * configurable time.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LakeBucketProps {
  /** Days LLM prompts and answers (`llm/`) are kept. */
  llmRetentionDays: number;
  /** Days noncurrent object versions are kept before they expire. */
  noncurrentVersionDays: number;
  /** Days access and flow logs are kept. */
  accessLogRetentionDays: number;
  /**
   * Let SES receiving (in this account) write inbound mail under `inbound/`: the replies
   * machine's source in the cloud (cdk/constructs/replies-inbound.ts). Default false.
   */
  sesInbound?: boolean;
}

/** The lake bucket and its access-log bucket. */
export class LakeBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: LakeBucketProps) {
    super(scope, id);

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Server access log delivery does not support SSE-KMS targets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(props.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Lake', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        {
          id: 'raw-pages-age-out',
          prefix: 'raw/',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
          ],
        },
        { id: 'llm-exchanges-expire', prefix: 'llm/', expiration: Duration.days(props.llmRetentionDays) },
        { id: 'athena-results-expire', prefix: 'athena-results/', expiration: Duration.days(30) },
        {
          id: 'noncurrent-versions-expire',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // The lake is the replayable record of every run: it outlives the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Object events go to EventBridge, where a rule starts the replies machine for each mail
    // under inbound/ (docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html). Set on the
    // CloudFormation resource itself: the L2's eventBridgeEnabled goes through a custom-resource
    // Lambda, and this needs none.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };

    if (props.sesInbound) {
      // SES writes received mail as the service principal; the conditions keep another account's
      // receipt rules out (the confused-deputy guard in
      // docs.aws.amazon.com/ses/latest/dg/receiving-email-permissions.html).
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowSesReceivingIntoInbound',
          principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
          actions: ['s3:PutObject'],
          resources: [this.bucket.arnForObjects('inbound/*')],
          conditions: {
            StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
            ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:receipt-rule-set/*` },
          },
        }),
      );
    }
  }
}
