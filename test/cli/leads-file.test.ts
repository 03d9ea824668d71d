/** Leads files (`prospector run --leads FILE`): what is read, and errors that say what was found and what was expected. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_SEARCH_RESULTS } from '#core/pipeline/search-leads.ts';
import { closestColumn, detectDelimiter, readLeadsFile } from '#local/runner.ts';

const LEAD = { company_name: 'Quillstack', company_website: 'https://quillstack.example', lead_email: 'rachel.stein@quillstack.example', lead_name: 'Rachel Stein' };

describe('readLeadsFile', () => {
  let dir: string;
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prospector-leads-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing file is "file not found", naming it', async () => {
    await expect(readLeadsFile(join(dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: file not found/);
  });

  test('a misspelt column is named with the one meant, and the delimiter detected', async () => {
    const path = await file('typo.csv', 'company_name;company_website;lead_emial;lead_name\nA;https://a.example;a@a.example;A\n');
    await expect(readLeadsFile(path)).rejects.toThrow(
      /missing column\(s\) lead_email; found `company_name`, `company_website`, `lead_emial`, `lead_name` \(semicolon-delimited\); found `lead_emial`; did you mean `lead_email`\?/,
    );
  });

  test('semicolon, tab and pipe files are read like comma files', async () => {
    for (const [name, d] of [['semi.csv', ';'], ['tab.tsv', '\t'], ['pipe.csv', '|']] as const) {
      const path = await file(name, `${Object.keys(LEAD).join(d)}\n${Object.values(LEAD).join(d)}\n`);
      expect(await readLeadsFile(path), name).toEqual([LEAD]);
    }
    expect(detectDelimiter('a,b;c')).toBe(',');
    expect(closestColumn('company')).toBeUndefined();
  });

  test('a JSON object where a list is expected is said in plain words, pointing at the list inside', async () => {
    const path = await file('wrapped.json', JSON.stringify({ leads: [LEAD] }));
    await expect(readLeadsFile(path)).rejects.toThrow(/holds a JSON object where a list of leads was expected: write a JSON array.*the list under "leads"/);
  });

  test('a JSON row with a field missing or of the wrong kind is named by its row and field, in words', async () => {
    const { company_website: _, ...noWebsite } = LEAD;
    const path = await file('rows.json', JSON.stringify([noWebsite, { ...LEAD, company_name: 5 }, 7]));
    const error = await readLeadsFile(path).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe(
      'leads file is invalid:\n' +
        '  - row 1: company_website is missing\n' +
        '  - row 2: company_name must be a string, not the number 5\n' +
        '  - row 3: must be an object, not the number 7',
    );
  });

  test('a file over the per-run bound is refused with its count and the bound, before any row is validated', async () => {
    const over = MAX_SEARCH_RESULTS + 1;
    const row = Object.values(LEAD).join(',');
    const path = await file('huge.csv', `${Object.keys(LEAD).join(',')}\n${`${row}\n`.repeat(over)}`);
    await expect(readLeadsFile(path)).rejects.toThrow(/huge\.csv: holds 100,001 leads; one run takes at most 100,000 from a file: split it/);
    const ok = await file('twenty-thousand.json', JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ ...LEAD, lead_email: `lead${i}@quillstack.example` }))));
    expect(await readLeadsFile(ok)).toHaveLength(20_000);
  });

  test('a file with a header and no rows gives a warning, not an error', async () => {
    const warnings: string[] = [];
    const path = await file('empty.csv', `${Object.keys(LEAD).join(',')}\n`);
    expect(await readLeadsFile(path, { onWarning: (w) => warnings.push(w) })).toEqual([]);
    expect(warnings).toEqual([`leads file ${path} has no rows: the run has no leads to research`]);
  });
});
