/**
 * ListRunLeads on PGlite and a folder lake: a run larger than one Data API page (5,000 ids) is
 * listed whole into the JSONL manifest, and a redrive lists exactly the failed leads.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { jsonLog } from '#core/log.ts';
import { defaultPipelineConfig, type Deps } from '#core/pipeline/deps.ts';
import { readLeadBatches } from '#core/pipeline/lead-manifest.ts';
import { LEAD_PAGE_SIZE, leadBatchSizeFor, listRunLeads } from '#core/pipeline/list-run-leads.ts';
import { restrictDeps } from '#core/pipeline/step-ports.ts';
import { onboardedDb } from '#test/helpers/db.ts';

const LEADS = LEAD_PAGE_SIZE + 7;
let db: PgliteSql;
let dir: string;
let deps: Deps;
const runId = randomUUID();

beforeAll(async () => {
  const onboarded = await onboardedDb();
  db = onboarded.db;
  dir = await mkdtemp(join(tmpdir(), 'list-run-leads-'));
  const unused = () => {
    throw new Error('ListRunLeads must not use this port');
  };
  deps = restrictDeps('ListRunLeads', {
    sql: db,
    lake: new FolderLake(dir),
    llm: { provider: 'none', complete: unused } as never,
    leadSearch: { name: 'none', searchLeads: unused } as never,
    web: { fetch: unused } as never,
    log: jsonLog({ level: 'silent' }),
    clock: { now: () => new Date() },
    newId: randomUUID,
    config: defaultPipelineConfig,
  });
  const ws = onboarded.workspaceId;
  await db.query(`INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:runId::uuid, :ws::uuid, 'manual', 'offline-heuristic', 'fixture')`, { runId, ws });
  const companyId = randomUUID();
  await db.query(`INSERT INTO lead_company (id, workspace_id, domain, name, website) VALUES (:companyId::uuid, :ws::uuid, 'many.example', 'Many', 'https://many.example')`, { companyId, ws });
  await db.query(
    `INSERT INTO lead (id, workspace_id, company_id, email, name)
     SELECT gen_random_uuid(), :ws::uuid, :companyId::uuid, 'lead' || i || '@many.example', 'Lead ' || i FROM generate_series(1, :n) AS i`,
    { ws, companyId, n: LEADS },
  );
  await db.query(`INSERT INTO run_lead (run_id, lead_id, is_new) SELECT :runId::uuid, id, true FROM lead WHERE company_id = :companyId::uuid`, { runId, companyId });
}, 120_000);
afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

async function manifestIds(key: string): Promise<string[]> {
  const { batches, done } = await readLeadBatches(new FolderLake(dir), { key, offset: 0, maxItemsPerBatch: 1000, windowBatches: 1000 });
  expect(done).toBe(true);
  return batches.flatMap((b) => b.Items.map((i) => i.leadId));
}

describe('ListRunLeads', () => {
  it('batches leadBatchSize leads a child, fewer when the run is too small to keep every child busy', () => {
    expect(leadBatchSizeFor(20_000, 4, 10)).toBe(10);
    expect(leadBatchSizeFor(8, 4, 10)).toBe(2);
    expect(leadBatchSizeFor(1, 4, 10)).toBe(1);
    expect(leadBatchSizeFor(0, 4, 10)).toBe(1);
  });

  it('lists a run of more than one page into the manifest, every pending lead once, and returns only its key and count', async () => {
    const out = await listRunLeads(deps, { runId });
    expect(Object.keys(out).sort()).toEqual(['batchSize', 'count', 'manifestKey']);
    expect(out.batchSize).toBe(1);
    expect(out.count).toBe(LEADS);
    expect(out.manifestKey).toMatch(new RegExp(`^manifests/run=${runId}/leads-[0-9a-f]{64}\\.jsonl$`));
    const ids = await manifestIds(out.manifestKey);
    const pending = (await db.query<{ lead_id: string }>(`SELECT lead_id FROM run_lead WHERE run_id = :runId::uuid`, { runId })).rows.map((r) => r.lead_id);
    expect(ids.length).toBe(LEADS);
    expect(new Set(ids)).toEqual(new Set(pending));
  }, 120_000);

  it('on a redrive resets the failed leads to pending and lists exactly those', async () => {
    await db.query(`UPDATE run_lead SET status = 'researched' WHERE run_id = :runId::uuid`, { runId });
    const failed = (await db.query<{ lead_id: string }>(
      `UPDATE run_lead SET status = 'failed', reason = 'Unreachable: x' WHERE run_id = :runId::uuid AND lead_id IN (SELECT lead_id FROM run_lead WHERE run_id = :runId::uuid ORDER BY lead_id DESC LIMIT 3) RETURNING lead_id`,
      { runId },
    )).rows.map((r) => r.lead_id);
    const out = await listRunLeads(deps, { runId, redrive: true });
    expect(out.count).toBe(3);
    expect((await manifestIds(out.manifestKey)).sort()).toEqual(failed.sort());
    const statuses = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM run_lead WHERE run_id = :runId::uuid GROUP BY status ORDER BY status`, { runId });
    expect(statuses.rows).toEqual([{ status: 'pending', n: 3 }, { status: 'researched', n: LEADS - 3 }]);
  }, 120_000);
});
