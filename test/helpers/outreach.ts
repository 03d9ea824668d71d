/**
 * Rows for outreach tests, written with plain SQL through the `Sql` port so the same helpers run
 * on PGlite and through the Data API adapter (every parameter cast where its type matters).
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '#core/ports.ts';

/** A researched lead: run, company, lead, one page, one research with a verified and an unverified fact. */
export interface SeededLead {
  runId: string;
  leadId: string;
  email: string;
  researchId: string;
  verifiedFactId: string;
  unverifiedFactId: string;
}

/**
 * A researched lead of an ICP (fit 80) in a run of its own, as DraftOutreach finds one after
 * CommitResearch; `companyOf` puts it at another lead's company.
 */
export async function seedResearchedLeadOfIcp(
  sql: Sql,
  workspaceId: string,
  icpId: string,
  domain: string,
  name: string,
  companyOf?: string,
): Promise<SeededLead> {
  const lead = await seedResearchedLead(sql, workspaceId, domain, name);
  if (companyOf) await sql.query(`UPDATE lead SET company_id = (SELECT company_id FROM lead WHERE id = :other::uuid) WHERE id = :lead::uuid`, { other: companyOf, lead: lead.leadId });
  await sql.query(`UPDATE lead SET icp_id = :icp::uuid WHERE id = :lead::uuid`, { icp: icpId, lead: lead.leadId });
  await sql.query(
    `INSERT INTO run_lead (run_id, lead_id, icp_id, is_new, status, research_id) VALUES (:run::uuid, :lead::uuid, :icp::uuid, true, 'researched', :r::uuid)`,
    { run: lead.runId, lead: lead.leadId, icp: icpId, r: lead.researchId },
  );
  return lead;
}

/** Writes a researched lead at `domain` in the workspace. */
export async function seedResearchedLead(sql: Sql, workspaceId: string, domain: string, name = 'Dana Ruiz'): Promise<SeededLead> {
  const ids = { runId: randomUUID(), companyId: randomUUID(), leadId: randomUUID(), snapshotId: randomUUID(), researchId: randomUUID() };
  const email = `${name.split(' ')[0].toLowerCase()}@${domain}`;
  await sql.query(
    `INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:runId::uuid, :ws::uuid, 'manual', 'offline-heuristic', 'fixture')`,
    { runId: ids.runId, ws: workspaceId },
  );
  await sql.query(
    `INSERT INTO lead_company (id, workspace_id, domain, name, website) VALUES (:companyId::uuid, :ws::uuid, :domain, :name, :website)`,
    { companyId: ids.companyId, ws: workspaceId, domain, name: domain.split('.')[0], website: `https://${domain}` },
  );
  await sql.query(
    `INSERT INTO lead (id, workspace_id, company_id, email, name, title) VALUES (:leadId::uuid, :ws::uuid, :companyId::uuid, :email, :name, 'VP Finance')`,
    { leadId: ids.leadId, ws: workspaceId, companyId: ids.companyId, email, name },
  );
  await sql.query(
    `INSERT INTO page_snapshot (id, company_id, run_id, url, outcome, content_sha256, raw_key)
     VALUES (:snapshotId::uuid, :companyId::uuid, :runId::uuid, :url, 'fetched', :hash, 'raw/x.html.gz')`,
    { snapshotId: ids.snapshotId, companyId: ids.companyId, runId: ids.runId, url: `https://${domain}/`, hash: 'a'.repeat(64) },
  );
  await sql.query(
    `INSERT INTO research (id, lead_id, run_id, idempotency_key, status, llm_provider, model, prompt_version, fit_score, summary, findings)
     VALUES (:researchId::uuid, :leadId::uuid, :runId::uuid, :key, 'researched', 'offline-heuristic', 'none', 'v1', 80, 'summary', '{}'::jsonb)`,
    { researchId: ids.researchId, leadId: ids.leadId, runId: ids.runId, key: `research-${ids.researchId}` },
  );
  const fact = async (localId: string, verified: boolean) => {
    const id = randomUUID();
    await sql.query(
      `INSERT INTO fact (id, research_id, local_id, category, claim, quote, snapshot_id, source_url, verified)
       VALUES (:id::uuid, :researchId::uuid, :localId, 'news', 'Opened a site', 'We opened two cross-dock sites', :snapshotId::uuid, :url, :verified)`,
      { id, researchId: ids.researchId, localId, snapshotId: ids.snapshotId, url: `https://${domain}/`, verified },
    );
    return id;
  };
  return {
    runId: ids.runId,
    leadId: ids.leadId,
    email,
    researchId: ids.researchId,
    verifiedFactId: await fact('f1', true),
    unverifiedFactId: await fact('f2', false),
  };
}

/** A drafted sequence: email (variants a and b), a follow-up and a LinkedIn note, all grounded. */
export interface DraftedSequence {
  sequenceId: string;
  experimentId: string;
  steps: { email: string; followUp: string; linkedin: string };
  messages: { a: string; b: string; followUp: string; linkedin: string };
}

export const SAMPLE_TONE = {
  formality: 0.6,
  warmth: 0.7,
  directness: 0.8,
  language: 'en-US',
  maxWords: 110,
  callToAction: 'Worth a 15-minute look next week?',
  bannedPhrases: ['synergy'],
  signature: 'Maya',
};

