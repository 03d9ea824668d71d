/**
 * The guided onboarding form through the app's fetch handler: a new, empty workspace onboarded
 * section by section (company, products, ICPs with keywords, triggers, exclusions and personas,
 * tone, suppressions, knowledge documents), each problem shown at its field by the onboarding
 * schema, items added and removed without script, nothing written by a failed save, the tone
 * preview (offline template; Groq through the real groq-sdk against the loopback fake), CSRF and
 * admin checks, and two workspaces kept apart.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GroqLlm } from '#adapters/groq-llm.ts';
import { exportOnboarding } from '#core/onboarding/export.ts';
import { parseOnboardingText } from '#core/onboarding/import.ts';
import { MAX_KNOWLEDGE_CHARS } from '#core/onboarding/schema.ts';
import { startFakeGroq, type FakeGroq } from '#test/fakes/fake-groq.ts';
import { createWebApp } from '#web/app.ts';
import { signInAs, webFixture, type Signed, type WebFixture } from '#test/helpers/web.ts';

let f: WebFixture;
let app: ReturnType<typeof createWebApp>;
let fresh: { workspaceId: string; userId: string };
let admin: Signed;
let newcomer: Signed;

/** A workspace with its admin and nothing else, as a team's first sign-in finds it. */
async function emptyWorkspace(slug: string): Promise<{ workspaceId: string; userId: string }> {
  const workspaceId = randomUUID();
  const userId = randomUUID();
  await f.db.query(`INSERT INTO workspace (id, slug, name) VALUES (:id::uuid, :slug, 'Lumen Freightworks')`, { id: workspaceId, slug });
  await f.db.query(
    `INSERT INTO app_user (id, workspace_id, name, email, timezone, role) VALUES (:id::uuid, :ws::uuid, 'Ines Ward', 'ines@lumen.example', 'Europe/Lisbon', 'admin')`,
    { id: userId, ws: workspaceId },
  );
  return { workspaceId, userId };
}

beforeAll(async () => {
  f = await webFixture();
  app = createWebApp({ sql: f.db, lake: f.lake });
  admin = await signInAs(f, app, f.tallyhand.userId);
  fresh = await emptyWorkspace('lumen');
  newcomer = await signInAs(f, app, fresh.userId);
});
afterAll(async () => {
  await f?.close();
});

/** A complete, valid guided form for the new workspace (one of each item, a blank extra product). */
function validForm(): Record<string, string> {
  return {
    'company.name': 'Lumen Freightworks',
    'company.website': 'https://lumen.example',
    'company.description': 'Dock scheduling software for regional warehouses.',
    'company.valuePropositions': 'Cut truck waiting time at the dock\r\nSee every booking in one calendar',
    'company.differentiators': '',
    'company.customerDomains': 'harbor-cold.example',
    'company.postalAddress': 'Lumen Freightworks, Rua Augusta 1, 1100-048 Lisboa, Portugal',
    'products[0].name': 'Lumen Dock',
    'products[0].description': 'Self-service dock booking for carriers.',
    'products[0].pricingModel': 'per_seat',
    'products[0].priceNotes': '',
    'products[0].features': 'Carrier booking portal\nSMS reminders',
    'products[0].painsSolved': 'Trucks queueing at the gate',
    'products[0].useCases': '',
    'products[1].name': '',
    'products[1].description': '',
    'products[1].pricingModel': 'per_seat',
    'products[1].priceNotes': '',
    'products[1].features': '',
    'products[1].painsSolved': '',
    'products[1].useCases': '',
    'icps[0].slug': 'regional-warehouses',
    'icps[0].name': 'Regional warehouses',
    'icps[0].description': '',
    'icps[0].searchKeywords': 'third-party logistics warehouse\ncold storage',
    'icps[0].buyingTriggers': 'opened a new warehouse',
    'icps[0].negativeIcp': 'freight brokers without warehouses',
    'icps[0].industries': 'Logistics',
    'icps[0].geographies': 'Portugal\nSpain',
    'icps[0].technologies': '',
    'icps[0].fundingStages': '',
    'icps[0].employees.min': '50',
    'icps[0].employees.max': '1,000',
    'icps[0].revenueUsd.min': '',
    'icps[0].revenueUsd.max': '',
    'icps[0].products': 'Lumen Dock',
    'icps[0].schedule': 'rate(1 day)',
    'icps[0].dailyLeadQuota': '25',
    'icps[0].fitThreshold': '60',
    'icps[0].active': 'on',
    'icps[0].reps': '',
    'icps[0].personas[0].name': 'Warehouse manager',
    'icps[0].personas[0].titles': 'Warehouse Manager\nSite Manager',
    'icps[0].personas[0].seniority': 'manager',
    'icps[0].personas[0].departments': 'Operations',
    'icps[0].personas[0].responsibilities': '',
    'icps[0].personas[0].pains': 'Trucks arrive all at once',
    'icps[0].personas[0].goals': '',
    'icps[0].personas[0].objections': '',
    'tone.formality': '0.4',
    'tone.warmth': '0.7',
    'tone.directness': '0.8',
    'tone.language': 'en',
    'tone.maxWords': '110',
    'tone.callToAction': 'Worth a short call next week?',
    'tone.sampleEmail': '',
    'tone.bannedPhrases': 'synergy',
    'suppressions[0].kind': 'domain',
    'suppressions[0].value': 'Harbor-Cold.example',
    'suppressions[0].reason': 'current customer',
    'knowledge[0].title': 'Pricing FAQ',
    'knowledge[0].format': 'markdown',
    'knowledge[0].text': '# Pricing\n\nLumen Dock costs 40 euros a dock door a month.\n\n# Security\n\nData stays in the EU.',
  };
}

