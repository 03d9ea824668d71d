/**
 * A local runtime whose database is the loopback Data API (test/fakes/fake-data-api.ts) reached
 * through DataApiSql and the real RDSDataClient, instead of PGlite: the SQL, the call pattern and
 * the Data API's limits are then those of the cloud, while the state machine, the lake folder
 * and the other adapters are the local ones.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { DataApiSql } from '#adapters/data-api-sql.ts';
import { DirectoryLeadSearch } from '#adapters/directory-lead-search.ts';
import { FolderLake } from '#adapters/folder-lake.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import { migrate } from '#core/db/migrate.ts';
import { jsonLog } from '#core/log.ts';
import { defaultPipelineConfig, type Deps, type PipelineConfig } from '#core/pipeline/deps.ts';
import type { Web, WebResponse } from '#core/ports.ts';
import { loadLocalConfig } from '#local/config.ts';
import type { LocalRuntime } from '#local/runner.ts';
import type { FakeDataApi } from '#test/fakes/fake-data-api.ts';

/** The Data API target every test uses (nothing checks the ARNs but their shape). */
export const DATA_API_TARGET = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:prospector',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prospector-db-AbCdEf',
  database: 'prospector',
};

/**
 * `DataApiSql` on the loopback Data API `fake` through the real RDSDataClient (`client`, default
 * the fake's own), without waiting out a paused cluster's resume delays.
 */
export function dataApiSqlOn(fake: FakeDataApi, client: RDSDataClient = fake.client()): DataApiSql {
  return new DataApiSql({ ...DATA_API_TARGET, client, sleep: async () => {} });
}

/**
 * A web whose every site forbids our user agent in robots.txt: each lead takes FetchSite's
 * shortest real path (the lead is skipped with that reason), so a run over thousands of leads
 * exercises every step's database work without fetching or researching anything.
 */
export const robotsRefuseAll: Web = {
  allowedByRobots: async () => false,
  fetch: async (url: string): Promise<WebResponse> => {
    throw new Error(`fetch(${url}) after robots.txt refused it`);
  },
};

/** Opens a LocalRuntime over `fake` (migrated), a lake under `home`, the offline researcher. */
export async function dataApiRuntime(fake: FakeDataApi, options: { home: string; web: Web; config?: Partial<PipelineConfig> }): Promise<LocalRuntime> {
  const config = loadLocalConfig({ PROSPECTOR_HOME: options.home, PROSPECTOR_LOG_LEVEL: 'silent' });
  await mkdir(options.home, { recursive: true });
  const sql = dataApiSqlOn(fake);
  await migrate(sql);
  const deps: Deps = {
    sql,
    lake: new FolderLake(join(options.home, 'lake')),
    llm: new HeuristicLlm(),
    leadSearch: new DirectoryLeadSearch(),
    web: options.web,
    log: jsonLog({ level: 'silent' }),
    clock: { now: () => new Date() },
    newId: randomUUID,
    config: { ...defaultPipelineConfig, ...config.pipeline, ...options.config },
  };
  return { config, deps, close: () => sql.close() };
}
