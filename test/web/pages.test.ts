/**
 * The inbox, suppression list, redrive and onboarding export through the app's fetch handler (no
 * browser): what a rep sees, what each form changes in the database, and what is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { approveSequence } from '#core/outreach/repository.ts';
import { loadOnboardingFile, parseOnboardingText } from '#core/onboarding/import.ts';
import type { Onboarding } from '#core/onboarding/schema.ts';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { createWebApp } from '#web/app.ts';
import { EVIL_REPLY_EVIDENCE, EVIL_REPLY_SUBJECT, signInAs, webFixture, type Signed, type WebFixture } from '#test/helpers/web.ts';

let f: WebFixture;
let app: ReturnType<typeof createWebApp>;
let rep: Signed;

beforeAll(async () => {
  f = await webFixture();
  app = createWebApp({ sql: f.db, lake: f.lake });
  rep = await signInAs(f, app, f.tallyhand.userId);
});
afterAll(async () => {
  await f?.close();
});

const row = (page: string, id: string) => {
  const start = page.indexOf(`id="reply-${id}"`);
  expect(start, `reply ${id} on the page`).toBeGreaterThan(-1);
  return page.slice(start, page.indexOf('</tr>', start));
};

describe('inbox', () => {
  test('each reply shows its label, confidence, action, review flag, lead link and the task it opened', async () => {
    const res = await rep.get('/inbox');
    expect(res.status).toBe(200);
    const page = await res.text();
    const interested = row(page, f.replies.interested);
    expect(interested).toContain('interested');
    expect(interested).toContain('92% · by llm');
    expect(interested).toContain('stopped the sequence; opened a task for the rep');
    expect(interested).toContain(`href="/leads/${f.leads.northwind.leadId}"`);
    expect(interested).toContain(`sequence ${f.sequences.northwind.sequenceId.slice(0, 8)}`);
    expect(interested).toContain('Book a call with Dana Ruiz');
    expect(interested).toContain('due 2026-12-03');
    expect(interested).not.toContain('needs review');
    const review = row(page, f.replies.review);
    expect(review).toContain('class="needs-review"');
    expect(review).toContain('needs review');
    expect(review).toContain('55%');
    expect(row(page, f.replies.optOut)).toContain('unmatched');
    // newest first
    expect(page.indexOf(f.replies.interested)).toBeLessThan(page.indexOf(f.replies.optOut));
    expect(page.indexOf(f.replies.optOut)).toBeLessThan(page.indexOf(f.replies.review));
  });

  test('a reply carrying <script> in its subject and words is text, never markup', async () => {
    const page = await (await rep.get('/inbox')).text();
    expect(page).not.toContain(EVIL_REPLY_SUBJECT);
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('Re: cross-dock &lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;');
    expect(page).toContain('yes &lt;img src=x onerror=alert(1)&gt; let&#39;s talk &amp; &quot;soon&quot;');
    expect(EVIL_REPLY_EVIDENCE).toContain('<img');
    expect(page.match(/<script[^>]*>/g)).toEqual(['<script src="/static/app.js" defer>']);
  });

  test('filters: needs review and not on a thread; an unknown filter shows everything', async () => {
    const review = await (await rep.get('/inbox?show=needs_review')).text();
    expect(review).toContain(f.replies.review);
    expect(review).not.toContain(f.replies.interested);
    const unmatched = await (await rep.get('/inbox?show=unmatched')).text();
    expect(unmatched).toContain(f.replies.optOut);
    expect(unmatched).toContain(f.replies.review);
    expect(unmatched).not.toContain(f.replies.interested);
    const odd = await (await rep.get('/inbox?show=%3Cx%3E')).text();
    for (const id of [f.replies.interested, f.replies.optOut, f.replies.review]) expect(odd).toContain(id);
  });

  test('"To you": the replies to the sequences the signed-in rep sends, each thread saying whose it is', async () => {
    const mine = await (await rep.get('/inbox?show=mine')).text();
    expect(mine).toContain('<a href="/inbox?show=mine" aria-current="true">To you</a>');
    expect(row(mine, f.replies.interested)).toMatch(/sequence \w{8} \([a-z]+\), yours, matched by/);
    expect(mine).not.toContain(`id="reply-${f.replies.optOut}"`); // on no thread: no one's
    const lukas = 'lukas.brenner@tallyhand.com';
    const lukasId = (await f.db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :e`, { ws: f.tallyhand.workspaceId, e: lukas })).rows[0].id;
    const his = await signInAs(f, app, lukasId);
    expect(await (await his.get('/inbox?show=mine')).text()).toContain('No replies to your sequences.');
    const northwind = f.sequences.northwind.sequenceId;
    await f.db.query(`UPDATE sequence SET rep_email = :e WHERE id = :id::uuid`, { e: lukas, id: northwind });
    try {
      expect(row(await (await his.get('/inbox?show=mine')).text(), f.replies.interested)).toContain(', yours, matched by');
      expect(row(await (await rep.get('/inbox')).text(), f.replies.interested)).toContain(`, sent by ${lukas}, matched by`);
      expect(await (await rep.get('/inbox?show=mine')).text()).not.toContain(`id="reply-${f.replies.interested}"`);
    } finally {
      await f.db.query(`UPDATE sequence SET rep_email = :e WHERE id = :id::uuid`, { e: f.tallyhand.email, id: northwind });
    }
  });

  test("a workspace never sees another's replies", async () => {
    const mine = await (await rep.get('/inbox')).text();
    expect(mine).not.toContain(f.replies.rival);
    expect(mine).not.toContain('Rival secret reply');
    const rival = await signInAs(f, app, f.rival.userId);
    const theirs = await (await rival.get('/inbox')).text();
    expect(theirs).toContain('Rival secret reply');
    expect(theirs).not.toContain(f.replies.interested);
  });

  test('without a session the inbox redirects to /login', async () => {
    const res = await app.request('/inbox');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
  });
});

const suppressed = async (workspaceId: string, value: string) =>
  (await f.db.query<{ source: string; reason: string }>(`SELECT source, reason FROM suppression WHERE workspace_id = :ws::uuid AND value = :v`, { ws: workspaceId, v: value })).rows;

describe('suppression list', () => {
  test('shows where each address came from and why; search narrows it; the rival list stays apart', async () => {
    const page = await (await rep.get('/suppressions')).text();
    expect(page).toContain('gone@optout.example');
    expect(page).toContain('opted out');
    expect(page).toContain('Opted out by reply');
    expect(page).toContain(`href="/inbox#reply-${f.replies.optOut}"`);
    expect(page).not.toContain('secret@rival-only.example');
    const onboarded = await f.db.query<{ value: string }>(`SELECT value FROM suppression WHERE workspace_id = :ws::uuid AND source = 'onboarding' LIMIT 1`, { ws: f.tallyhand.workspaceId });
    expect(onboarded.rows.length).toBe(1);
    expect(page).toContain(onboarded.rows[0].value);
    const found = await (await rep.get('/suppressions?q=OPTOUT')).text();
    expect(found).toContain('gone@optout.example');
    expect(found).not.toContain(onboarded.rows[0].value);
    expect(found).toContain('value="OPTOUT"');
    expect(await (await rep.get('/suppressions?q=%3Cb%3Enothing')).text()).toContain('Matching “&lt;b&gt;nothing”');
  });

  test('adding an address suppresses it (lowercased, with the rep and reason) and stops its open sequences', async () => {
    await approveSequence(f.db, f.sequences.granite.sequenceId, { by: f.tallyhand.email, reason: null, now: new Date() });
    const evilEmail = (await f.db.query<{ email: string }>(`SELECT email FROM lead WHERE id = :id::uuid`, { id: f.leads.granite.leadId })).rows[0].email;
    const res = await rep.post('/suppressions', { email: ` ${evilEmail.toUpperCase()} `, reason: 'asked on the phone' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/suppressions?added=${encodeURIComponent(evilEmail)}&stopped=1&held=0`);
    expect(await suppressed(f.tallyhand.workspaceId, evilEmail)).toEqual([{ source: 'rep', reason: `asked on the phone (added by ${f.tallyhand.email})` }]);
    const seq = await f.db.query<{ status: string; status_reason: string }>(`SELECT status, status_reason FROM sequence WHERE id = :id::uuid`, { id: f.sequences.granite.sequenceId });
    expect(seq.rows[0]).toEqual({ status: 'stopped', status_reason: 'suppressed' });
    const page = await (await rep.get(res.headers.get('location')!)).text();
    expect(page).toContain(`Suppressed ${evilEmail}: it is never written to again. 1 open sequence(s) to it stopped, their queued emails cancelled.`);
    expect(page).toContain('added by a rep');
    // adding it again changes nothing, and says so: the first reason stands
    const again = await rep.post('/suppressions', { email: evilEmail, reason: 'another reason' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`/suppressions?added=${encodeURIComponent(evilEmail)}&already=1`);
    expect(await (await rep.get(again.headers.get('location')!)).text()).toContain(`${evilEmail} was already suppressed: nothing changed, and the earlier reason stands (shown below).`);
    expect(await suppressed(f.tallyhand.workspaceId, evilEmail)).toEqual([{ source: 'rep', reason: `asked on the phone (added by ${f.tallyhand.email})` }]);
    // an address with a draft waiting: the draft is held, not stopped, and the notice says where it is
    const draftEmail = (await f.db.query<{ email: string }>(`SELECT email FROM lead WHERE id = :id::uuid`, { id: f.leads.northwind.leadId })).rows[0].email;
    const withDraft = await rep.post('/suppressions', { email: draftEmail, reason: 'asked by mail' });
    expect(withDraft.headers.get('location')).toBe(`/suppressions?added=${encodeURIComponent(draftEmail)}&stopped=0&held=1`);
    expect(await (await rep.get(withDraft.headers.get('location')!)).text()).toContain(
      `Suppressed ${draftEmail}: it is never written to again. No open sequence was sending to it. 1 draft(s) to it wait in the review queue, held: approving is refused; reject them there.`,
    );
  });

  test('a bad address is refused with the error at its field, the typed text kept and escaped', async () => {
    const res = await rep.post('/suppressions', { email: 'not-an-email<script>', reason: 'x' });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('id="s-email-error"');
    expect(page).toContain('&quot;not-an-email&lt;script&gt;&quot; is not an email address');
    expect(page).toMatch(/id="s-email"[^>]*value="not-an-email&lt;script&gt;"[^>]*aria-invalid="true"/);
    expect(await suppressed(f.tallyhand.workspaceId, 'not-an-email<script>')).toEqual([]);
    const empty = await rep.post('/suppressions', { email: '', reason: 'x'.repeat(501) });
    expect(empty.status).toBe(422);
    const text = await empty.text();
    expect(text).toContain('enter the email address to suppress');
    expect(text).toContain('id="s-reason-error"');
  });

  test('adding without the CSRF token is refused and suppresses nothing', async () => {
    const res = await rep.post('/suppressions', { email: 'csrf@victim.example', reason: 'x' }, false);
    expect(res.status).toBe(403);
    expect(await suppressed(f.tallyhand.workspaceId, 'csrf@victim.example')).toEqual([]);
  });

  test('there is no control to remove a suppression, and the server refuses removal even with a valid token', async () => {
    const page = await (await rep.get('/suppressions')).text();
    // the only forms: search, add, sign out; the only buttons: theirs
    expect(page.match(/<form[^>]*>/g)).toEqual([
      '<form method="post" action="/logout">',
      '<form method="get" action="/suppressions" class="filters" role="search">',
      '<form method="post" action="/suppressions" class="add-suppression" novalidate>',
    ]);
    expect(page.match(/<button[^>]*>[^<]*</g)).toEqual(['<button type="submit" class="link">Sign out<', '<button type="submit">Search<', '<button type="submit">Suppress<']);
    const id = (await f.db.query<{ id: string }>(`SELECT id FROM suppression WHERE workspace_id = :ws::uuid AND value = :v`, { ws: f.tallyhand.workspaceId, v: 'gone@optout.example' })).rows[0].id;
    for (const path of [`/suppressions/${id}/remove`, `/suppressions/${id}/delete`]) {
      const res = await rep.post(path, {});
      expect(res.status).toBe(405);
      expect(await res.text()).toContain('an opt-out is permanent');
    }
    const del = await app.request(`/suppressions/${id}`, { method: 'DELETE', headers: { cookie: rep.cookie, 'x-csrf-token': rep.csrf } });
    expect(del.status).toBe(405);
    expect(await suppressed(f.tallyhand.workspaceId, 'gone@optout.example')).toEqual([{ source: 'opt_out', reason: 'Opted out by reply' }]);
  });
});

describe('redrive from the Runs page', () => {
  const runId = () => f.leads.northwind.runId;

  test('without a redrive port (the cloud, for now) the page names the command and the POST says so', async () => {
    const page = await (await rep.get(`/runs/${runId()}`)).text();
    expect(page).toContain(`prospector redrive ${runId().slice(0, 8)}`);
    expect(page).not.toContain('/redrive"');
    const res = await rep.post(`/runs/${runId()}/redrive`, {});
    expect(res.status).toBe(501);
    expect(await res.text()).toContain(`prospector redrive ${runId().slice(0, 8)}`);
  });

  test('the button starts one redrive of the run, CSRF-protected, only in the workspace, once at a time', async () => {
    const calls: { workspaceId: string; runId: string }[] = [];
    let finish!: () => void;
    const withRedrive = createWebApp({
      sql: f.db,
      lake: f.lake,
      redrive: async (input) => {
        calls.push(input);
        await new Promise<void>((resolve) => (finish = resolve));
      },
    });
    const s = await signInAs(f, withRedrive, f.tallyhand.userId);
    const page = await (await s.get(`/runs/${runId()}`)).text();
    expect(page).toContain(`<form method="post" action="/runs/${runId()}/redrive" class="redrive">`);
    expect(page).toContain('Redrive 1 failed lead(s)');

    expect((await s.post(`/runs/${runId()}/redrive`, {}, false)).status).toBe(403);
    expect(calls).toEqual([]);

    const rival = await signInAs(f, withRedrive, f.rival.userId);
    expect((await rival.post(`/runs/${runId()}/redrive`, {})).status).toBe(404);
    expect(calls).toEqual([]);

    const started = await s.post(`/runs/${runId()}/redrive`, {});
    expect(started.status).toBe(303);
    expect(started.headers.get('location')).toBe(`/runs/${runId()}?done=redrive&from=0`);
    expect(calls).toEqual([{ workspaceId: f.tallyhand.workspaceId, runId: runId() }]);
    const during = await (await s.get(started.headers.get('location')!)).text();
    expect(during).toContain('Redrive started');
    expect(during).toContain('being redriven now');
    expect(during).not.toContain('class="redrive"');
    expect((await s.post(`/runs/${runId()}/redrive`, {})).status).toBe(409);
    expect(calls.length).toBe(1);

    finish();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await (await s.get(`/runs/${runId()}`)).text()).toContain('class="redrive"');
    expect(await (await s.get(started.headers.get('location')!)).text()).toContain('Redrive started');
    // the redrive reopened the run (as StartRun does) and closed it: the address the redirect
    // gave no longer says it started
    await f.db.query(`UPDATE run SET redrives = redrives + 1 WHERE id = :id::uuid`, { id: runId() });
    const after = await (await s.get(started.headers.get('location')!)).text();
    expect(after).not.toContain('Redrive started');
    expect(after).toMatch(/The redrive has finished: the run is \w+, and the counts below are the run(?:'|&#39;)s now\./);
  });

  test('a run with no failed lead offers no redrive and refuses one', async () => {
    const calls: unknown[] = [];
    const withRedrive = createWebApp({ sql: f.db, lake: f.lake, redrive: async (input) => void calls.push(input) });
    const s = await signInAs(f, withRedrive, f.tallyhand.userId);
    const clean = f.leads.granite.runId;
    expect(await (await s.get(`/runs/${clean}`)).text()).not.toContain('class="redrive"');
    const res = await s.post(`/runs/${clean}/redrive`, {});
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('no failed lead');
    expect(calls).toEqual([]);
  });
});

/** An onboarding with its unordered lists sorted (the export lists them in the database's order). */
function sorted(o: Onboarding): Onboarding {
  const by = <T>(key: (x: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));
  return {
    ...o,
    users: [...o.users].sort(by((u) => u.email)),
    products: [...o.products].sort(by((p) => p.name)),
    icps: [...o.icps].sort(by((i) => i.slug)),
    suppressions: [...o.suppressions].sort(by((x) => `${x.kind} ${x.value}`)),
  };
}