const count = async (table: string, workspaceId: string) =>
  (await f.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = :ws::uuid`, { ws: workspaceId })).rows[0].n;

/** The field's element markup on the page. */
const input = (page: string, id: string) => {
  const m = new RegExp(`<(input|textarea|select)[^>]* id="${id}"[^>]*>`).exec(page);
  expect(m, `${id} on the page`).not.toBeNull();
  return m![0];
};
const errorOf = (page: string, id: string) => new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(page)?.[1];

describe('a new workspace onboarded through the guided form', () => {
  test('the onboarding page links to it; it opens with one blank item of each kind and tone defaults', async () => {
    expect(await (await newcomer.get('/onboarding')).text()).toContain('href="/onboarding/guided">Start the guided onboarding form');
    const res = await newcomer.get('/onboarding/guided');
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const id of ['f-company-name', 'f-products-0-name', 'f-icps-0-slug', 'f-icps-0-personas-0-titles', 'f-tone-formality', 'f-suppressions-0-value', 'f-knowledge-0-text']) input(page, id);
    expect(input(page, 'f-tone-formality')).toContain('value="0.5"');
    expect(input(page, 'f-icps-0-schedule')).toContain('value="rate(1 day)"');
    expect(page).not.toContain('knowledge[0].path');
    expect(page).toContain('<button type="submit" name="action" value="add:icps[0].personas">Add another icp 1: persona</button>');
  });

  test('every problem is shown at its field, linked from the summary, with what was typed kept; nothing is written', async () => {
    const form = {
      ...validForm(),
      'company.website': 'lumen dot example',
      'company.name': 'Lumen <b>Freight</b>',
      'products[0].pricingModel': 'bartering',
      'icps[0].slug': 'Regional Warehouses',
      'icps[0].searchKeywords': '\n \n',
      'icps[0].employees.min': '500',
      'icps[0].employees.max': '50',
      'icps[0].products': 'Lumen Yard',
      'icps[0].personas[0].titles': '',
      'icps[0].reps': 'nobody@lumen.example',
      'tone.formality': '1.5',
      'tone.maxWords': 'lots',
      'suppressions[0].kind': 'email',
      'knowledge[0].title': '',
      'knowledge[0].text': 'x'.repeat(MAX_KNOWLEDGE_CHARS + 1),
    };
    const res = await newcomer.post('/onboarding/guided', form);
    expect(res.status).toBe(422);
    const page = await res.text();
    const expected: Record<string, string | RegExp> = {
      'f-company-website': 'must be a full http:// or https:// URL',
      'f-products-0-pricingModel': /must be one of &quot;per_seat&quot;.*not the text &quot;bartering&quot;/,
      'f-icps-0-slug': 'must be lowercase letters, digits and dashes (max 63), e.g. midmarket-logistics',
      'f-icps-0-searchKeywords': 'needs at least one search keyword',
      'f-icps-0-employees-max': 'must be at least employees.min (500)',
      'f-icps-0-products': /&quot;Lumen Yard&quot; is not a product in this file/,
      'f-icps-0-personas-0-titles': 'needs at least one job title',
      'f-icps-0-reps': '&quot;nobody@lumen.example&quot; is not one of the users (users: &quot;ines@lumen.example&quot;)',
      'f-tone-formality': 'must be between 0 and 1',
      'f-tone-maxWords': /must be a number, not the text &quot;lots&quot;/,
      'f-suppressions-0-value': 'must be an email address, since kind is email',
      'f-knowledge-0-title': 'must not be empty',
      'f-knowledge-0-text': `must be at most ${MAX_KNOWLEDGE_CHARS} characters`,
    };
    for (const [id, message] of Object.entries(expected)) {
      expect(input(page, id), id).toContain('aria-invalid="true"');
      expect(input(page, id), id).toMatch(new RegExp(`aria-describedby="([^"]* )?${id}-error"`));
      if (typeof message === 'string') expect(errorOf(page, id), id).toBe(message);
      else expect(errorOf(page, id), id).toMatch(message);
      expect(page, `summary links to ${id}`).toContain(`<a href="#${id}">`);
    }
    expect(page).toContain(`Nothing was saved: ${Object.keys(expected).length} problem(s) to fix`);
    expect(page).toMatch(/<div class="error" role="alert" id="guided-errors" tabindex="-1" autofocus>/);
    // what was typed stays, escaped
    expect(input(page, 'f-company-name')).toContain('value="Lumen &lt;b&gt;Freight&lt;/b&gt;"');
    expect(input(page, 'f-company-website')).toContain('value="lumen dot example"');
    expect(page).toContain('>Trucks arrive all at once</textarea>');
    expect(input(page, 'f-icps-0-employees-min')).toContain('value="500"');
    expect(page).not.toContain('<b>Freight</b>');
    for (const table of ['seller_company', 'product', 'icp', 'tone_of_voice', 'suppression', 'knowledge_document']) expect(await count(table, fresh.workspaceId), table).toBe(0);
  });

  test('a blank item is skipped, and an issue of the item after it still lands at its own field', async () => {
    const form = { ...validForm() };
    // the first product blank, the second with a problem
    for (const k of Object.keys(form).filter((k) => k.startsWith('products[0].'))) {
      form[k.replace('[0]', '[1]')] = form[k];
      form[k] = k.endsWith('pricingModel') ? 'per_seat' : '';
    }
    form['products[1].description'] = '';
    const page = await (await newcomer.post('/onboarding/guided', form)).text();
    expect(errorOf(page, 'f-products-1-description')).toBe('must not be empty');
    expect(page).not.toContain('id="f-products-0-name-error"');
    // every product blank: the section says so
    const none = { ...validForm(), 'products[0].name': '', 'products[0].description': '', 'products[0].features': '', 'products[0].painsSolved': '', 'icps[0].products': '' };
    const empty = await (await newcomer.post('/onboarding/guided', none)).text();
    expect(empty).toContain('<p class="field-error" id="g-products-error">needs at least one product</p>');
    expect(empty).toContain('<a href="#g-products">Products</a>: needs at least one product');
  });

  test('"Add another" and "Remove" work without script and keep what was typed', async () => {
    const form = { ...validForm(), 'products[0].name': 'Lumen Dock <2>' };
    const added = await newcomer.post('/onboarding/guided', { ...form, action: 'add:icps[0].personas' });
    expect(added.status).toBe(200);
    let page = await added.text();
    expect(input(page, 'f-icps-0-personas-1-name')).toContain('autofocus');
    expect(input(page, 'f-products-0-name')).toContain('value="Lumen Dock &lt;2&gt;"');
    expect(page).toContain('<legend>ICP 1, Persona 2</legend>');
    expect(await count('product', fresh.workspaceId)).toBe(0);

    const another = await newcomer.post('/onboarding/guided', { ...form, action: 'add:icps' });
    page = await another.text();
    expect(input(page, 'f-icps-1-slug')).toContain('autofocus');
    // a new ICP comes with a blank persona and its defaults
    input(page, 'f-icps-1-personas-0-name');
    expect(input(page, 'f-icps-1-active')).toContain('checked');

    const removed = await newcomer.post('/onboarding/guided', { ...form, 'products[2].name': 'Third', 'products[2].description': 'kept', action: 'remove:products[1]' });
    page = await removed.text();
    expect(input(page, 'f-products-1-name')).toContain('value="Third"');
    expect(page).not.toContain('id="f-products-2-name"');

    for (const action of ['add:users', 'add:icps[0].slug', 'remove:products', 'add:icps[0].personas[0].x', 'add:icps[7].personas', 'remove:products[9]x']) {
      const bad = await newcomer.post('/onboarding/guided', { ...form, action });
      expect(bad.status, action).toBe(422);
      expect(await bad.text()).toContain('on this form');
    }
  });

  test('a valid form is saved through the onboarding import, every section in its table', async () => {
    const res = await newcomer.post('/onboarding/guided', { ...validForm(), action: 'save', 'workspace.slug': 'tallyhand', 'knowledge[0].path': '/etc/passwd', 'icps[0].reps': 'Ines@Lumen.example' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/onboarding/guided?done=saved');
    const saved = await exportOnboarding(f.db, fresh.workspaceId);
    expect(saved.workspace).toEqual({ slug: 'lumen', name: 'Lumen Freightworks' });
    expect(saved.users.map((u) => u.email)).toEqual(['ines@lumen.example']);
    expect(saved.company).toMatchObject({ website: 'https://lumen.example', valuePropositions: ['Cut truck waiting time at the dock', 'See every booking in one calendar'], customerDomains: ['harbor-cold.example'] });
    expect(saved.products.map((p) => p.name)).toEqual(['Lumen Dock']);
    expect(saved.icps).toHaveLength(1);
    expect(saved.icps[0]).toMatchObject({
      slug: 'regional-warehouses',
      searchKeywords: ['third-party logistics warehouse', 'cold storage'],
      buyingTriggers: ['opened a new warehouse'],
      negativeIcp: ['freight brokers without warehouses'],
      employees: { min: 50, max: 1000 },
      dailyLeadQuota: 25,
      active: true,
      autopilot: false,
      reps: ['ines@lumen.example'],
    });
    expect(saved.icps[0].personas).toEqual([expect.objectContaining({ name: 'Warehouse manager', titles: ['Warehouse Manager', 'Site Manager'], seniority: 'manager' })]);
    expect(saved.tone).toMatchObject({ formality: 0.4, warmth: 0.7, directness: 0.8, maxWords: 110, bannedPhrases: ['synergy'] });
    expect(saved.suppressions).toEqual([{ kind: 'domain', value: 'harbor-cold.example', reason: 'current customer' }]);
    expect(saved.knowledge.map((k) => k.title)).toEqual(['Pricing FAQ']);
    expect(saved.knowledge[0].text).toContain('40 euros a dock door a month');
    const doc = await f.db.query<{ source: string }>(`SELECT source FROM knowledge_document WHERE workspace_id = :ws::uuid`, { ws: fresh.workspaceId });
    expect(doc.rows).toEqual([{ source: 'inline' }]);
    // the other workspace named in the form was not touched
    expect((await exportOnboarding(f.db, f.tallyhand.workspaceId)).company.name).toBe('Tallyhand');

    const page = await (await newcomer.get(res.headers.get('location')!)).text();
    expect(page).toContain('Saved: the next run researches and drafts with it.');
    expect(input(page, 'f-icps-0-searchKeywords')).toBeTruthy();
    expect(page).toContain('third-party logistics warehouse\ncold storage</textarea>');
  });

  test('a failed save of a saved workspace changes nothing, and a good one keeps what the form does not show', async () => {
    const before = await exportOnboarding(f.db, f.tallyhand.workspaceId);
    const page = await (await admin.get('/onboarding/guided')).text();
    expect(input(page, 'f-company-name')).toContain('value="Tallyhand"');
    const values = formValues(page);
    expect(Object.keys(values).length).toBeGreaterThan(60);
    const broken = await admin.post('/onboarding/guided', { ...values, 'products[0].name': '', 'tone.warmth': '-1' });
    expect(broken.status).toBe(422);
    expect(await exportOnboarding(f.db, f.tallyhand.workspaceId)).toEqual(before);

    const res = await admin.post('/onboarding/guided', { ...values, 'tone.callToAction': 'Open to a quick look?' });
    expect(res.status).toBe(303);
    const after = await exportOnboarding(f.db, f.tallyhand.workspaceId);
    expect(after.tone.callToAction).toBe('Open to a quick look?');
    // proof points, competitors and each ICP's sequence are not on the form: kept
    expect(after.company.proofPoints).toEqual(before.company.proofPoints);
    expect(after.company.competitors).toEqual(before.company.competitors);
    expect(after.icps.map((i) => i.sequence)).toEqual(before.icps.map((i) => i.sequence));
    expect({ ...after, tone: before.tone, knowledge: [] }).toEqual({ ...before, knowledge: [] });
    expect(after.knowledge.map((k) => k.title)).toEqual(before.knowledge.map((k) => k.title));
  });
});

