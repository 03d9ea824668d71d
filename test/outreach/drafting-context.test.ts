/**
 * What drafting reads of the onboarding (`loadOnboarding`, one statement) is the onboarding file
 * as imported, with the lead's one ICP and no suppressions: on PGlite, and through the Data API
 * adapter against the loopback Data API, which types every value as the service does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import { loadOnboarding } from '#core/outreach/drafting-context.ts';
import type { Sql } from '#core/ports.ts';
import { FakeDataApi } from '#test/fakes/fake-data-api.ts';
import { dataApiSqlOn } from '#test/helpers/data-api-runtime.ts';
import { freshDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';

let file: Onboarding;
let fake: FakeDataApi | undefined;
const databases: { name: string; sql: Sql; workspaceId: string }[] = [];

beforeAll(async () => {
  file = await loadOnboardingFile(SAMPLE_ONBOARDING);
  const pglite = await freshDb();
  fake = await FakeDataApi.start({ schema: 'migrated' });
  const dataApi = dataApiSqlOn(fake);
  for (const [name, sql] of [['PGlite', pglite], ['the Data API', dataApi]] as const) {
    const { workspaceId } = await importOnboarding(sql, file);
    databases.push({ name, sql, workspaceId });
  }
}, 120_000);

afterAll(async () => {
  for (const d of databases) await d.sql.close();
  await fake?.close();
});

/**
 * The file as drafting sees it: the lead's ICP only, and none of what drafting does not read
 * (suppressions are checked before drafting; the postal address goes into the footer at send
 * time; knowledge documents answer replies), and the users in the order of their addresses.
 */
function draftingView(icp: Onboarding['icps'][number]): unknown {
  const { postalAddress: _postalAddress, ...company } = file.company;
  const users = [...file.users].sort((a, b) => (a.email < b.email ? -1 : 1));
  return { ...file, users, company, icps: [icp], suppressions: [], knowledge: [] };
}

async function icpIdOf(sql: Sql, workspaceId: string, slug: string): Promise<string> {
  const r = await sql.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid AND slug = :slug`, { ws: workspaceId, slug });
  return r.rows[0].id;
}

describe('loadOnboarding', () => {
  it('reads back the imported file with the one ICP, its personas in order, on both databases', async () => {
    for (const fileIcp of file.icps) {
      // a range the file leaves out is stored as none and read back as null
      const icp = { ...fileIcp, employees: fileIcp.employees ?? null, revenueUsd: fileIcp.revenueUsd ?? null };
      for (const { name, sql, workspaceId } of databases) {
        const icpId = await icpIdOf(sql, workspaceId, icp.slug);
        const loaded = await loadOnboarding(sql, workspaceId, icpId);
        expect(loaded.onboarding, `${icp.slug} on ${name}`).toEqual(draftingView(icp));
        expect(loaded.icp).toEqual({ icp, icpId, genericDrafts: icp.genericDrafts });
      }
    }
  });

  it('names what is missing: a workspace that does not exist, an ICP of another workspace', async () => {
    const { sql, workspaceId } = databases[0];
    const icpId = await icpIdOf(sql, workspaceId, file.icps[0].slug);
    await expect(loadOnboarding(sql, '00000000-0000-4000-8000-000000000000', icpId)).rejects.toThrow(/workspace 00000000-0000-4000-8000-000000000000 does not exist/);
    await expect(loadOnboarding(sql, workspaceId, '00000000-0000-4000-8000-000000000000')).rejects.toThrow(/ICP 00000000-0000-4000-8000-000000000000 is not an ICP of workspace/);
  });
});
