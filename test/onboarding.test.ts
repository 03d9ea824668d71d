import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import type { Sql } from '#core/ports.ts';
import { ValidationError } from '#core/errors.ts';
import { findWorkspace, importOnboarding, loadOnboardingFile, loadSellerContext } from '#core/onboarding/import.ts';
import { formatPath, parseOnboarding, type Onboarding } from '#core/onboarding/schema.ts';
import { freshDb, onboardedDb, SAMPLE_ONBOARDING } from '#test/helpers/db.ts';

const TABLES = ['workspace', 'app_user', 'seller_company', 'product', 'icp', 'persona', 'tone_of_voice', 'suppression'];

/** Every onboarding row, ordered, for before/after comparisons. */
async function snapshot(sql: Sql): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const r = await sql.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY to_jsonb(t)::text`);
    out[table] = r.rows.map((x) => x.row);
  }
  return out;
}

async function counts(sql: Sql): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = (await sql.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n;
  return out;
}

let sampleRaw: Record<string, unknown>;
let sample: Onboarding;
let dir: string;
const open: PgliteSql[] = [];

beforeAll(async () => {
  sampleRaw = YAML.parse(await readFile(SAMPLE_ONBOARDING, 'utf8'));
  sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
  dir = await mkdtemp(path.join(tmpdir(), 'prospector-onboarding-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const clone = <T>(x: T): T => structuredClone(x);

async function writeTemp(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The ValidationError `input` must raise, as its messages by path. */
function issuesByPath(input: unknown): Record<string, string> {
  let thrown: unknown;
  try {
    parseOnboarding(input);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  return Object.fromEntries((thrown as ValidationError).issues.map((i) => [i.path, i.message]));
}

describe('sample onboarding', () => {
  it('parses with defaults applied and values normalised', () => {
    expect(sample.workspace).toEqual({ slug: 'tallyhand', name: 'Tallyhand' });
    expect(sample.users).toHaveLength(2);
    expect(sample.products).toHaveLength(2);
    expect(sample.icps.map((i) => [i.slug, i.active])).toEqual([
      ['midmarket-logistics', true],
      ['b2b-saas-scaleups', true],
      ['healthcare-groups', false],
    ]);
    const healthcare = sample.icps[2];
    expect(healthcare.schedule).toBe('rate(1 day)');
    expect(healthcare.dailyLeadQuota).toBe(50);
    expect(sample.icps[0].searchKeywords).toEqual(['logistics', 'freight', 'manufacturing', 'supply chain', 'warehousing']);
    expect(sample.company.competitors.map((c) => c.domain)).toEqual(['spendlyte.com', 'apflow.io']);
    expect(sample.tone).toMatchObject({ formality: 0.6, warmth: 0.7, directness: 0.8, language: 'en-US', maxWords: 110 });
  });

  it('imports into a fresh database and loads back as seller context', async () => {
    const sql = await freshDb();
    open.push(sql);
    const summary = await importOnboarding(sql, sample);
    expect(summary).toEqual({
      workspaceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      created: true,
      icps: 3,
      personas: 5,
      products: 2,
      users: 2,
      suppressions: 4,
      knowledge: { documents: 4, passages: 19, deactivated: 0 },
      sequencesStopped: [],
      usersRemoved: [],
      warnings: [],
    });
    expect(await counts(sql)).toEqual({
      workspace: 1,
      app_user: 2,
      seller_company: 1,
      product: 2,
      icp: 3,
      persona: 5,
      tone_of_voice: 1,
      suppression: 4,
    });
    expect(await findWorkspace(sql)).toEqual({ id: summary.workspaceId, slug: 'tallyhand', name: 'Tallyhand' });
    expect(await findWorkspace(sql, 'nope')).toBeNull();

    const icp = await sql.query("SELECT search_keywords, employees_min, employees_max, revenue_max_usd, products FROM icp WHERE slug = 'midmarket-logistics'");
    expect(icp.rows[0]).toEqual({
      search_keywords: ['logistics', 'freight', 'manufacturing', 'supply chain', 'warehousing'],
      employees_min: 200,
      employees_max: 5000,
      revenue_max_usd: 2_000_000_000,
      products: ['Tallyhand AP Automation', 'Tallyhand Pay & Cards'],
    });
    const tone = await sql.query('SELECT formality, banned_phrases FROM tone_of_voice');
    expect(tone.rows[0].formality).toBe(0.6);
    expect(tone.rows[0].banned_phrases).toContain('I hope this email finds you well');

    const context = await loadSellerContext(sql, summary.workspaceId);
    expect(context.companyName).toBe('Tallyhand');
    expect(context.companyDomain).toBe('tallyhand.com');
    expect(context.products.map((p) => p.name)).toEqual(['Tallyhand AP Automation', 'Tallyhand Pay & Cards']);
    expect(context.icps.map((i) => i.slug)).toEqual(['b2b-saas-scaleups', 'midmarket-logistics']);
    const logistics = context.icps.find((i) => i.slug === 'midmarket-logistics')!;
    expect(logistics).toMatchObject({ employeesMin: 200, employeesMax: 5000, geographies: ['North America', 'Europe'] });
    expect(logistics.keywords).toContain('supply chain');
    expect(logistics.personas.map((p) => p.name).sort()).toEqual(['AP operations owner', 'Finance leader']);
    expect(logistics.personas.find((p) => p.name === 'Finance leader')!.titles).toContain('CFO');
  });

  it('warns, when it is imported, that a seller without a postal address sends nothing; the sample has one', async () => {
    const { db } = await onboardedDb();
    open.push(db);
    expect((await importOnboarding(db, sample)).warnings).toEqual([]);
    const without = await importOnboarding(db, { ...sample, company: { ...sample.company, postalAddress: null } });
    expect(without.warnings).toEqual([
      "company.postalAddress is empty: every email carries the seller's postal address in its footer, so no email is sent until it is added (drafting and approval go on)",
    ]);
  });

  it('is idempotent: importing twice keeps ids and counts', async () => {
    const { db, workspaceId } = await onboardedDb();
    open.push(db);
    const before = await snapshot(db);
    const again = await importOnboarding(db, sample);
    expect(again).toMatchObject({ workspaceId, created: false, icps: 3, personas: 5, products: 2, users: 2, suppressions: 4 });
    const after = await snapshot(db);
    // updated_at moves on re-import; everything else must be identical.
    const strip = (s: Record<string, unknown[]>) => ({ ...s, workspace: s.workspace.map((w) => ({ ...(w as object), updated_at: null })) });
    expect(strip(after)).toEqual(strip(before));
  });

  it('applies an edited file: lists replaced, removed ICPs deactivated, suppressions kept', async () => {
    const { db, workspaceId } = await onboardedDb();
    open.push(db);
    const ids = await db.query<{ slug: string; id: string }>('SELECT slug, id FROM icp ORDER BY slug');
    const edited = clone(sample);
    edited.icps = edited.icps.filter((i) => i.slug !== 'b2b-saas-scaleups');
    edited.icps[0].personas = edited.icps[0].personas.slice(0, 1);
    edited.icps[0].searchKeywords = ['3pl', 'freight forwarding'];
    edited.icps[0].products = ['Tallyhand AP Automation'];
    edited.icps[1].products = ['Tallyhand AP Automation'];
    edited.products = edited.products.slice(0, 1);
    edited.users = [edited.users[1]];
    edited.suppressions = [];
    const summary = await importOnboarding(db, edited);
    expect(summary).toMatchObject({ workspaceId, created: false, icps: 2, personas: 2, products: 1, users: 1, suppressions: 0 });

    const after = await db.query<{ slug: string; id: string; active: boolean; search_keywords: string[] }>(
      'SELECT slug, id, active, search_keywords FROM icp ORDER BY slug',
    );
    expect(after.rows.map((r) => [r.slug, r.id])).toEqual(ids.rows.map((r) => [r.slug, r.id]));
    expect(after.rows.map((r) => [r.slug, r.active])).toEqual([
      ['b2b-saas-scaleups', false],
      ['healthcare-groups', false],
      ['midmarket-logistics', true],
    ]);
    expect(after.rows[2].search_keywords).toEqual(['3pl', 'freight forwarding']);
    expect(await counts(db)).toMatchObject({ app_user: 1, product: 1, icp: 3, suppression: 4 });
    // The deactivated ICP keeps its personas; the edited one lost one.
    const personas = await db.query<{ slug: string; n: number }>('SELECT i.slug, count(*) AS n FROM persona p JOIN icp i ON i.id = p.icp_id GROUP BY i.slug ORDER BY i.slug');
    expect(personas.rows).toEqual([
      { slug: 'b2b-saas-scaleups', n: 2 },
      { slug: 'healthcare-groups', n: 1 },
      { slug: 'midmarket-logistics', n: 1 },
    ]);
    const context = await loadSellerContext(db, workspaceId);
    expect(context.icps.map((i) => i.slug)).toEqual(['midmarket-logistics']);
  });

  it('stores the cooling-off days after a "not interested" reply: 180 unless the file says, and names a bad value', async () => {
    const { db, workspaceId } = await onboardedDb();
    open.push(db);
    const days = async () => (await db.query<{ d: number }>('SELECT cooling_off_days AS d FROM workspace WHERE id = :id::uuid', { id: workspaceId })).rows[0].d;
    expect(await days()).toBe(180);
    const edited = clone(sampleRaw) as any;
    delete edited.knowledge; // documents given by path are read only by loadOnboardingFile
    edited.workspace.coolingOffDays = 90;
    await importOnboarding(db, parseOnboarding(edited));
    expect(await days()).toBe(90);
    edited.workspace.coolingOffDays = -5;
    expect(() => parseOnboarding(edited)).toThrow(/workspace\.coolingOffDays: must be between 0 \(no cooling off\) and 3650 days/);
  });

  it('rolls the whole import back when a statement fails half-way', async () => {
    const { db } = await onboardedDb();
    open.push(db);
    const before = await snapshot(db);
    const edited = clone(sample);
    edited.workspace.name = 'Tallyhand Renamed';
    edited.icps[0].personas[0].titles = ['New title'];
    let calls = 0;
    // An id that is not a uuid makes a late insert (the fourth suppression) fail in Postgres.
    const newId = () => (++calls > 15 ? 'not-a-uuid' : randomUUID());
    edited.suppressions.push({ kind: 'email', value: 'new@example.com', reason: 'test' });
    await expect(importOnboarding(db, edited, { newId })).rejects.toMatchObject({ code: '22P02' });
    expect(await snapshot(db)).toEqual(before);
  });

  it('findWorkspace refuses to guess between several workspaces', async () => {
    const { db } = await onboardedDb();
    open.push(db);
    const other = clone(sample);
    other.workspace = { slug: 'other-co', name: 'Other' };
    await importOnboarding(db, other);
    await expect(findWorkspace(db)).rejects.toThrow(/several workspaces exist \(other-co, tallyhand\)/);
    expect((await findWorkspace(db, 'other-co'))?.name).toBe('Other');
  });
});

describe('invalid onboarding files', () => {
  it('reports all three mistakes with their paths and leaves the database unchanged', async () => {
    const { db } = await onboardedDb();
    open.push(db);
    const before = await snapshot(db);
    const bad = clone(sampleRaw) as any;
    bad.tone.formality = 1.4;
    bad.icps[1].searchKeywords = [];
    bad.users[0].email = 'bob';
    const file = await writeTemp('three-mistakes.yaml', YAML.stringify(bad));
    const error = await loadOnboardingFile(file)
      .then((o) => importOnboarding(db, o))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['icps[1].searchKeywords', 'tone.formality', 'users[0].email']);
    expect(issues.find((i) => i.path === 'tone.formality')!.message).toMatch(/between 0 and 1 \(line \d+\)/);
    expect((error as Error).message).toContain(file);
    expect(await snapshot(db)).toEqual(before);
  });

  it('says a missing choice is missing and lists the choices; a wrong one is named', () => {
    const bad = clone(sampleRaw) as any;
    delete bad.products[0].pricingModel;
    bad.products[1].pricingModel = 'bartering';
    const byPath = issuesByPath(bad);
    expect(byPath['products[0].pricingModel']).toBe('is missing; use one of "per_seat", "usage", "flat", "tiered", "custom", "freemium"');
    expect(byPath['products[1].pricingModel']).toBe('must be one of "per_seat", "usage", "flat", "tiered", "custom", "freemium", not the text "bartering"');
  });

  it('says a number too large to hold (1e400 in YAML), or not a number at all, must be a finite number', () => {
    const bad = clone(sampleRaw) as any;
    bad.icps[0].dailyLeadQuota = Infinity;
    bad.icps[1].dailyLeadQuota = NaN;
    bad.tone.maxWords = 'lots';
    const byPath = issuesByPath(bad);
    expect(byPath['icps[0].dailyLeadQuota']).toBe('must be a finite number');
    expect(byPath['icps[1].dailyLeadQuota']).toBe('must be a finite number');
    expect(byPath['tone.maxWords']).toBe('must be a number, not the text "lots"');
  });

  it('reports cross-field problems and misspelt keys with paths', () => {
    const bad = clone(sampleRaw) as any;
    bad.icps[0].employees = { min: 500, max: 100 };
    bad.icps[1].slug = bad.icps[0].slug;
    bad.icps[1].products = ['Tallyhand Payroll'];
    bad.icps[0].personas[1].name = bad.icps[0].personas[0].name;
    bad.users[1].email = bad.users[0].email.toUpperCase();
    bad.icps[0].serchKeywords = ['typo'];
    bad.suppressions[2].value = 'not a domain';
    bad.icps[0].schedule = 'rate(2 day)';
    const byPath = issuesByPath(bad);
    expect(byPath).toEqual({
      'icps[0].employees.max': 'must be at least employees.min (500)',
      'icps[1].slug': 'duplicates icps[0].slug ("midmarket-logistics")',
      'icps[1].products[0]': expect.stringContaining('"Tallyhand Payroll" is not a product'),
      'icps[0].personas[1].name': 'duplicates icps[0].personas[0].name ("Finance leader")',
      'users[1].email': 'duplicates users[0].email ("maya.okafor@tallyhand.com")',
      'icps[0].serchKeywords': 'unknown field; did you mean "searchKeywords"?',
      'suppressions[2].value': expect.stringContaining('bare domain'),
      'icps[0].schedule': 'use the plural unit with 2, e.g. rate(2 days)',
    });
  });

  it('gives line and column for a YAML syntax error', async () => {
    const text = (await readFile(SAMPLE_ONBOARDING, 'utf8')).replace('  name: Tallyhand\n', '  name: Tally: hand\n');
    const file = await writeTemp('syntax.yaml', text);
    const error = await loadOnboardingFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0].message).toBe('YAML syntax error at line 7, column 9: Nested mappings are not allowed in compact mappings');
  });

  it('reads JSON files and gives line and column for a JSON syntax error', async () => {
    // Knowledge paths are relative to the onboarding file: written elsewhere, the file names them absolutely.
    const knowledge = (sampleRaw.knowledge as { path: string }[]).map((k) => ({ ...k, path: path.resolve(path.dirname(SAMPLE_ONBOARDING), k.path) }));
    const good = await writeTemp('good.json', JSON.stringify({ ...sampleRaw, knowledge }, null, 2));
    const loaded = await loadOnboardingFile(good);
    expect({ ...loaded, knowledge: loaded.knowledge.map((k) => ({ ...k, path: path.basename(k.path!) })) }).toEqual({ ...sample, knowledge: sample.knowledge.map((k) => ({ ...k, path: path.basename(k.path!) })) });
    const broken = await writeTemp('broken.json', '{\n  "workspace": {\n    "slug": "x",,\n  }\n}\n');
    const error = await loadOnboardingFile(broken).catch((e: unknown) => e);
    expect((error as ValidationError).issues[0].message).toMatch(/^JSON syntax error at line 3, column 17/);
  });

  it('names an unreadable or unsupported file', async () => {
    await expect(loadOnboardingFile(path.join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read onboarding file .*missing\.yaml: file not found/);
    await expect(loadOnboardingFile(path.join(dir, 'onboarding.toml'))).rejects.toThrow(/unsupported extension ".toml"/);
  });
});

describe('parseOnboarding properties', () => {
  type Segment = string | number;
  /** Every path in the sample with the value found there. */
  function paths(value: unknown, prefix: Segment[] = []): { segments: Segment[]; value: unknown }[] {
    const out: { segments: Segment[]; value: unknown }[] = prefix.length ? [{ segments: prefix, value }] : [];
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
    return out;
  }

  function setAt(root: unknown, segments: Segment[], value: unknown): void {
    let cur = root as Record<Segment, unknown>;
    for (const s of segments.slice(0, -1)) cur = cur[s] as Record<Segment, unknown>;
    cur[segments[segments.length - 1]] = value;
  }

  /** A value of a different JSON type than `original` (never null: optional fields accept it). */
  function wrongType(original: unknown): fc.Arbitrary<unknown> {
    const str = fc.string();
    const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const bool = fc.boolean();
    const arr = fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 });
    const obj = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string(), { maxKeys: 3 });
    if (typeof original === 'string') return fc.oneof(num, bool, arr, obj);
    if (typeof original === 'number') return fc.oneof(str, bool, arr, obj);
    if (typeof original === 'boolean') return fc.oneof(str, num, arr, obj);
    if (Array.isArray(original)) return fc.oneof(str, num, bool, obj);
    return fc.oneof(str, num, bool, arr);
  }

  it('reports the path of any field given a value of the wrong type', () => {
    const all = paths(sampleRaw);
    expect(all.length).toBeGreaterThan(200);
    const mutation = fc
      .constantFrom(...all)
      .chain(({ segments, value }) => wrongType(value).map((wrong) => ({ segments, wrong })));
    fc.assert(
      fc.property(mutation, ({ segments, wrong }) => {
        const input = clone(sampleRaw);
        setAt(input, segments, wrong);
        expect(Object.keys(issuesByPath(input))).toContain(formatPath(segments));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but ValidationError, whatever it is given', () => {
    const anyPath = fc.constantFrom(...paths(sampleRaw).map((p) => p.segments));
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), anyPath, fc.anything(), (whole, segments, part) => {
        for (const input of [whole, (() => {
          const c = clone(sampleRaw);
          setAt(c, segments, part);
          return c;
        })()]) {
          try {
            parseOnboarding(input);
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