/** The form's current values as a browser would submit them (text, selected options, checked boxes). */
function formValues(page: string): Record<string, string> {
  const form = page.slice(page.indexOf('action="/onboarding/guided"'));
  const out: Record<string, string> = {};
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of form.matchAll(/<input id="[^"]+" name="([^"]+)" type="(?:text|url)"[^>]* value="([^"]*)"/g)) out[m[1]] = unescape(m[2]);
  for (const m of form.matchAll(/<input type="checkbox" id="[^"]+" name="([^"]+)" value="on"( checked)?/g)) if (m[2]) out[m[1]] = 'on';
  for (const m of form.matchAll(/<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) out[m[1]] = unescape(m[2]);
  for (const m of form.matchAll(/<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)<\/select>/gs)) out[m[1]] = /<option value="([^"]+)" selected>/.exec(m[2])?.[1] ?? '';
  return out;
}

describe('the tone preview', () => {
  test('offline: one labelled sentence from a template, the same every time, that follows the numbers; nothing is saved', async () => {
    const warm = { ...validForm(), 'tone.formality': '0.9', 'tone.warmth': '0.9', 'tone.directness': '0.1', action: 'preview' };
    const res = await admin.post('/onboarding/guided', warm);
    expect(res.status).toBe(200);
    const page = await res.text();
    const preview = /<div class="preview" role="status" id="tone-preview" tabindex="-1" autofocus><p class="muted">([^<]*)<\/p><blockquote>([^<]*)<\/blockquote>/.exec(page);
    expect(preview![1]).toContain('Offline template, no language model');
    expect(preview![2]).toBe('Dear Dana, I hope this finds you well: I wondered whether it might be useful to hear how teams similar to yours use Lumen Freightworks to cut truck waiting time at the dock.');
    expect(await (await admin.post('/onboarding/guided', warm)).text()).toContain(preview![2]);
    const blunt = await (await admin.post('/onboarding/guided', { ...warm, 'tone.formality': '0', 'tone.warmth': '0', 'tone.directness': '1' })).text();
    expect(blunt).toContain('<blockquote>Dana — Lumen Freightworks can help you cut truck waiting time at the dock.</blockquote>');
    // the rest of the form need not be complete for a preview, and stays as typed
    const partial = await admin.post('/onboarding/guided', { ...warm, 'products[0].name': '' });
    expect(partial.status).toBe(200);
    expect(await partial.text()).not.toContain('Nothing was saved');
    expect((await exportOnboarding(f.db, f.tallyhand.workspaceId)).company.name).toBe('Tallyhand');
  });

  test('a tone out of range is shown at its field instead of a preview', async () => {
    const res = await admin.post('/onboarding/guided', { ...validForm(), 'tone.directness': '7', action: 'preview' });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(errorOf(page, 'f-tone-directness')).toBe('must be between 0 and 1');
    expect(page).not.toContain('id="tone-preview"');
  });

  describe('with Groq (the real groq-sdk against the loopback fake)', () => {
    let fake: FakeGroq;
    let groqApp: ReturnType<typeof createWebApp>;
    let s: Signed;
    beforeAll(async () => {
      fake = await startFakeGroq();
      groqApp = createWebApp({ sql: f.db, lake: f.lake, toneLlm: new GroqLlm({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }) });
      s = await signInAs(f, groqApp, f.tallyhand.userId);
    });
    afterAll(async () => {
      await fake?.close();
    });

    test("Groq's sentence is shown, labelled, and its words escaped", async () => {
      fake.setScript([{ when: () => true, fault: { kind: 'rewrite', rewrite: () => JSON.stringify({ sentence: 'Hi Dana <i>there</i>, teams like yours use Lumen to cut dock waits.' }) } }]);
      const page = await (await s.post('/onboarding/guided', { ...validForm(), action: 'preview' })).text();
      expect(page).toContain('Written by Groq (openai/gpt-oss-20b)');
      expect(page).toContain('<blockquote>Hi Dana &lt;i&gt;there&lt;/i&gt;, teams like yours use Lumen to cut dock waits.</blockquote>');
      const call = fake.calls.at(-1)!;
      expect(JSON.stringify(call)).toContain('0.7');
    });

    test('an answer in the wrong shape falls back to the template, saying why', async () => {
      fake.setScript([{ when: () => true, fault: { kind: 'schema-break' } }]);
      const page = await (await s.post('/onboarding/guided', { ...validForm(), action: 'preview' })).text();
      expect(page).toContain('Offline template, no language model: Groq did not give a usable sentence');
      expect(page).toMatch(/<blockquote>Hi Dana, hope your week is going well — Lumen Freightworks helps teams like yours cut truck waiting time at the dock\.<\/blockquote>/);
    });
  });
});

