/**
 * `prospector onboard --data-api` writes the onboarding into Aurora through the RDS Data API:
 * here the real CLI and the real RDSDataClient against the loopback Data API endpoint.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import { migrate } from '#core/db/migrate.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'local', 'bin', 'prospector.mjs');
const CLUSTER = 'arn:aws:rds:us-east-1:123456789012:cluster:prospector';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';

describe('prospector onboard --data-api', () => {
  let fake: FakeDataApi;
  let sql: DataApiSql;
  beforeAll(async () => {
    fake = await FakeDataApi.start();
    const client = new RDSDataClient({ endpoint: fake.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    sql = new DataApiSql({ resourceArn: CLUSTER, secretArn: SECRET, database: 'prospector', client });
    await migrate(sql);
  }, 60_000);
  afterAll(async () => {
    await sql?.close();
    await fake?.close();
  });

  test('imports the sample seller into the database behind the Data API', async () => {
    const { stdout } = await exec(process.execPath, [BIN, 'onboard', '--sample', '--data-api', '--cluster-arn', CLUSTER, '--secret-arn', SECRET, '--json'], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_RDS_DATA: fake.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim())).toMatchObject({ icps: 3, users: 2 });
    const icps = await sql.query<{ slug: string; active: boolean }>(`SELECT slug, active FROM icp ORDER BY slug`);
    expect(icps.rows).toEqual([
      { slug: 'b2b-saas-scaleups', active: true },
      { slug: 'healthcare-groups', active: false },
      { slug: 'midmarket-logistics', active: true },
    ]);
    expect(fake.requests.some((r) => r.operation === 'BeginTransaction')).toBe(true);
  });
});
