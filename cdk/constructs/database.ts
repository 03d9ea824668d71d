/**
 * Aurora PostgreSQL Serverless v2 reached only through the RDS Data API. The cluster sits in
 * isolated subnets of its own VPC with no ingress rule, no NAT and no internet gateway: the Data
 * API is an AWS endpoint outside the VPC, so nothing in the VPC needs a route out and nothing
 * outside can open a connection in.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Aurora PostgreSQL 16, the newest 16.x the installed aws-cdk-lib knows (the SQL keeps to PG 16). */
export const AURORA_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_13;

export interface DatabaseProps {
  databaseName: string;
  /** 0 lets the cluster pause when idle (seconds to resume: the Data API adapter waits). */
  minCapacity: number;
  maxCapacity: number;
  deletionProtection: boolean;
  backupRetention: Duration;
  /** Where the VPC flow logs go. */
  flowLogBucket: s3.IBucket;
}

/** The VPC and the Aurora cluster with the Data API enabled. */
export class Database extends Construct {
  readonly vpc: ec2.Vpc;
  readonly cluster: rds.DatabaseCluster;
  readonly databaseName: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    this.databaseName = props.databaseName;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      flowLogs: {
        all: { destination: ec2.FlowLogDestination.toS3(props.flowLogBucket, 'vpc-flow-logs/'), trafficType: ec2.FlowLogTrafficType.ALL },
      },
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: AURORA_ENGINE_VERSION }),
      writer: rds.ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: props.minCapacity,
      serverlessV2MaxCapacity: props.maxCapacity,
      ...(props.minCapacity === 0 ? { serverlessV2AutoPauseDuration: Duration.minutes(10) } : {}),
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('prospector_admin'),
      defaultDatabaseName: props.databaseName,
      enableDataApi: true,
      iamAuthentication: true,
      storageEncrypted: true,
      deletionProtection: props.deletionProtection,
      backup: { retention: props.backupRetention },
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });

    if (!props.deletionProtection) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'The deployer turned deletion protection off for this environment (context deletionProtection=false), e.g. a disposable test stack; the default is on.',
      });
    }
    // The generated credentials secret is the cluster's `Secret` child (cluster.secret is its attachment).
    const credentials = this.cluster.node.tryFindChild('Secret');
    if (credentials) {
      Validations.of(credentials).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Only the Data API reads these credentials, from Secrets Manager on each call; no person or host ever holds them. Rotation needs a rotation Lambda with a route to the isolated subnets and a Secrets Manager VPC endpoint, which this VPC deliberately lacks.',
      });
    }
  }
}