describe('security of the guided form', () => {
  test('saving without the CSRF token is refused and writes nothing', async () => {
    const other = await emptyWorkspace('csrf-victim');
    const s = await signInAs(f, app, other.userId);
    const res = await s.post('/onboarding/guided', validForm(), false);
    expect(res.status).toBe(403);
    expect(await count('seller_company', other.workspaceId)).toBe(0);
  });

  test('a rep who is not an admin can neither open nor save it', async () => {
    const repUser = await f.db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND role = 'rep' LIMIT 1`, { ws: f.rival.workspaceId });
    const rep = await signInAs(f, app, repUser.rows[0].id);
    expect((await rep.get('/onboarding/guided')).status).toBe(403);
    // the sending page refuses under its own title, naming what only an admin changes
    const sending = await rep.get('/onboarding/sending');
    expect(sending.status).toBe(403);
    const text = await sending.text();
    expect(text).not.toContain('<title>Guided onboarding');
    expect(text).toContain('can change its mailboxes and send windows');
    const before = await exportOnboarding(f.db, f.rival.workspaceId);
    expect((await rep.post('/onboarding/guided', { ...validForm() })).status).toBe(403);
    expect(await exportOnboarding(f.db, f.rival.workspaceId)).toEqual(before);
  });

  test('each workspace sees and saves only its own onboarding', async () => {
    const rival = await signInAs(f, app, f.rival.userId);
    const rivalBefore = await exportOnboarding(f.db, f.rival.workspaceId);
    const theirs = await (await rival.get('/onboarding/guided')).text();
    expect(theirs).not.toContain('Lumen Dock');
    expect(theirs).not.toContain('Open to a quick look?');
    const mine = await (await newcomer.get('/onboarding/guided')).text();
    expect(mine).toContain('Lumen Dock');
    expect(mine).not.toContain('value="Tallyhand"');
    // the rival saves its own form: only its rows change
    const lumenBefore = await exportOnboarding(f.db, fresh.workspaceId);
    const values = formValues(theirs);
    expect((await rival.post('/onboarding/guided', { ...values, 'company.name': 'Rival Renamed' })).status).toBe(303);
    expect((await exportOnboarding(f.db, f.rival.workspaceId)).company.name).toBe('Rival Renamed');
    expect((await exportOnboarding(f.db, f.rival.workspaceId)).users).toEqual(rivalBefore.users);
    expect(await exportOnboarding(f.db, fresh.workspaceId)).toEqual(lumenBefore);
    expect((await exportOnboarding(f.db, f.tallyhand.workspaceId)).company.name).toBe('Tallyhand');
    // and what the export downloads is each one's own
    expect(parseOnboardingText(await (await rival.get('/onboarding/export')).text(), 'yaml').company.name).toBe('Rival Renamed');
  });
});

describe('mailboxes and send windows', () => {
  const mailboxes = async (workspaceId: string) =>
    (await f.db.query<{ address: string; provider: string; daily_cap: number; per_domain_daily_cap: number; min_spacing_seconds: number; warm: boolean; active: boolean; rep: string | null }>(
      `SELECT mb.address, mb.provider, mb.daily_cap, mb.per_domain_daily_cap, mb.min_spacing_seconds, mb.warmup_started_at IS NOT NULL AS warm, mb.active, u.email AS rep
         FROM mailbox mb LEFT JOIN app_user u ON u.id = mb.rep_id WHERE mb.workspace_id = :ws::uuid ORDER BY mb.address`,
      { ws: workspaceId },
    )).rows;
  const icps = async () => (await f.db.query<{ id: string; slug: string }>(`SELECT id, slug FROM icp WHERE workspace_id = :ws::uuid ORDER BY active DESC, slug`, { ws: f.tallyhand.workspaceId })).rows;

  function form(): Record<string, string> {
    return {
      'mailboxes[0].repEmail': 'maya.okafor@tallyhand.com', 'mailboxes[0].address': 'Maya@Tallyhand.com', 'mailboxes[0].provider': 'smtp',
      'mailboxes[0].dailyCap': '60', 'mailboxes[0].perDomainDailyCap': '4', 'mailboxes[0].minSpacingSeconds': '180',
      'mailboxes[1].repEmail': 'lukas.brenner@tallyhand.com', 'mailboxes[1].address': 'lukas@tallyhand.com', 'mailboxes[1].provider': 'ses',
      'mailboxes[1].dailyCap': '40', 'mailboxes[1].perDomainDailyCap': '3', 'mailboxes[1].minSpacingSeconds': '120', 'mailboxes[1].warmUp': 'on',
      'mailboxes[2].repEmail': '', 'mailboxes[2].address': '', 'mailboxes[2].provider': 'smtp', 'mailboxes[2].dailyCap': '40', 'mailboxes[2].perDomainDailyCap': '3', 'mailboxes[2].minSpacingSeconds': '120',
      'windows[0].day1': 'on', 'windows[0].day2': 'on', 'windows[0].day3': 'on', 'windows[0].day4': 'on', 'windows[0].day5': 'on', 'windows[0].start': '09:00', 'windows[0].end': '12:00',
      'windows[1].day2': 'on', 'windows[1].start': '08:00', 'windows[1].end': '10:00',
    };
  }

  test('opens with a blank mailbox row and a window row for the workspace and each ICP', async () => {
    const page = await (await admin.get('/onboarding/sending')).text();
    expect(page).toContain('<h1>Mailboxes and send windows</h1>');
    expect(page).toContain('id="s-mailboxes-0-address"');
    expect(page).not.toContain('id="s-mailboxes-1-address"');
    expect(page).toContain('<legend>The workspace</legend>');
    for (const icp of await icps()) expect(page).toContain(`<legend>ICP ${icp.slug}</legend>`);
    expect(await (await admin.get('/onboarding')).text()).toContain('href="/onboarding/sending"');
  });

  test('every problem is shown at its field and nothing is written', async () => {
    const bad = {
      ...form(),
      'mailboxes[0].address': 'maya at tallyhand',
      'mailboxes[0].perDomainDailyCap': '90',
      'mailboxes[0].minSpacingSeconds': '5',
      'mailboxes[1].repEmail': 'maya.okafor@rival.example',
      'windows[0].end': '08:30',
      'windows[1].day2': '',
    };
    const res = await admin.post('/onboarding/sending', bad);
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(errorOf(page, 's-mailboxes-0-address')).toBe('must be an email address such as maya@example.com');
    expect(errorOf(page, 's-mailboxes-0-perDomainDailyCap')).toBe('must not be above the daily cap (60)');
    expect(errorOf(page, 's-mailboxes-0-minSpacingSeconds')).toBe('must be between 30 and 3600 seconds');
    expect(errorOf(page, 's-mailboxes-1-repEmail')).toBe('&quot;maya.okafor@rival.example&quot; is not a user of this workspace');
    expect(errorOf(page, 's-windows-0-end')).toBe('must be after the start (09:00)');
    expect(errorOf(page, 's-windows-1-days')).toBe('choose at least one day');
    expect(input(page, 's-mailboxes-0-address')).toContain('aria-invalid="true"');
    expect(input(page, 's-mailboxes-0-address')).toContain('value="maya at tallyhand"');
    expect(page).toContain('<a href="#s-windows-0-end">');
    expect(page).toContain('Nothing was saved: 6 problem(s) to fix');
    expect(await mailboxes(f.tallyhand.workspaceId)).toEqual([]);
    expect(await count('send_window', f.tallyhand.workspaceId)).toBe(0);
  });

  test('saved, the mailboxes send and the windows schedule; a cleared address switches its mailbox off', async () => {
    const { loadWindow } = await import('#core/sending/schedule.ts');
    const res = await admin.post('/onboarding/sending', form());
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/onboarding/sending?done=saved');
    expect(await mailboxes(f.tallyhand.workspaceId)).toEqual([
      { address: 'lukas@tallyhand.com', provider: 'ses', daily_cap: 40, per_domain_daily_cap: 3, min_spacing_seconds: 120, warm: true, active: true, rep: 'lukas.brenner@tallyhand.com' },
      { address: 'maya@tallyhand.com', provider: 'smtp', daily_cap: 60, per_domain_daily_cap: 4, min_spacing_seconds: 180, warm: false, active: true, rep: 'maya.okafor@tallyhand.com' },
    ]);
    const [first, second] = await icps();
    expect(await loadWindow(f.db, f.tallyhand.workspaceId, null)).toEqual({ days: [1, 2, 3, 4, 5], start: '09:00', end: '12:00' });
    expect(await loadWindow(f.db, f.tallyhand.workspaceId, first.id)).toEqual({ days: [2], start: '08:00', end: '10:00' });
    if (second) expect(await loadWindow(f.db, f.tallyhand.workspaceId, second.id)).toEqual({ days: [1, 2, 3, 4, 5], start: '09:00', end: '12:00' });

    const page = await (await admin.get('/onboarding/sending?done=saved')).text();
    expect(page).toContain('Saved: approvals and sending use these mailboxes and windows');
    expect(input(page, 's-mailboxes-1-address')).toContain('value="maya@tallyhand.com"');
    expect(input(page, 's-mailboxes-2-address')).toContain('value=""');
    expect(input(page, 's-windows-0-day5')).toContain('checked');
    expect(input(page, 's-windows-0-day6')).not.toContain('checked');

    // lukas's mailbox cleared: switched off, not deleted (queued mail may point at it)
    const again = { ...form(), 'mailboxes[1].address': '' };
    expect((await admin.post('/onboarding/sending', again)).status).toBe(303);
    expect((await mailboxes(f.tallyhand.workspaceId)).map((m) => [m.address, m.active])).toEqual([['lukas@tallyhand.com', false], ['maya@tallyhand.com', true]]);
  });

  test('one active mailbox a rep; CSRF needed; another workspace neither sees nor changes them', async () => {
    const twice = { ...form(), 'mailboxes[1].repEmail': 'maya.okafor@tallyhand.com' };
    const res = await admin.post('/onboarding/sending', twice);
    expect(res.status).toBe(422);
    expect(errorOf(await res.text(), 's-mailboxes-1-repEmail')).toBe('maya.okafor@tallyhand.com already sends from mailbox 1: one active mailbox a rep');
    const before = await mailboxes(f.tallyhand.workspaceId);
    expect((await admin.post('/onboarding/sending', { ...form(), 'mailboxes[0].dailyCap': '7' }, false)).status).toBe(403);
    const rival = await signInAs(f, app, f.rival.userId);
    const theirs = await (await rival.get('/onboarding/sending')).text();
    expect(theirs).not.toContain('maya@tallyhand.com');
    const rivalForm = { ...form(), 'mailboxes[0].repEmail': 'maya.okafor@rival.example', 'mailboxes[0].address': 'maya@tallyhand.com', 'mailboxes[1].address': '' };
    expect((await rival.post('/onboarding/sending', rivalForm)).status).toBe(303);
    expect(await mailboxes(f.tallyhand.workspaceId)).toEqual(before);
    expect((await mailboxes(f.rival.workspaceId)).map((m) => m.rep)).toEqual(['maya.okafor@rival.example']);
  });
});
