import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { insertSignals, listSignals, loadIntent, recordChangeCheck, listChangeChecks, saveIntent } from '#core/intent/repository.ts';
import type { Signal } from '#core/intent/types.ts';
import { onboardedDb } from '../helpers/db.ts';
import { seedResearchedLead } from '../helpers/outreach.ts';

let db: PgliteSql | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

const signal = (over: Partial<Signal> = {}): Signal => ({
  kind: 'job_opened',
  detail: { item: 'VP of Finance — Finance — Chicago, IL', function: 'finance', seniority: 'vp' },
  summary: 'New opening: VP of Finance (finance, vp)',
  beforeQuote: null,
  afterQuote: 'VP of Finance — Finance — Chicago, IL',
  beforeKey: null,
  afterKey: 'clean/text/domain=acme.example/' + 'b'.repeat(64) + '.md',
  beforeSnapshotId: null,
  afterSnapshotId: null,
  url: 'https://acme.example/careers',
  pageKind: 'careers',
  observedAt: '2026-12-01T10:00:00.000Z',
  dedupeKey: 'c'.repeat(64),
  ...over,
});

describe('intent repository (sql/0020_intent.sql)', () => {
  it('stores a signal once per company and dedupe key, and lists it with its quotes and keys', async () => {
    const opened = await onboardedDb();
    db = opened.db;
    const lead = await seedResearchedLead(db, opened.workspaceId, 'acme.example');
    const { rows } = await db.query<{ company_id: string }>(`SELECT company_id FROM lead WHERE id = :id::uuid`, { id: lead.leadId });
    const companyId = rows[0].company_id;
    const input = { workspaceId: opened.workspaceId, companyId, runId: lead.runId, signals: [signal()], newId: randomUUID };
    expect(await insertSignals(db, input)).toBe(1);
    expect(await insertSignals(db, input)).toBe(0);
    const listed = await listSignals(db, companyId);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ kind: 'job_opened', afterQuote: 'VP of Finance — Finance — Chicago, IL', beforeQuote: null, runId: lead.runId });
    expect(listed[0].detail.seniority).toBe('vp');

    // a quote without its lake key is refused by the schema
    await expect(insertSignals(db, { ...input, signals: [signal({ dedupeKey: 'd'.repeat(64), afterKey: null })] })).rejects.toThrow();
    // an unknown kind is refused
    await expect(insertSignals(db, { ...input, signals: [signal({ dedupeKey: 'e'.repeat(64), kind: 'rumour' as never })] })).rejects.toThrow();

    const icp = await db.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid ORDER BY slug LIMIT 1`, { ws: opened.workspaceId });
    await saveIntent(db, { workspaceId: opened.workspaceId, companyId, icpId: icp.rows[0].id, score: 42, reasons: [], signals: 1, rulesVersion: 'intent-1', computedAt: new Date('2026-12-01T11:00:00Z') });
    await saveIntent(db, { workspaceId: opened.workspaceId, companyId, icpId: icp.rows[0].id, score: 57, reasons: [], signals: 1, rulesVersion: 'intent-1', computedAt: new Date('2026-12-01T12:00:00Z') });
    expect((await loadIntent(db, companyId, null))?.score).toBe(57);
    await expect(saveIntent(db, { workspaceId: opened.workspaceId, companyId, icpId: icp.rows[0].id, score: 101, reasons: [], signals: 1, rulesVersion: 'intent-1', computedAt: new Date() })).rejects.toThrow();

    await recordChangeCheck(db, { runId: lead.runId, companyId, status: 'unchanged', pages: 5, pagesUnchanged: 5, pagesNotModified: 0, pagesChanged: 0, pagesRemoved: 0, signals: 0, error: null });
    await recordChangeCheck(db, { runId: lead.runId, companyId, status: 'changed', pages: 5, pagesUnchanged: 4, pagesNotModified: 0, pagesChanged: 1, pagesRemoved: 0, signals: 1, error: null });
    expect(await listChangeChecks(db, lead.runId)).toEqual([expect.objectContaining({ status: 'changed', pagesChanged: 1 })]);
  });
});
