/**
 * Athena over the lake's research records: a Glue database and table over
 * `research/dt=<yyyy-mm-dd>/run=<run-id>/part-<lead>.jsonl`, a workgroup that enforces where
 * results go and that they are encrypted, and named queries whose SQL lives in `cdk/queries/`
 * (the local DuckDB twin reads the same files).
 *
 * Partitioning: only `dt` is a partition key, filled by partition projection (a date range, no
 * crawler, no MSCK REPAIR). `run=<id>` stays a plain folder below each day: run ids are UUIDs,
 * so no projection type fits them (enum needs the values up front; injected would make every
 * query name a run), and Athena reads a partition's location recursively, so the run folders
 * are simply part of that day. Queries filter runs with the `run_id` column of the record.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** `cdk/queries`, where each named query's SQL is kept. */
export const QUERIES_DIR = path.resolve(import.meta.dirname, '..', 'queries');

/** The named queries: file name (without .sql) and what it answers. */
export const NAMED_QUERIES: { name: string; description: string }[] = [
  { name: 'best-fit-leads-this-week', description: 'Best-fitting leads researched in the last 7 days, one row per lead.' },
  { name: 'leads-by-icp', description: 'Leads, evidence, fit and cost per ICP over the last 90 days.' },
  { name: 'facts-for-company', description: 'Every fact with its quote and source page for one company domain (execution parameter: the domain).' },
  { name: 'failed-leads-by-reason', description: 'Leads that failed or were skipped in the last 30 days, by stage and reason.' },
  { name: 'pricing-changed-this-week', description: 'Companies whose pricing changed in the last 7 days, with the price before and after and both quotes.' },
  { name: 'hiring-for-personas', description: "Companies opening jobs in the function of one of the ICP's personas (last 90 days), by ICP." },
  { name: 'new-signals-since-last-run', description: "Signals each ICP's latest run found, with their quotes and the company's intent score." },
];

/** The research record's columns, as CommitResearch writes them (see researchRecord()). */
export const RESEARCH_COLUMNS: glue.CfnTable.ColumnProperty[] = [
  { name: 'research_id', type: 'string' },
  { name: 'run_id', type: 'string' },
  { name: 'lead_id', type: 'string' },
  { name: 'lead_email', type: 'string' },
  { name: 'lead_name', type: 'string' },
  { name: 'company_name', type: 'string' },
  { name: 'domain', type: 'string' },
  { name: 'icp', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'fit_score', type: 'int' },
  { name: 'summary', type: 'string' },
  { name: 'llm_provider', type: 'string' },
  { name: 'model', type: 'string' },
  { name: 'prompt_version', type: 'string' },
  { name: 'prompt_tokens', type: 'int' },
  { name: 'completion_tokens', type: 'int' },
  { name: 'cost_usd', type: 'double' },
  { name: 'facts', type: 'array<struct<id:string,category:string,claim:string,quote:string,source_url:string,verified:boolean>>' },
  // An object in the record; the OpenX SerDe hands a nested object to a string column as its JSON text.
  { name: 'findings', type: 'string' },
  { name: 'failure_stage', type: 'string' },
  { name: 'failure_reason', type: 'string' },
  { name: 'researched_at', type: 'string' },
  { name: 'intent_score', type: 'int' },
];

/** The signals table's columns, as change detection writes them (see signalLakeLines()). */
export const SIGNAL_COLUMNS: glue.CfnTable.ColumnProperty[] = [
  { name: 'signal_key', type: 'string' },
  { name: 'run_id', type: 'string' },
  { name: 'company_name', type: 'string' },
  { name: 'domain', type: 'string' },
  { name: 'icp', type: 'string' },
  { name: 'kind', type: 'string' },
  { name: 'summary', type: 'string' },
  { name: 'item', type: 'string' },
  { name: 'job_function', type: 'string' },
  { name: 'seniority', type: 'string' },
  { name: 'persona_match', type: 'boolean' },
  { name: 'plan', type: 'string' },
  { name: 'price_before', type: 'string' },
  { name: 'price_after', type: 'string' },
  { name: 'topic', type: 'string' },
  { name: 'before_quote', type: 'string' },
  { name: 'after_quote', type: 'string' },
  { name: 'before_key', type: 'string' },
  { name: 'after_key', type: 'string' },
  { name: 'url', type: 'string' },
  { name: 'page_kind', type: 'string' },
  { name: 'observed_at', type: 'string' },
  { name: 'intent_score', type: 'int' },
  { name: 'detected_at', type: 'string' },
];

export interface LakeAnalyticsProps {
  bucket: s3.IBucket;
  databaseName: string;
  workGroupName: string;
  /** Queries scanning more than this are cancelled (cost guard). */
  bytesScannedCutoffPerQuery: number;
}

/** Glue table, Athena workgroup and named queries over the lake. */
export class LakeAnalytics extends Construct {
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly signalsTable: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;
  readonly queries: athena.CfnNamedQuery[];

  constructor(scope: Construct, id: string, props: LakeAnalyticsProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const lakeRoot = `s3://${props.bucket.bucketName}`;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: props.databaseName, description: 'Prospector data lake' },
    });

    this.table = new glue.CfnTable(this, 'ResearchTable', {
      catalogId: account,
      databaseName: props.databaseName,
      tableInput: {
        name: 'research',
        description: 'One research record per committed lead (research/dt=.../run=.../part-<lead>.jsonl).',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': 'NOW-3YEARS,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${lakeRoot}/research/dt=\${dt}/`,
        },
        partitionKeys: [{ name: 'dt', type: 'string' }],
        storageDescriptor: {
          location: `${lakeRoot}/research/`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
          columns: RESEARCH_COLUMNS,
        },
      },
    });
    this.table.addResourceDependency(this.database);

    this.signalsTable = new glue.CfnTable(this, 'SignalsTable', {
      catalogId: account,
      databaseName: props.databaseName,
      tableInput: {
        name: 'signals',
        description: 'Changes detected at companies, one line per signal and ICP (intent/signals/dt=.../run=.../part-<company>.jsonl).',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': 'NOW-3YEARS,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${lakeRoot}/intent/signals/dt=\${dt}/`,
        },
        partitionKeys: [{ name: 'dt', type: 'string' }],
        storageDescriptor: {
          location: `${lakeRoot}/intent/signals/`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
          columns: SIGNAL_COLUMNS,
        },
      },
    });
    this.signalsTable.addResourceDependency(this.database);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Prospector lake queries; results are written encrypted under athena-results/ and expire.',
      state: 'ENABLED',
      // Lets the stack delete the workgroup with its saved queries and history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `${lakeRoot}/athena-results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    this.queries = NAMED_QUERIES.map(({ name, description }) => {
      const query = new athena.CfnNamedQuery(this, `Query-${name}`, {
        name,
        description,
        database: props.databaseName,
        workGroup: this.workGroup.ref,
        queryString: readFileSync(path.join(QUERIES_DIR, `${name}.sql`), 'utf8').trim(),
      });
      query.addResourceDependency(this.database);
      return query;
    });
  }
}
