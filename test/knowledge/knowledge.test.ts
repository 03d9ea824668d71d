/**
 * Knowledge documents: the onboarding file's `knowledge` entries (errors naming the entry), their
 * storage in the lake and the database on PGlite (content-addressed, stable passage ids,
 * deactivation), the passage splitter, and BM25 retrieval with a known set of passages.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { ValidationError } from '#core/errors.ts';
import { splitPassages } from '#core/knowledge/passages.ts';
import { KnowledgeIndex, loadPassages, MIN_COVERAGE, queryTerms, stem, type KnowledgePassage } from '#core/knowledge/retrieve.ts';
import { importOnboarding, loadOnboardingFile } from '#core/onboarding/import.ts';
import { MAX_KNOWLEDGE_CHARS, parseOnboarding } from '#core/onboarding/schema.ts';
import { freshDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';

let dir: string;
let sampleRaw: Record<string, unknown> & { knowledge: { title: string; path?: string; text?: string }[] };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prospector-knowledge-'));
  sampleRaw = YAML.parse(await readFile(SAMPLE_ONBOARDING, 'utf8'));
  // The sample's documents, by absolute path, so files written here can name them.
  sampleRaw.knowledge = sampleRaw.knowledge.map((k) => ({ ...k, path: path.resolve(path.dirname(SAMPLE_ONBOARDING), k.path!) }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function onboardingWith(name: string, knowledge: unknown[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, YAML.stringify({ ...sampleRaw, knowledge }));
  return file;
}

async function issuesOf(file: string): Promise<Record<string, string>> {
  const error = await loadOnboardingFile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return Object.fromEntries((error as ValidationError).issues.map((i) => [i.path, i.message.replace(/ \(line \d+\)$/, '')]));
}

describe('knowledge in the onboarding file', () => {
  it('reads the sample seller\'s documents, relative to the onboarding file', async () => {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    expect(onboarding.knowledge.map((k) => k.title)).toEqual(['Tallyhand FAQ', 'Pricing notes', 'Security and compliance answers', 'Case study: Keelhaul Freight']);
    expect(onboarding.knowledge.every((k) => (k.text ?? '').length > 200)).toBe(true);
    expect(onboarding.knowledge[2].text).toContain('SOC 2 Type II');
  });

  it('names each bad entry and what is wrong with it, all at once, before anything is read', async () => {
    const file = await onboardingWith('shape.yaml', [
      { title: 'Neither' },
      { title: 'Spreadsheet', path: 'prices.xlsx' },
      { path: 'no-title.md' },
      { title: 'Tallyhand FAQ', text: 'one' },
      { title: 'Tallyhand FAQ', text: 'two' },
      { title: 'Huge', text: 'x'.repeat(MAX_KNOWLEDGE_CHARS + 1) },
      { title: 'Typo', text: 'fine', fromat: 'markdown' },
    ]);
    expect(await issuesOf(file)).toEqual({
      'knowledge[0].path': 'give path (a .md or .txt file) or text',
      'knowledge[1].path': 'must be a markdown or text file (.md, .markdown, .txt)',
      'knowledge[2].title': 'is missing',
      'knowledge[4].title': 'duplicates knowledge[3].title ("Tallyhand FAQ")',
      'knowledge[5].text': `must be at most ${MAX_KNOWLEDGE_CHARS} characters`,
      'knowledge[6].fromat': 'unknown field; did you mean "format"?',
    });
  });

  it('names a missing, binary, oversized, non-UTF-8 or duplicated file by its entry', async () => {
    await mkdir(path.join(dir, 'docs'), { recursive: true });
    await writeFile(path.join(dir, 'docs', 'binary.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02]));
    await writeFile(path.join(dir, 'docs', 'latin1.txt'), Buffer.from('caf\xe9 pricing', 'latin1'));
    await writeFile(path.join(dir, 'docs', 'big.md'), 'word '.repeat(MAX_KNOWLEDGE_CHARS / 4));
    await writeFile(path.join(dir, 'docs', 'copy.md'), await readFile(sampleRaw.knowledge[0].path!));
    await mkdir(path.join(dir, 'docs', 'folder.md'), { recursive: true });
    const file = await onboardingWith('files.yaml', [
      { title: 'Gone', path: 'docs/missing.md' },
      { title: 'Binary', path: 'docs/binary.md' },
      { title: 'Latin-1', path: 'docs/latin1.txt' },
      { title: 'Big', path: 'docs/big.md' },
      { title: 'A folder', path: 'docs/folder.md' },
      { title: 'FAQ', path: sampleRaw.knowledge[0].path },
      { title: 'FAQ again', path: 'docs/copy.md' },
      { title: 'Both', path: 'docs/copy.md', text: 'Something else entirely.' },
    ]);
    expect(await issuesOf(file)).toEqual({
      'knowledge[0].path': 'docs/missing.md not found (paths are relative to the onboarding file)',
      'knowledge[1].path': 'docs/binary.md is not a text file (it contains NUL bytes)',
      'knowledge[2].path': 'docs/latin1.txt is not valid UTF-8 text',
      'knowledge[3].path': `docs/big.md has ${(5 * MAX_KNOWLEDGE_CHARS) / 4 - 1} characters; at most ${MAX_KNOWLEDGE_CHARS} are allowed`,
      'knowledge[4].path': 'docs/folder.md is not a file',
      'knowledge[6]': 'has the same text as knowledge[5] ("FAQ")',
      'knowledge[7].text': 'give path or text, not both: the text differs from docs/copy.md',
    });
    // A loaded file (text read from each path) parses again as it is.
    const loaded = await loadOnboardingFile(SAMPLE_ONBOARDING);
    expect(parseOnboarding(loaded).knowledge).toEqual(loaded.knowledge);
  });
});

describe('knowledge stored on onboarding', () => {
  let db: PgliteSql;
  let lake: FolderLake;

  beforeAll(async () => {
    db = await freshDb();
    lake = new FolderLake(path.join(dir, 'lake'));
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  const documents = (ws: string) =>
    db.query<{ id: string; title: string; active: boolean; lake_key: string; passages: number }>(
      `SELECT d.id, d.title, d.active, d.lake_key, count(p.id)::int AS passages
         FROM knowledge_document d LEFT JOIN knowledge_passage p ON p.document_id = d.id
        WHERE d.workspace_id = :ws::uuid GROUP BY d.id ORDER BY d.title`,
      { ws },
    );

  it('keeps each document in the lake by its content hash and its passages in the database, with stable ids', async () => {
    const onboarding = await loadOnboardingFile(SAMPLE_ONBOARDING);
    const first = await importOnboarding(db, onboarding, { lake });
    expect(first.knowledge).toEqual({ documents: 4, passages: 19, deactivated: 0 });
    const docs = (await documents(first.workspaceId)).rows;
    expect(docs.map((d) => [d.title, d.passages])).toEqual([
      ['Case study: Keelhaul Freight', 4],
      ['Pricing notes', 4],
      ['Security and compliance answers', 5],
      ['Tallyhand FAQ', 6],
    ]);
    for (const d of docs) {
      expect(d.lake_key).toMatch(new RegExp(`^knowledge/${first.workspaceId}/[0-9a-f]{64}\\.md$`));
      const stored = (await lake.get(d.lake_key))!.toString('utf8');
      expect(onboarding.knowledge.some((k) => k.text === stored)).toBe(true);
    }
    const before = await loadPassages(db, first.workspaceId);
    expect(before.find((p) => p.text.includes('SOC 2 Type II'))).toMatchObject({ heading: 'Security and compliance answers > Certifications' });

    // The same file again: the same rows and passage ids, nothing new.
    const again = await importOnboarding(db, onboarding, { lake });
    expect((await documents(again.workspaceId)).rows.map((d) => d.id)).toEqual(docs.map((d) => d.id));
    expect(await loadPassages(db, again.workspaceId)).toEqual(before);

    // A document dropped from the file is switched off; its passages stay for what cited them.
    const fewer = await importOnboarding(db, { ...onboarding, knowledge: onboarding.knowledge.slice(0, 3) }, { lake });
    expect(fewer.knowledge.deactivated).toBe(1);
    const after = (await documents(fewer.workspaceId)).rows;
    expect(after.find((d) => d.title === 'Case study: Keelhaul Freight')).toMatchObject({ active: false, passages: 4 });
    expect((await loadPassages(db, fewer.workspaceId)).some((p) => p.documentTitle.startsWith('Case study'))).toBe(false);
  });
});

describe('passages', () => {
  it('split markdown at headings and paragraphs, keep the headings above, and cut long paragraphs between sentences', () => {
    const long = Array.from({ length: 40 }, (_, i) => `Sentence number ${i + 1} explains one more detail of the import.`).join(' ');
    const doc = `# Guide\n\nIntro line.\n\n## Setup\n\n**Step one:** connect the [ERP](https://x.example).\n\n- item a\n- item b\n\n### Deep\n\n${long}\n`;
    const passages = splitPassages(doc, 'markdown');
    expect(passages.slice(0, 2)).toEqual([
      { id: expect.stringMatching(/^kp-[0-9a-f]{12}-1$/), position: 1, heading: 'Guide', text: 'Intro line.' },
      { id: expect.stringMatching(/^kp-[0-9a-f]{12}-2$/), position: 2, heading: 'Guide > Setup', text: 'Step one: connect the ERP.\n\n- item a\n- item b' },
    ]);
    const deep = passages.filter((p) => p.heading === 'Guide > Setup > Deep');
    expect(deep.length).toBeGreaterThan(1);
    expect(deep.every((p) => p.text.length <= 900 && /\.$/.test(p.text))).toBe(true);
    expect(deep.map((p) => p.text).join(' ')).toBe(long);
    // Content-addressed: the same text gives the same ids; a changed text other ids.
    expect(splitPassages(doc, 'markdown').map((p) => p.id)).toEqual(passages.map((p) => p.id));
    expect(splitPassages(`${doc}\nMore.`, 'markdown')[0].id).not.toBe(passages[0].id);
  });

  it('split plain text at blank lines only (a # line is text)', () => {
    expect(splitPassages('# not a heading\nline two\n\nsecond paragraph', 'text').map((p) => [p.heading, p.text])).toEqual([[null, '# not a heading\nline two\n\nsecond paragraph']]);
  });
});

describe('retrieval (BM25)', () => {
  const passages: KnowledgePassage[] = [
    { id: 'kp-000000000001-1', documentTitle: 'FAQ', heading: 'Which ERPs do you integrate with?', text: 'Two-way sync with NetSuite, SAP S/4HANA and Dynamics 365.' },
    { id: 'kp-000000000001-2', documentTitle: 'FAQ', heading: 'How long does implementation take?', text: 'Most customers go live in four to six weeks.' },
    { id: 'kp-000000000002-1', documentTitle: 'Security', heading: 'Single sign-on', text: 'SAML 2.0 single sign-on with Okta and Microsoft Entra ID.' },
    { id: 'kp-000000000002-2', documentTitle: 'Security', heading: 'Certifications', text: 'We hold a SOC 2 Type II report and ISO 27001.' },
    { id: 'kp-000000000003-1', documentTitle: 'Pricing', heading: 'Tiers', text: 'Growth covers up to 3,000 invoices a month; implementation is included.' },
  ];
  const index = new KnowledgeIndex(passages);
  const ids = (q: string, limit = 3) => index.retrieve(q, limit).map((h) => h.id);

  it('ranks the passage that answers the question first, and the same way every time', () => {
    expect(ids('Do you integrate with SAP?')[0]).toBe('kp-000000000001-1');
    expect(ids('Do you support Okta SSO?')[0]).toBe('kp-000000000002-1');
    expect(ids('Are you SOC 2 certified?')[0]).toBe('kp-000000000002-2');
    // "implementation" is in two passages; the heading that asks it wins.
    expect(ids('How long is implementation?')).toEqual(['kp-000000000001-2', 'kp-000000000003-1']);
    // Insertion order does not change the ranking.
    const reversed = new KnowledgeIndex([...passages].reverse());
    for (const q of ['How long is implementation?', 'SAP NetSuite sync', 'invoices a month']) expect(reversed.retrieve(q).map((h) => [h.id, h.score])).toEqual(index.retrieve(q).map((h) => [h.id, h.score]));
  });

  it('drops question words, and measures how much of the question the passage covers', () => {
    expect(queryTerms('Do you have an Oracle connector?')).toEqual(['oracl', 'connector']);
    // Plurals and -ing/-ed forms meet: a question about "pricing" finds "priced" and "prices".
    expect(['pricing', 'priced', 'prices', 'price'].map(stem)).toEqual(['pric', 'pric', 'pric', 'pric']);
    expect(['tiers', 'policies', 'taxes', 'sso', 'sap', 'access'].map(stem)).toEqual(['tier', 'policy', 'tax', 'sso', 'sap', 'access']);
    expect(index.retrieve('What tier covers 3,000 invoices?')[0]).toMatchObject({ id: 'kp-000000000003-1', coverage: 1 });
    expect(index.retrieve('Do you have an Oracle connector?')).toEqual([]);
    const partial = index.retrieve('Do you integrate with Oracle Fusion?');
    expect(partial[0].id).toBe('kp-000000000001-1');
    expect(partial[0].coverage).toBeLessThan(MIN_COVERAGE);
    expect(index.retrieve('How long does implementation take?')[0].coverage).toBe(1);
    expect(index.retrieve('do you?')).toEqual([]);
  });
});
