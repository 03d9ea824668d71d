/**
 * Applies `sql/*.sql` to Aurora through the Data API on every deployment that changes them: a
 * custom resource whose onEvent handler is `lambdas/handlers/migrate.ts`. The handler's bundle
 * ships a copy of `sql/` (the single source); the resource's properties carry the latest version
 * and a checksum over all files, so adding or editing a migration changes the properties and
 * CloudFormation sends the Update that runs it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { toMigrations } from '../../lambdas/core/db/migrate.ts';
import { schemaChecksum, schemaVersion } from '../../lambdas/handlers/migrate.ts';
import { ProspectorFunction, REPO_ROOT, invokeVersionsFinding } from './prospector-function.ts';

export interface SchemaMigrationProps {
  cluster: rds.DatabaseCluster;
  databaseName: string;
  logRetention: logs.RetentionDays;
}

/** Reads the migrations the bundle will ship, to key the custom resource on them. */
function repositoryMigrations() {
  const dir = path.join(REPO_ROOT, 'sql');
  return toMigrations(readdirSync(dir).filter((n) => n.endsWith('.sql')).map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') })));
}

/** The migration function, its provider, and the custom resource. */
export class SchemaMigration extends Construct {
  readonly function: ProspectorFunction;
  readonly resource: CustomResource;
  readonly version: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationProps) {
    super(scope, id);
    const migrations = repositoryMigrations();
    this.version = schemaVersion(migrations);

    this.function = new ProspectorFunction(this, 'Migrate', {
      entry: 'lambdas/handlers/migrate.ts',
      description: 'Prospector: applies sql/ migrations through the Data API (custom resource)',
      memorySize: 256,
      // Long enough for a paused cluster to resume and every file to run.
      timeout: Duration.minutes(5),
      environment: {
        DB_CLUSTER_ARN: props.cluster.clusterArn,
        DB_SECRET_ARN: props.cluster.secret!.secretArn,
        DB_NAME: props.databaseName,
      },
      logRetention: props.logRetention,
      files: [{ from: 'sql', to: 'sql' }],
    });
    props.cluster.grantDataApiAccess(this.function);

    const frameworkLogs = new logs.LogGroup(this, 'ProviderLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const frameworkRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Prospector schema migration: custom resource provider framework',
    });
    frameworkLogs.grantWrite(frameworkRole);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogs,
    });
    // The framework's code is plain JavaScript: it runs on ARM like every other function here.
    const framework = provider.node.tryFindChild('framework-onEvent')?.node.defaultChild as lambda.CfnFunction | undefined;
    if (framework) framework.architectures = [lambda.Architecture.ARM_64.name];
    // The framework calls the migrate function; its grantInvoke covers the function's versions too.
    Validations.of(frameworkRole).acknowledge({
      id: invokeVersionsFinding(this.function),
      reason: 'Granted by the CDK provider framework (grantInvoke): the one migration function and its published versions, nothing else.',
    });

    this.resource = new CustomResource(this, 'Schema', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ProspectorSchema',
      properties: { Version: this.version, Checksum: schemaChecksum(migrations) },
    });
    this.resource.node.addDependency(props.cluster);
  }
}

