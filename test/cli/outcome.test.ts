/**
 * `prospector outcome` as a rep runs it (in this process: test/helpers/cli-in-process.ts) over a
 * temporary PROSPECTOR_HOME: an outcome on a sequence that sent an email, and one on an approved
 * sequence that never sent anything, which the command says `prospector calibration` leaves out.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { SAMPLE_ONBOARDING } from '#local/cli.ts';
import { cliEnv, closeCliDatabases, homeDatabase, lastJson, prospector } from '#test/helpers/cli-in-process.ts';
import { recordFirstSent, seedApprovedLead, type ApprovedLead } from '#test/helpers/sending.ts';
import { migratedHome } from '#test/helpers/home.ts';

let home: string;
let env: NodeJS.ProcessEnv;
let sent: ApprovedLead;
let unsent: ApprovedLead;

beforeAll(async () => {
  home = await migratedHome('prospector-outcome-');
  env = cliEnv(home);
  const sql = await homeDatabase(home);
  const { workspaceId } = await importOnboarding(sql, await loadOnboardingFile(SAMPLE_ONBOARDING));
  sent = await seedApprovedLead(sql, workspaceId, 'sent.example', { name: 'Sam Sent' });
  await recordFirstSent(sql, sent);
  unsent = await seedApprovedLead(sql, workspaceId, 'unsent.example', { name: 'Una Unsent' });
}, 300_000);

afterAll(async () => {
  await closeCliDatabases();
  await rm(home, { recursive: true, force: true });
});

describe('prospector outcome', { timeout: 600_000 }, () => {
  it('records on a sequence that sent an email without a word about calibration', async () => {
    const r = await prospector(['outcome', sent.email, 'won'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Recorded won for ${sent.email} (sequence ${sent.seq.sequenceId.slice(0, 8)}); the sequence is stopped.\n`);
  });

  it('says when the sequence it is kept on never sent an email, so calibration leaves it out', async () => {
    const id = unsent.seq.sequenceId.slice(0, 8);
    const r = await prospector(['outcome', unsent.email, 'won'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Recorded won for ${unsent.email} (sequence ${id}); the sequence is stopped.\n` +
        `No email of sequence ${id} was sent: \`prospector calibration\` counts only sequences that sent one, so it leaves this won out.\n`,
    );
    const again = await prospector(['outcome', unsent.email, 'won', '--json'], env);
    expect(lastJson<{ outcome: unknown }>(again).outcome).toMatchObject({ sequenceId: unsent.seq.sequenceId, recorded: false, emailSent: false });

    // the calibration report indeed counts only the sequence that sent
    const calibration = await prospector(['calibration'], env);
    expect(calibration.code, calibration.stderr).toBe(0);
    expect(calibration.stdout).toContain('Calibration (1 contacted: sequences with at least one email sent)');
  });

  it('says in its help where the outcome is kept and what calibration counts', async () => {
    const help = await prospector(['outcome', '--help'], env);
    expect(help.stdout).toContain("The outcome is kept on the lead's latest approved sequence, whether or not it has sent anything");
    expect(help.stdout).toContain('for sequences that sent an email only');
  });
});
