/**
 * A populated home for the web app's tests, built in seconds: the sample seller and a second
 * workspace (Rival Co) on one PGlite database, researched leads and drafted sequences written
 * through the same helpers the outreach tests use, messages re-checked by the real grounding
 * checker (so citations and verdicts are the checker's), stored page text in a folder lake, and
 * one quote that carries a `<script>` as a hostile page would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { editMessage } from '#core/outreach/repository.ts';
import { createLoginLink } from '#web/sessions.ts';
import { onboardedDb, SAMPLE_ONBOARDING } from './db.ts';
import { draftSequence, seedResearchedLead, type DraftedSequence, type SeededLead } from './outreach.ts';

export const EVIL_QUOTE = `We opened two cross-dock sites <script>document.title='pwned'</script> & "more"`;
export const FAILURE_MESSAGE = 'https://evil-quotes.example/: no answer in 8000 ms <img src=x onerror=alert(1)>';
export const STORED_TEXT = '# Keelhaul Freight\n\nWe opened two cross-dock sites this spring.\n';

export interface WebFixture {
  db: PgliteSql;
  lake: FolderLake;
  lakeDir: string;
  /** the sample seller */
  tallyhand: { workspaceId: string; userId: string; email: string };
  /** a second seller whose rows the first must never see */
  rival: { workspaceId: string; userId: string; email: string };
  leads: { keelhaul: SeededLead; evil: SeededLead; granite: SeededLead; rivalLead: SeededLead };
  sequences: { keelhaul: DraftedSequence; evil: DraftedSequence; granite: DraftedSequence; rival: DraftedSequence };
  /** a fresh one-time login token for a user */
  loginToken(userId: string): Promise<string>;
  close(): Promise<void>;
}

async function userId(db: PgliteSql, workspaceId: string, email: string): Promise<string> {
  return (await db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :email`, { ws: workspaceId, email })).rows[0].id;
}

/** Points a lead's fetched page at stored clean text in the lake. */
async function storeCleanText(db: PgliteSql, lake: FolderLake, lead: SeededLead, domain: string): Promise<void> {
  const key = `clean/text/domain=${domain}/${'b'.repeat(64)}.md`;
  await lake.put(key, STORED_TEXT);
  await db.query(
    `UPDATE page_snapshot SET clean_key = :key WHERE id = (SELECT snapshot_id FROM fact WHERE research_id = :r::uuid AND local_id = 'f1')`,
    { key, r: lead.researchId },
  );
}

/** The seeded run as the pipeline leaves it: the lead researched, one more failed with a hostile message, one skipped. */
async function recordRun(db: PgliteSql, researched: SeededLead, [failed, skipped]: SeededLead[]): Promise<void> {
  const run = researched.runId;
  await db.query(
    `INSERT INTO run_lead (run_id, lead_id, is_new, status, research_id) VALUES (:run::uuid, :lead::uuid, true, 'researched', :r::uuid)`,
    { run, lead: researched.leadId, r: researched.researchId },
  );
  await db.query(`INSERT INTO run_lead (run_id, lead_id, is_new, status, reason) VALUES (:run::uuid, :lead::uuid, true, 'failed', :reason)`, {
    run, lead: failed.leadId, reason: FAILURE_MESSAGE,
  });
  await db.query(
    `INSERT INTO lead_failure (id, run_id, lead_id, stage, error_name, message) VALUES (gen_random_uuid(), :run::uuid, :lead::uuid, 'fetch', 'FetchTimeout', :message)`,
    { run, lead: failed.leadId, message: FAILURE_MESSAGE },
  );
  await db.query(`INSERT INTO run_lead (run_id, lead_id, is_new, status, reason) VALUES (:run::uuid, :lead::uuid, true, 'skipped', 'robots.txt disallows /')`, {
    run, lead: skipped.leadId,
  });
  await db.query(`UPDATE run SET status = 'succeeded', finished_at = started_at + interval '42 seconds' WHERE id = :run::uuid`, { run });
}

/** Builds the fixture (about a second on a fresh worker after the template exists). */
export async function webFixture(): Promise<WebFixture> {
  const { db, workspaceId } = await onboardedDb();
  const lakeDir = await mkdtemp(join(tmpdir(), 'prospector-web-lake-'));
  const lake = new FolderLake(lakeDir);
  const sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
  const rivalDoc = structuredClone(sample);
  rivalDoc.workspace = { slug: 'rival-co', name: 'Rival Co' };
  rivalDoc.users = rivalDoc.users.map((u) => ({ ...u, email: u.email.replace('@tallyhand.com', '@rival.example') }));
  const rival = await importOnboarding(db, rivalDoc);

  const keelhaul = await seedResearchedLead(db, workspaceId, 'keelhaul-freight.example', 'Dana Ruiz');
  const evil = await seedResearchedLead(db, workspaceId, 'evil-quotes.example', 'Eve Mallory');
  const granite = await seedResearchedLead(db, workspaceId, 'granite-state.example', 'Gus Hale');
  const rivalLead = await seedResearchedLead(db, rival.workspaceId, 'rival-target.example', 'Rita Secret');
  await db.query(`UPDATE fact SET quote = :q WHERE research_id = :r::uuid AND local_id = 'f1'`, { q: EVIL_QUOTE, r: evil.researchId });
  for (const [lead, domain] of [[keelhaul, 'keelhaul-freight.example'], [evil, 'evil-quotes.example']] as const) await storeCleanText(db, lake, lead, domain);

  await recordRun(db, keelhaul, [evil, granite]);

  const sequences = {
    keelhaul: await draftSequence(db, workspaceId, keelhaul),
    evil: await draftSequence(db, workspaceId, evil),
    granite: await draftSequence(db, workspaceId, granite),
    rival: await draftSequence(db, rival.workspaceId, rivalLead),
  };
  await db.query(`UPDATE sequence SET rep_email = 'maya.okafor@rival.example' WHERE id = :id::uuid`, { id: sequences.rival.sequenceId });
  // The first touch cites the fact, as drafting writes it; the checker reads it and stores the citation.
  for (const s of [sequences.keelhaul, sequences.evil]) {
    await editMessage(db, s.messages.a, { body: 'You opened two cross-dock sites. [f1] Worth a 15-minute look next week?' });
  }

  const tallyhandUser = await userId(db, workspaceId, 'maya.okafor@tallyhand.com');
  const rivalUser = await userId(db, rival.workspaceId, 'maya.okafor@rival.example');
  return {
    db,
    lake,
    lakeDir,
    tallyhand: { workspaceId, userId: tallyhandUser, email: 'maya.okafor@tallyhand.com' },
    rival: { workspaceId: rival.workspaceId, userId: rivalUser, email: 'maya.okafor@rival.example' },
    leads: { keelhaul, evil, granite, rivalLead },
    sequences,
    loginToken: async (user) => (await createLoginLink(db, user)).token,
    close: async () => {
      await db.close();
      await rm(lakeDir, { recursive: true, force: true });
    },
  };
}
