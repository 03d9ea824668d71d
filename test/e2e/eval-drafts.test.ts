/**
 * `prospector eval --suite drafts --json` as a user runs it (in this process,
 * test/helpers/cli-in-process.ts: the CLI's main with its own environment and output): the sample web
 * researched offline in a temporary home, drafted by the templates and by the LLM drafter
 * against the loopback fake Groq scripted to misbehave; the checker must catch every invented
 * specific and let none be sendable.
 */
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DRAFT_PROMPT_TOKEN_LIMIT } from '#core/outreach/compose.ts';
import { DraftableDirectory, type DraftsEvalResult } from '#local/eval-drafts.ts';
import { DirectoryLeadSearch } from '#adapters/directory-lead-search.ts';
import { SPECIAL_HOSTS } from '#local/sample-web/server.ts';
import { cliEnv, closeCliDatabases, prospector } from '#test/helpers/cli-in-process.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('prospector eval --suite drafts', () => {
  let home: string;
  let result: DraftsEvalResult;
  let stderr: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'prospector-eval-drafts-home-'));
    // GROQ_BASE_URL pointing nowhere proves the suite never leaves its own loopback fake.
    const out = await prospector(['eval', '--suite', 'drafts', '--json'], cliEnv(home, { PROSPECTOR_LOG_LEVEL: 'error', GROQ_BASE_URL: 'http://127.0.0.1:9' }));
    expect(out.code, out.stderr.slice(-2000)).toBe(0);
    result = JSON.parse(out.stdout) as DraftsEvalResult;
    stderr = out.stderr;
  }, 300_000);

  afterAll(async () => {
    await closeCliDatabases();
    await rm(home, { recursive: true, force: true });
  });

  test('catches every invented specific and leaves none sendable', () => {
    expect(result.suite).toBe('drafts');
    expect(result.leadsEligible).toBeGreaterThanOrEqual(5);
    // as drafting does, the directory's team mailbox is left out (its company fits)
    expect(result.roleAddressesLeftOut).toEqual(['accounts@ironbridge-manufacturing.example']);
    expect(result.inventedSpecificsCaught).toBe(1);
    expect(result.sendableWithInventedSpecific).toBe(0);
    expect(result.problems).toEqual([]);
    const llm = result.providers.find((p) => p.provider === 'llm')!;
    expect(llm.inventedSpecificsInjected).toBe(result.leadsEligible * 4);
    expect(llm.inventedSpecificsCaught).toBe(1);
    expect(llm.sendableWithInventedSpecific).toBe(0);
  });

  test('prints the quality figures per provider: clean drafts cite, keep the tone and the length', () => {
    expect(result.providers.map((p) => p.provider)).toEqual(['template', 'llm']);
    for (const p of result.providers) {
      expect(p.leadsDrafted, p.provider).toBe(result.leadsEligible);
      expect(p.citedSentenceRate, p.provider).toBe(1);
      expect(p.toneCompliance, p.provider).toBe(1);
      expect(p.medianWords, p.provider).toBeGreaterThan(20);
      expect(p.medianWords, p.provider).toBeLessThanOrEqual(110);
      expect(p.cleanBlocked, p.provider).toBe(0);
    }
    expect(result.providers[0]).toMatchObject({ model: null, inventedSpecificsInjected: 0, inventedSpecificsCaught: null });
  });

  test(`keeps the drafting prompt of every sample lead, the largest included, under ${DRAFT_PROMPT_TOKEN_LIMIT} tokens`, () => {
    const llm = result.providers.find((p) => p.provider === 'llm')!;
    expect(llm.maxPromptTokens).toBeGreaterThan(0);
    expect(llm.maxPromptTokens).toBeLessThanOrEqual(DRAFT_PROMPT_TOKEN_LIMIT);
  });

  test('researches every lead of the directory but the deliberately slow site, which no draft could come from', async () => {
    for (const keywords of [['freight', 'trucking', 'logistics'], ['saas', 'analytics']]) {
      const all = await new DirectoryLeadSearch().searchLeads(keywords);
      const kept = await new DraftableDirectory().searchLeads(keywords);
      expect(kept).toEqual(all.filter((lead) => !lead.lead_email.endsWith(`@${SPECIAL_HOSTS.slow}`)));
      if (keywords[0] === 'freight') expect(kept.length).toBe(all.length - 1);
    }
  });

  test("works in its own temporary home: the user's home is untouched and --json prints nothing else", async () => {
    expect(await readdir(home)).toEqual([]);
    expect(stderr).toBe('');
  });

  test('the command line loads no test code (a fresh clone need not keep test/ to run it)', async () => {
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else if (/\.(ts|mjs|js)$/.test(e.name)) files.push(join(dir, e.name));
      }
    };
    await walk(join(ROOT, 'local'));
    await walk(join(ROOT, 'lambdas'));
    const offenders: string[] = [];
    for (const f of files) if (/from ['"](?:#test\/|(?:\.\.\/)+test\/)/.test(await readFile(f, 'utf8'))) offenders.push(f);
    expect(offenders).toEqual([]);
  });
});