/** Drafts a sequence for a seeded lead (status draft, messages grounded). */
export async function draftSequence(sql: Sql, workspaceId: string, lead: SeededLead, key = `seq-${lead.leadId}`): Promise<DraftedSequence> {
  const experiment = await sql.query<{ id: string }>(
    `INSERT INTO experiment (id, workspace_id, name) VALUES (:id::uuid, :ws::uuid, 'first-touch-angle')
     ON CONFLICT (workspace_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    { id: randomUUID(), ws: workspaceId },
  );
  const experimentId = experiment.rows[0].id;
  await sql.query(
    `INSERT INTO experiment_variant (experiment_id, variant, angle) VALUES (:e::uuid, 'a', 'problem'), (:e::uuid, 'b', 'proof')
     ON CONFLICT DO NOTHING`,
    { e: experimentId },
  );
  const sequenceId = randomUUID();
  await sql.query(
    `INSERT INTO sequence (id, workspace_id, lead_id, research_id, run_id, persona_name, rep_email, tone, source, experiment_id, idempotency_key)
     VALUES (:id::uuid, :ws::uuid, :leadId::uuid, :researchId::uuid, :runId::uuid, 'Finance leader', 'maya.okafor@tallyhand.com',
             :tone::jsonb, 'template', :experimentId::uuid, :key)`,
    { id: sequenceId, ws: workspaceId, leadId: lead.leadId, researchId: lead.researchId, runId: lead.runId, tone: SAMPLE_TONE, experimentId, key },
  );
  const step = async (position: number, kind: string, dayOffset: number) => {
    const id = randomUUID();
    await sql.query(
      `INSERT INTO sequence_step (id, sequence_id, position, kind, day_offset) VALUES (:id::uuid, :seq::uuid, :position, :kind, :dayOffset)`,
      { id, seq: sequenceId, position, kind, dayOffset },
    );
    return id;
  };
  const steps = { email: await step(1, 'email', 0), linkedin: await step(2, 'linkedin_connection_note', 1), followUp: await step(3, 'follow_up_email', 3) };
  const message = async (stepId: string, variant: string | null, angle: string, subject: string | null, body: string) => {
    const id = randomUUID();
    await sql.query(
      `INSERT INTO message (id, sequence_id, step_id, research_id, variant, angle, subject, body, source, prompt_version,
                            grounding, checker_version, checked_at)
       VALUES (:id::uuid, :seq::uuid, :stepId::uuid, :researchId::uuid, :variant, :angle, :subject, :body, 'template', 'template-v1',
               'grounded', 'grounding-v1', now())`,
      { id, seq: sequenceId, stepId, researchId: lead.researchId, variant, angle, subject, body },
    );
    return id;
  };
  const messages = {
    a: await message(steps.email, 'a', 'problem', 'Cross-dock sites', 'You opened two cross-dock sites. Worth a 15-minute look next week?'),
    b: await message(steps.email, 'b', 'proof', 'Keelhaul Freight', 'Keelhaul Freight cut invoice time by 72%. Worth a 15-minute look next week?'),
    linkedin: await message(steps.linkedin, null, 'connection', null, 'Saw the new cross-dock sites. Glad to connect.'),
    followUp: await message(steps.followUp, null, 'follow_up', 'Re: Cross-dock sites', 'One more thought on the new sites.'),
  };
  return { sequenceId, experimentId, steps, messages };
}

/** Records a decision and moves the sequence to it, in one transaction. */
export async function decide(
  sql: Sql,
  sequenceId: string,
  decision: 'approved' | 'rejected',
  options: { reason?: string; autopilot?: boolean; flagsOverridden?: number } = {},
): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO approval (id, sequence_id, decision, decided_by_email, autopilot, reason, flags_overridden)
       VALUES (:id::uuid, :seq::uuid, :decision, :by, :autopilot, :reason, :flags)`,
      {
        id: randomUUID(),
        seq: sequenceId,
        decision,
        by: options.autopilot ? null : 'maya.okafor@tallyhand.com',
        autopilot: options.autopilot ?? false,
        reason: options.reason ?? null,
        flags: options.flagsOverridden ?? 0,
      },
    );
    await tx.query(`UPDATE sequence SET status = :decision, status_reason = :reason WHERE id = :seq::uuid`, {
      seq: sequenceId,
      decision,
      reason: decision === 'rejected' ? (options.reason ?? 'rejected') : null,
    });
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the statement to be refused, but it succeeded');
}

/** A run's lead with its status, fit, its ICP's threshold and its sequence (if any). */
export interface LeadOfRun {
  email: string;
  status: string;
  fit: number | null;
  threshold: number;
  sequence: string | null;
  sequenceRun: string | null;
  source: string | null;
  sequenceStatus: string | null;
}

/** The leads of run `runId`, by email, with their fit, threshold and sequence (if any). */
export async function leadsOfRun(sql: Sql, runId: string): Promise<LeadOfRun[]> {
  const r = await sql.query<LeadOfRun>(
    `SELECT l.email, rl.status, r.fit_score AS fit, i.fit_threshold AS threshold, s.id AS sequence, s.run_id AS "sequenceRun", s.source, s.status AS "sequenceStatus"
       FROM run_lead rl JOIN lead l ON l.id = rl.lead_id
       LEFT JOIN research r ON r.id = rl.research_id
       LEFT JOIN icp i ON i.id = COALESCE(l.icp_id, rl.icp_id)
       LEFT JOIN sequence s ON s.lead_id = rl.lead_id
      WHERE rl.run_id = :runId::uuid ORDER BY l.email`,
    { runId },
  );
  return r.rows;
}
