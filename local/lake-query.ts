/**
 * The local twin of Athena: DuckDB over the lake folder. The `research` view has the same columns
 * as the Glue table (plus the `dt` and `run` partitions from the key layout), so the named
 * queries in `cdk/queries/` run here unchanged, or through a local override where DuckDB's SQL
 * differs from Athena's (`cdk/queries/local/`).
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export const QUERIES_DIR = join(import.meta.dirname, '..', 'cdk', 'queries');
const LOCAL_OVERRIDES = join(QUERIES_DIR, 'local');

// The Glue table's schema, in DuckDB types.
const COLUMNS: Record<string, string> = {
  research_id: 'VARCHAR',
  run_id: 'VARCHAR',
  lead_id: 'VARCHAR',
  lead_email: 'VARCHAR',
  lead_name: 'VARCHAR',
  company_name: 'VARCHAR',
  domain: 'VARCHAR',
  icp: 'VARCHAR',
  status: 'VARCHAR',
  fit_score: 'INTEGER',
  summary: 'VARCHAR',
  llm_provider: 'VARCHAR',
  model: 'VARCHAR',
  prompt_version: 'VARCHAR',
  prompt_tokens: 'INTEGER',
  completion_tokens: 'INTEGER',
  cost_usd: 'DOUBLE',
  facts: 'STRUCT(id VARCHAR, category VARCHAR, claim VARCHAR, quote VARCHAR, source_url VARCHAR, verified BOOLEAN)[]',
  findings: 'JSON',
  failure_stage: 'VARCHAR',
  failure_reason: 'VARCHAR',
  researched_at: 'VARCHAR',
  intent_score: 'INTEGER',
};

// The Glue `signals` table's schema, in DuckDB types.
const SIGNAL_COLUMNS: Record<string, string> = {
  signal_key: 'VARCHAR', run_id: 'VARCHAR', company_name: 'VARCHAR', domain: 'VARCHAR', icp: 'VARCHAR', kind: 'VARCHAR',
  summary: 'VARCHAR', item: 'VARCHAR', job_function: 'VARCHAR', seniority: 'VARCHAR', persona_match: 'BOOLEAN',
  plan: 'VARCHAR', price_before: 'VARCHAR', price_after: 'VARCHAR', topic: 'VARCHAR', before_quote: 'VARCHAR',
  after_quote: 'VARCHAR', before_key: 'VARCHAR', after_key: 'VARCHAR', url: 'VARCHAR', page_kind: 'VARCHAR',
  observed_at: 'VARCHAR', intent_score: 'INTEGER', detected_at: 'VARCHAR',
};

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** DuckDB refused the caller's statement (a syntax error, an unknown table or column, a bad parameter): its message as is. */
export class LakeSqlError extends Error {
  readonly statement: string;
  constructor(statement: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'LakeSqlError';
    this.statement = statement;
  }
}

export interface LakeQueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

/** A view over one table's JSONL parts (`<dir>/dt=…/run=…/*.jsonl`), empty with the same columns when there are none. */
function tableSource(dir: string, columns: Record<string, string>): string {
  const spec = `{${Object.entries(columns).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(', ')}}`;
  return existsSync(dir)
    ? `read_json(${sqlString(join(dir, '*', '*', '*.jsonl'))}, format = 'newline_delimited', columns = ${spec}, hive_partitioning = true, union_by_name = true)`
    : `(SELECT ${Object.entries(columns).map(([k, v]) => `CAST(NULL AS ${v}) AS ${k}`).join(', ')}, CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS VARCHAR) AS run WHERE false)`;
}

/**
 * Runs SQL over the lake folder; `research` is the research table, `signals` the signals table.
 * A statement DuckDB refuses throws a LakeSqlError with DuckDB's message.
 */
export async function queryLake(lakeDir: string, sql: string, params: string[] = []): Promise<LakeQueryResult> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    // Athena reads the partition as text: so does the twin (hive partitioning would infer a date).
    await conn.run(`CREATE VIEW research AS SELECT * REPLACE (CAST(dt AS VARCHAR) AS dt) FROM ${tableSource(join(lakeDir, 'research'), COLUMNS)}`);
    await conn.run(`CREATE VIEW signals AS SELECT * REPLACE (CAST(dt AS VARCHAR) AS dt) FROM ${tableSource(join(lakeDir, 'intent', 'signals'), SIGNAL_COLUMNS)}`);
    const reader = await (params.length
      ? (async () => {
          const prepared = await conn.prepare(sql);
          params.forEach((p, i) => prepared.bindVarchar(i + 1, p));
          return prepared.runAndReadAll();
        })()
      : conn.runAndReadAll(sql)
    ).catch((error: unknown) => {
      throw new LakeSqlError(sql, error);
    });
    return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Record<string, unknown>[] };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The named queries (file stem → SQL), local overrides first. */
export async function namedQueries(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of (await readdir(QUERIES_DIR)).filter((f) => f.endsWith('.sql')).sort()) {
    const name = file.replace(/\.sql$/, '');
    const override = join(LOCAL_OVERRIDES, file);
    out[name] = await readFile(existsSync(override) ? override : join(QUERIES_DIR, file), 'utf8');
  }
  return out;
}