describe('onboarding export', () => {
  test('downloads the stored onboarding as YAML that parses back to the imported file', async () => {
    const res = await rep.get('/onboarding/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tallyhand-onboarding.yaml"');
    const text = await res.text();
    const exported = parseOnboardingText(text, 'yaml', 'exported file');
    const sample = await loadOnboardingFile(SAMPLE_ONBOARDING);
    expect(sorted({ ...exported, knowledge: [] })).toEqual(sorted({ ...sample, knowledge: [] }));
    // knowledge documents come back inline, every sentence of the file still there
    expect(exported.knowledge.map((k) => k.title).sort()).toEqual(sample.knowledge.map((k) => k.title).sort());
    for (const k of sample.knowledge) {
      const back = exported.knowledge.find((e) => e.title === k.title)!.text!;
      for (const line of k.text!.split(/\n+/).filter((l) => l.trim() && !l.startsWith('#'))) expect(back).toContain(line.trim());
    }
    // only the file's suppressions: the opt-out from a reply stays out of it
    expect(text).not.toContain('gone@optout.example');
    expect(await (await rep.get('/onboarding')).text()).toContain('href="/onboarding/export"');
  });

  test('an edited export imports through the page, and the next export carries the edit', async () => {
    const text = await (await rep.get('/onboarding/export')).text();
    const edited = text.replace(/^(\s+)callToAction: .*$/m, '$1callToAction: Worth a 20-minute look?');
    expect(edited).not.toBe(text);
    const res = await rep.post('/onboarding/import', { text: edited });
    expect(res.status).toBe(303);
    const again = parseOnboardingText(await (await rep.get('/onboarding/export')).text(), 'yaml');
    expect(again.tone.callToAction).toBe('Worth a 20-minute look?');
    expect(sorted(again)).toEqual(sorted(parseOnboardingText(edited, 'yaml')));
  });

  test("a rep who is not an admin cannot export, and each workspace exports its own", async () => {
    const rival = await signInAs(f, app, f.rival.userId);
    const theirs = parseOnboardingText(await (await rival.get('/onboarding/export')).text(), 'yaml');
    expect(theirs.workspace.slug).toBe('rival-co');
    expect(theirs.users.every((u) => u.email.endsWith('@rival.example'))).toBe(true);
    const repUser = await f.db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND role = 'rep' LIMIT 1`, { ws: f.tallyhand.workspaceId });
    expect(repUser.rows.length).toBe(1);
    const plain = await signInAs(f, app, repUser.rows[0].id);
    expect((await plain.get('/onboarding/export')).status).toBe(403);
  });
});

describe('onboarding: the guided company form', () => {
  const company = async () =>
    (await f.db.query<{ name: string; website: string; value_propositions: string[]; postal_address: string | null }>(
      `SELECT name, website, value_propositions, postal_address FROM seller_company WHERE workspace_id = :ws::uuid`, { ws: f.tallyhand.workspaceId },
    )).rows[0];

  test('is prefilled from the stored company', async () => {
    const page = await (await rep.get('/onboarding')).text();
    const stored = await company();
    expect(page).toMatch(new RegExp(`id="company-name" name="name" type="text" value="${stored.name}"`));
    expect(page).toContain(stored.value_propositions[0].replaceAll("'", '&#39;').replaceAll('&', '&amp;').slice(0, 20));
  });

  test('shows each problem at its field, keeps what was typed, and changes nothing', async () => {
    const before = await company();
    const res = await rep.post('/onboarding/company', { name: 'Tallyhand <b>', website: 'tallyhand dot com', description: 'Accounts payable automation.', valuePropositions: '\n  \n', postalAddress: '' });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toMatch(/id="company-website"[^>]*aria-invalid="true" aria-describedby="company-website-error"/);
    expect(page).toContain('<p class="field-error" id="company-website-error">must be a full http:// or https:// URL</p>');
    expect(page).toContain('<p class="field-error" id="company-valuePropositions-error">needs at least one value proposition</p>');
    expect(page).not.toContain('id="company-name-error"');
    expect(page).toContain('value="Tallyhand &lt;b&gt;"');
    expect(page).toContain('2 field(s) need a fix');
    expect(await company()).toEqual(before);
  });

  test('a valid form is saved through the onboarding import, and the export carries it', async () => {
    const knowledgeWords = async () =>
      (await f.db.query<{ t: string }>(
        `SELECT string_agg(p.text, ' ' ORDER BY p.text) AS t FROM knowledge_passage p JOIN knowledge_document d ON d.id = p.document_id WHERE d.workspace_id = :ws::uuid AND d.active`,
        { ws: f.tallyhand.workspaceId },
      )).rows[0].t;
    const before = await knowledgeWords();
    expect(before).toContain('NetSuite');
    const res = await rep.post('/onboarding/company', {
      name: 'Tallyhand',
      website: 'https://tallyhand.com',
      description: 'Accounts payable automation for mid-market finance teams.',
      valuePropositions: 'Close the books faster\r\nFewer late-payment fees\r\n',
      postalAddress: 'Tallyhand Inc., 548 Market St, San Francisco, CA 94104, USA',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/onboarding?done=company');
    expect(await company()).toMatchObject({ name: 'Tallyhand', value_propositions: ['Close the books faster', 'Fewer late-payment fees'], postal_address: 'Tallyhand Inc., 548 Market St, San Francisco, CA 94104, USA' });
    const exported = parseOnboardingText(await (await rep.get('/onboarding/export')).text(), 'yaml');
    expect(exported.company.valuePropositions).toEqual(['Close the books faster', 'Fewer late-payment fees']);
    // the knowledge documents stay on, with every passage's words
    expect(await knowledgeWords()).toBe(before);
  });

  test('needs the CSRF token and an admin', async () => {
    const form = { name: 'Hijacked', website: 'https://evil.example', description: 'x', valuePropositions: 'x', postalAddress: '' };
    expect((await rep.post('/onboarding/company', form, false)).status).toBe(403);
    const repUser = await f.db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND role = 'rep' LIMIT 1`, { ws: f.tallyhand.workspaceId });
    const plain = await signInAs(f, app, repUser.rows[0].id);
    expect((await plain.post('/onboarding/company', form)).status).toBe(403);
    expect((await company()).name).toBe('Tallyhand');
  });
});
