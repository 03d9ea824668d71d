/**
 * The web app's security model and actions through its fetch handler (no browser): one-time
 * login links, sessions, redirects and 401s, CSRF, headers, and two workspaces that never see
 * each other's rows. Actions go through the same core functions as `prospector drafts`, so the
 * database is read back to check what they did.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SAMPLE_ONBOARDING } from '#test/helpers/db.ts';
import { draftSequence, seedResearchedLead } from '#test/helpers/outreach.ts';
import { OUTREACH_FILTERS, outreachMatches, type OutreachFilter } from '#core/views/leads.ts';
import { createWebApp, CONTENT_SECURITY_POLICY, SESSION_COOKIE } from '#web/app.ts';
import { LOGIN_LINK_TTL_MS } from '#web/sessions.ts';
import { departedRepDraft, EVIL_QUOTE, FAILURE_MESSAGE, signInAs, STORED_TEXT, uploadableSample, webFixture, type Signed, type WebFixture } from '#test/helpers/web.ts';

let f: WebFixture;
let app: ReturnType<typeof createWebApp>;

beforeAll(async () => {
  f = await webFixture();
  app = createWebApp({ sql: f.db, lake: f.lake });
});
afterAll(async () => {
  await f?.close();
});

/** Signs a user in through a fresh one-time link (see test/helpers/web.ts). */
const signIn = (userId: string, target = app): Promise<Signed> => signInAs(f, target, userId);

const status = async (sequenceId: string) =>
  (await f.db.query<{ status: string }>(`SELECT status FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0].status;

/** Runs `check` with the granite draft sent by `rep` (the fixture's drafts are all the signed-in user's), then gives it back. */
async function withGraniteSentBy(rep: string, check: () => Promise<void>): Promise<void> {
  const id = f.sequences.granite.sequenceId;
  await f.db.query(`UPDATE sequence SET rep_email = :e WHERE id = :id::uuid`, { e: rep, id });
  try {
    await check();
  } finally {
    await f.db.query(`UPDATE sequence SET rep_email = :e WHERE id = :id::uuid`, { e: f.tallyhand.email, id });
  }
}

describe('signing in', () => {
  test('the one-time link opens an HttpOnly, SameSite=Lax session once; the second use is refused', async () => {
    const token = await f.loginToken(f.tallyhand.userId);
    const first = await app.request(`/login?token=${token}`);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/review');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const again = await app.request(`/login?token=${token}`);
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.text()).toContain('used already, has expired');
    // only hashes are stored
    const stored = await f.db.query<{ token_sha256: string }>(`SELECT token_sha256 FROM web_login_link`);
    expect(stored.rows.map((r) => r.token_sha256)).not.toContain(token);
  });

  test('an expired link, a made-up token and no token are refused', async () => {
    const token = await f.loginToken(f.tallyhand.userId);
    const later = createWebApp({ sql: f.db, lake: f.lake, clock: { now: () => new Date(Date.now() + LOGIN_LINK_TTL_MS + 1000) } });
    expect((await later.request(`/login?token=${token}`)).status).toBe(401);
    expect((await app.request(`/login?token=${'A'.repeat(43)}`)).status).toBe(401);
    expect((await app.request(`/login?token=%3Cscript%3E`)).status).toBe(401);
    expect((await app.request('/login')).status).toBe(401);
  });

  test('a sign-in clears links and sessions expired for over a day, and keeps live ones', async () => {
    const live = await signIn(f.tallyhand.userId);
    const stale = await f.loginToken(f.tallyhand.userId);
    await f.db.query(`UPDATE web_login_link SET created_at = now() - interval '3 days', expires_at = now() - interval '2 days' WHERE used_at IS NULL`);
    await f.db.query(`INSERT INTO web_session (token_sha256, user_id, csrf_token, created_at, expires_at)
                      VALUES (:h, :u::uuid, :c, now() - interval '3 days', now() - interval '2 days')`, { h: 'e'.repeat(64), u: f.tallyhand.userId, c: 'c'.repeat(43) });
    await signIn(f.tallyhand.userId);
    const left = await f.db.query<{ n: number }>(`SELECT (SELECT count(*)::int FROM web_login_link WHERE expires_at < now() - interval '1 day') + (SELECT count(*)::int FROM web_session WHERE expires_at < now() - interval '1 day') AS n`);
    expect(left.rows[0].n).toBe(0);
    expect((await app.request(`/login?token=${stale}`)).status).toBe(401);
    expect((await live.get('/review')).status).toBe(200);
  });

  test('in the cloud the cookie is Secure and HSTS is sent', async () => {
    const cloud = createWebApp({ sql: f.db, lake: f.lake, secure: true });
    const res = await cloud.request(`/login?token=${await f.loginToken(f.tallyhand.userId)}`);
    expect(res.headers.get('set-cookie')).toMatch(/; Secure/);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  test('signing out ends the session: its cookie is then sent to /login', async () => {
    const s = await signIn(f.tallyhand.userId);
    expect((await s.post('/logout', {})).status).toBe(200);
    const after = await s.get('/review');
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toBe('/login');
  });
});

describe('without a session', () => {
  test.each(['/', '/review', '/leads', '/runs', '/runs/00000000-0000-4000-8000-000000000000', '/leads/x', '/nope'])('GET %s redirects to /login', async (path) => {
    const res = await app.request(path);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login');
  });

  test('the API answers 401 JSON, and a forged cookie is no session', async () => {
    for (const path of ['/api/drafts', '/api/runs']) {
      const res = await app.request(path, { headers: { cookie: `${SESSION_COOKIE}=${'x'.repeat(43)}` } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.stringContaining('not signed in') });
    }
    const post = await app.request(`/review/${f.sequences.granite.sequenceId}/approve`, { method: 'POST' });
    expect(post.status).toBe(302);
    expect(await status(f.sequences.granite.sequenceId)).toBe('draft');
  });
});

describe('headers and escaping', () => {
  test('every page carries the CSP without inline script, frame-ancestors none, nosniff and no referrer', async () => {
    const s = await signIn(f.tallyhand.userId);
    for (const path of ['/review', '/leads', '/runs', '/login', '/static/app.js']) {
      const res = path === '/login' ? await app.request(path) : await s.get(path);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
      expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const page = await (await s.get('/review')).text();
    // no inline script or style: the one script and stylesheet come from /static
    expect(page.match(/<script[^>]*>/g)).toEqual(['<script src="/static/app.js" defer>']);
    expect(page).not.toMatch(/\sstyle=|<style|\son[a-z]+="/i);
  });

  test('a quote with <script> is text on the review queue and the lead page', async () => {
    const s = await signIn(f.tallyhand.userId);
    for (const path of ['/review', `/leads/${f.leads.evil.leadId}`]) {
      const page = await (await s.get(path)).text();
      expect(page).not.toContain("<script>document.title='pwned'");
      expect(page).toContain('&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; &amp; &quot;more&quot;');
    }
    expect(EVIL_QUOTE).toContain('<script>');
  });

  test('the stored page text of a fact is served as plain text, only for the lead it belongs to', async () => {
    const s = await signIn(f.tallyhand.userId);
    const res = await s.get(`/leads/${f.leads.northwind.leadId}/facts/f1/text`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(STORED_TEXT);
    const page = await (await s.get(`/leads/${f.leads.northwind.leadId}`)).text();
    expect(page).toContain(`href="/leads/${f.leads.northwind.leadId}/facts/f1/text"`);
    expect((await s.get(`/leads/${f.leads.northwind.leadId}/facts/f9/text`)).status).toBe(404);
    expect((await s.get(`/leads/${f.leads.northwind.leadId}/facts/..%2F..%2Fetc/text`)).status).toBe(404);
  });
});

describe('pages', () => {
  test("the lead page says which signal started outreach, or why it did not, as text", async () => {
    const s = await signIn(f.tallyhand.userId);
    const icpId = (await f.db.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid ORDER BY slug LIMIT 1`, { ws: f.tallyhand.workspaceId })).rows[0].id;
    const seed = async (lead: { leadId: string; runId: string }, n: number, trigger: { status: 'drafted' | 'skipped'; reason: string | null; sequenceId: string | null }) => {
      const companyId = (await f.db.query<{ company_id: string }>(`SELECT company_id FROM lead WHERE id = :id::uuid`, { id: lead.leadId })).rows[0].company_id;
      const signalId = `00000000-0000-4000-8000-00000000000${n}`;
      await f.db.query(
        `INSERT INTO company_signal (id, workspace_id, company_id, run_id, kind, summary, after_quote, after_key, url, observed_at, dedupe_key)
         VALUES (:id::uuid, :ws::uuid, :c::uuid, :run::uuid, 'job_opened', 'New job opening: VP of Finance', 'VP of Finance', 'clean/text/x.md', 'https://x.example/careers', '2026-11-30T09:00:00Z', :key)`,
        { id: signalId, ws: f.tallyhand.workspaceId, c: companyId, run: lead.runId, key: String(n).repeat(64) },
      );
      await f.db.query(
        `INSERT INTO outreach_trigger (signal_id, workspace_id, company_id, lead_id, icp_id, intent_score, status, sequence_id, reason, settled_at)
         VALUES (:id::uuid, :ws::uuid, :c::uuid, :lead::uuid, :icp::uuid, 48, :status, :seq::uuid, :reason, now())`,
        { id: signalId, ws: f.tallyhand.workspaceId, c: companyId, lead: lead.leadId, icp: icpId, status: trigger.status, seq: trigger.sequenceId, reason: trigger.reason },
      );
      return signalId;
    };
    const ids = [
      await seed(f.leads.northwind, 1, { status: 'drafted', reason: null, sequenceId: f.sequences.northwind.sequenceId }),
      await seed(f.leads.evil, 2, { status: 'skipped', reason: `the after-quote is not in the stored page <script>alert(1)</script>`, sequenceId: null }),
    ];
    try {
      const drafted = await (await s.get(`/leads/${f.leads.northwind.leadId}`)).text();
      expect(drafted).toContain('Outreach started by: job opened on 2026-11-30');
      const skipped = await (await s.get(`/leads/${f.leads.evil.leadId}`)).text();
      expect(skipped).toContain('Outreach not started by job opened on 2026-11-30: the after-quote is not in the stored page &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(skipped).not.toContain('<script>alert(1)');
      // a lead no signal picked shows no such line
      expect(await (await s.get(`/leads/${f.leads.granite.leadId}`)).text()).not.toContain('Outreach started by');
    } finally {
      await f.db.query(`DELETE FROM company_signal WHERE id IN (SELECT (jsonb_array_elements_text(:ids::jsonb))::uuid)`, { ids });
    }
  });

  test("the lead page shows the lead's sequences, why its latest run drafted nothing, and what keeps it from being contacted", async () => {
    const s = await signIn(f.tallyhand.userId);
    const ws = f.tallyhand.workspaceId;
    // a drafted lead: its draft, linked to the review queue, and nothing keeping it from being contacted
    const drafted = await (await s.get(`/leads/${f.leads.granite.leadId}`)).text();
    expect(drafted).toMatch(new RegExp(`Sequence <code>${f.sequences.granite.sequenceId.slice(0, 8)}</code> · <span class="status status-draft">draft</span>\\s*· drafted from templates · sent by maya\\.okafor@tallyhand\\.com · [^<]+ · <a href="/review#seq-${f.sequences.granite.sequenceId}">in the review queue</a>`));
    expect(drafted).not.toContain('Not contacted');
    // the leads list says the same at a glance
    expect(rowOf(await (await s.get('/leads')).text(), 'Gus Hale')).toContain(`<td><span class="status status-draft">draft</span><br><a href="/review#seq-${f.sequences.granite.sequenceId}">in the review queue</a></td>`);
    // the seller's onboarding lists Keelhaul Freight as a customer: a lead there says so, as drafting decides
    const customer = await seedResearchedLead(f.db, ws, 'keelhaul-freight.example', 'Kai Moss');
    try {
      expect(await (await s.get(`/leads/${customer.leadId}`)).text()).toContain('<p class="flag">Not contacted: existing customer</p>');
    } finally {
      await removeSeeded(customer, 'keelhaul-freight.example');
    }

    // a lead a run researched and did not draft for (a team's mailbox), then opted out
    const team = await seedResearchedLead(f.db, ws, 'team-mailbox.example', 'Accounts Payable');
    try {
      // below its ICP's threshold, the lead never reached the drafting step: the reason is derived, as the run summary does
      const icp = (await f.db.query<{ id: string; fit_threshold: number }>(`SELECT id, fit_threshold FROM icp WHERE workspace_id = :ws::uuid ORDER BY slug LIMIT 1`, { ws })).rows[0];
      await f.db.query(`UPDATE lead SET icp_id = :icp::uuid WHERE id = :lead::uuid`, { icp: icp.id, lead: team.leadId });
      await f.db.query(`UPDATE research SET fit_score = 41 WHERE id = :r::uuid`, { r: team.researchId });
      expect(await (await s.get(`/leads/${team.leadId}`)).text()).toContain(`<p class="muted">Not drafted: fit 41 is below the ICP&#39;s threshold of ${icp.fit_threshold}</p>`);
      expect(rowOf(await (await s.get('/leads')).text(), team.email)).toContain(`<td>not drafted<br><span class="muted">fit 41 is below the ICP&#39;s threshold of ${icp.fit_threshold}</span></td>`);
      await f.db.query(`UPDATE research SET fit_score = 80 WHERE id = :r::uuid`, { r: team.researchId });
      expect(await (await s.get(`/leads/${team.leadId}`)).text()).toContain('<p>No sequence drafted yet.</p>');

      await f.db.query(`INSERT INTO lead_draft (run_id, lead_id, outcome, reason) VALUES (:run::uuid, :lead::uuid, 'not_drafted', :reason)`, {
        run: team.runId, lead: team.leadId, reason: "accounts@ is a role address (a team's mailbox, not a person): find a named contact at <b>Team</b>",
      });
      const page = await (await s.get(`/leads/${team.leadId}`)).text();
      expect(page).toMatch(/Not drafted in the run of \d{4}-\d\d-\d\d \d\d:\d\d UTC: accounts@ is a role address \(a team&#39;s mailbox, not a person\): find a named contact at &lt;b&gt;Team&lt;\/b&gt;/);
      expect(page).not.toContain('<b>Team');
      expect(page).not.toContain('Sequence <code>');
      expect(page).not.toContain('Not contacted');
      expect(rowOf(await (await s.get('/leads')).text(), team.email)).toContain('<td>not drafted<br><span class="muted">accounts@ is a role address (a team&#39;s mailbox, not a person): find a named contact at &lt;b&gt;Team&lt;/b&gt;</span></td>');

      await f.db.query(`INSERT INTO suppression (id, workspace_id, kind, value, reason, source) VALUES (gen_random_uuid(), :ws::uuid, 'domain', 'team-mailbox.example', 'asked not to be contacted', 'opt_out')`, { ws });
      expect(await (await s.get(`/leads/${team.leadId}`)).text()).toContain('<p class="flag">Not contacted: suppressed: asked not to be contacted</p>');
    } finally {
      await f.db.query(`DELETE FROM suppression WHERE workspace_id = :ws::uuid AND value = 'team-mailbox.example'`, { ws });
      await removeSeeded(team, 'team-mailbox.example');
    }
    expect(await (await s.get(`/leads/${team.leadId}`)).text()).toContain('no lead');
  });

  test('a run shows its leads per stage, failures grouped by stage and error with the message as text, skips by reason', async () => {
    const s = await signIn(f.tallyhand.userId);
    const runId = f.leads.northwind.runId;
    const list = await (await s.get('/runs')).text();
    expect(list).toContain(`href="/runs/${runId}"`);
    const page = await (await s.get(`/runs/${runId}`)).text();
    expect(page).toContain('succeeded');
    for (const stage of ['researched', 'skipped', 'failed']) expect(page).toMatch(new RegExp(`<dt>${stage}</dt><dd>1</dd>`));
    expect(page).toContain('<strong>1</strong> × fetch · FetchTimeout');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain(FAILURE_MESSAGE);
    expect(page).toContain('robots.txt disallows the site');
    expect(page).toContain(`prospector redrive ${runId.slice(0, 8)}`);
    // the researched lead has no ICP (the fixture's run names none): no sequence, and why
    expect(page).toMatch(/<h2 id="not-drafted">Not drafted by reason<\/h2>\n<ul class="groups"><li><details><summary><strong>1<\/strong> × the lead has no ICP, so no fit threshold/);
    expect(page).toContain('<li>dana@northwind-freight.example: the lead has no ICP');

    // leads the search refused count where the run counts them, and are not offered for a redrive
    const search = randomUUID();
    await f.db.query(
      `INSERT INTO search_query (id, run_id, provider, keywords, results, accepted, rejected) VALUES (:id::uuid, :run::uuid, 'fixture', '{freight}', 2, 0, :rejected::jsonb)`,
      { id: search, run: runId, rejected: JSON.stringify([
        { lead: 'not-an-address', kind: 'invalid', error: 'InvalidLead', reason: 'lead_email is not an email address' },
        { lead: 'ops@customer.example', kind: 'excluded', reason: 'existing customer' },
      ]) },
    );
    try {
      const withSearch = await (await s.get(`/runs/${runId}`)).text();
      expect(withSearch).toContain('<div><dt>skipped</dt><dd>2 <span class="muted">(1 at search)</span></dd></div>');
      expect(withSearch).toContain('<div><dt>failed</dt><dd>2 <span class="muted">(1 at search)</span></dd></div>');
      expect(withSearch).toContain('<p class="muted">1 failed at search (the search result itself was unusable, such as an invalid address or website): a redrive does not re-process them.</p>');
      expect(withSearch).toContain('<strong>1</strong> × search · InvalidLead');
      // the runs list says the same totals
      const row = (await (await s.get('/runs')).text()).split(`href="/runs/${runId}"`)[1].split('</tr>')[0];
      expect(row).toMatch(/<td class="n">2<\/td><td class="n">2<\/td>/);
    } finally {
      await f.db.query(`DELETE FROM search_query WHERE id = :id::uuid`, { id: search });
    }
  });

  test('leads are ranked by fit and filtered by status; an unknown filter value is ignored', async () => {
    const s = await signIn(f.tallyhand.userId);
    await f.db.query(`UPDATE research SET fit_score = 95 WHERE id = :id::uuid`, { id: f.leads.granite.researchId });
    const all = await (await s.get('/leads')).text();
    expect(all.indexOf('Gus Hale')).toBeLessThan(all.indexOf('Dana Ruiz'));
    const failed = await (await s.get('/leads?status=failed')).text();
    expect(failed).toContain('Eve Mallory');
    expect(failed).not.toContain('Dana Ruiz');
    expect(failed).toContain('<option value="failed" selected>');
    const odd = await s.get('/leads?status=%3Cx%3E&icp=nope&outreach=%3Cy%3E');
    expect(odd.status).toBe(200);
    expect(await odd.text()).toContain('Dana Ruiz');
    // by where outreach stands: every fixture lead has a draft waiting, none has nothing yet
    const review = await (await s.get('/leads?outreach=review')).text();
    expect(review).toContain('<option value="review" selected>draft waiting for review</option>');
    for (const name of ['Gus Hale', 'Dana Ruiz', 'Eve Mallory']) expect(review).toContain(name);
    expect(await (await s.get('/leads?outreach=none')).text()).toContain('<p>No lead matches.</p>');
    expect(await (await s.get('/leads?outreach=not_drafted')).text()).toContain('<p>No lead matches.</p>');
    const seq = (status: string) => ({ kind: 'sequence' as const, id: randomUUID(), status, statusReason: null });
    expect(['draft', 'approved', 'active', 'paused', 'stopped', 'rejected', 'completed'].map((st) => (Object.keys(OUTREACH_FILTERS) as OutreachFilter[]).filter((k) => outreachMatches(seq(st), k)))).toEqual([
      ['review'], ['sending'], ['sending'], ['sending'], ['ended'], ['ended'], ['ended'],
    ]);
    expect(outreachMatches({ kind: 'drafting_failed', reason: 'x' }, 'not_drafted')).toBe(true);
    expect(outreachMatches(null, 'none')).toBe(true);
  });

  test("a lead's ICP is the one its latest run with an ICP named, in the list and on its page alike, with that ICP's intent score", async () => {
    const s = await signIn(f.tallyhand.userId);
    const ws = f.tallyhand.workspaceId;
    // a leads-file lead (no ICP found it): researched in a run for an ICP, then again in a run that named none
    const lead = await seedResearchedLead(f.db, ws, 'file-lead.example', 'Fay Lister');
    const icp = (await f.db.query<{ id: string; name: string; fit_threshold: number }>(`SELECT id, name, fit_threshold FROM icp WHERE workspace_id = :ws::uuid ORDER BY slug LIMIT 1`, { ws })).rows[0];
    const later = randomUUID();
    try {
      await f.db.query(`UPDATE run SET started_at = now() - interval '1 hour' WHERE id = :run::uuid`, { run: lead.runId });
      await f.db.query(`INSERT INTO run_lead (run_id, lead_id, icp_id, is_new, status, research_id) VALUES (:run::uuid, :lead::uuid, :icp::uuid, true, 'researched', :r::uuid)`, { run: lead.runId, lead: lead.leadId, icp: icp.id, r: lead.researchId });
      await f.db.query(`INSERT INTO run (id, workspace_id, trigger, llm_provider, lead_source) VALUES (:id::uuid, :ws::uuid, 'manual', 'offline-heuristic', 'file')`, { id: later, ws });
      await f.db.query(`INSERT INTO run_lead (run_id, lead_id, icp_id, is_new, status, research_id) VALUES (:run::uuid, :lead::uuid, NULL, false, 'researched', :r::uuid)`, { run: later, lead: lead.leadId, r: lead.researchId });
      await f.db.query(`UPDATE research SET fit_score = 41 WHERE id = :r::uuid`, { r: lead.researchId });
      // the company's intent: 30 for the lead's ICP, 90 for another one (not the lead's)
      const other = (await f.db.query<{ id: string }>(`SELECT id FROM icp WHERE workspace_id = :ws::uuid AND id <> :icp::uuid ORDER BY slug LIMIT 1`, { ws, icp: icp.id })).rows[0].id;
      for (const [icpId, score] of [[icp.id, 30], [other, 90]] as const) {
        await f.db.query(
          `INSERT INTO company_intent (company_id, icp_id, workspace_id, score, rules_version) SELECT company_id, :icp::uuid, :ws::uuid, :score, 'test' FROM lead WHERE id = :lead::uuid`,
          { icp: icpId, ws, score, lead: lead.leadId },
        );
      }
      const reason = `fit 41 is below the ICP&#39;s threshold of ${icp.fit_threshold}`;
      const leadPage = await (await s.get(`/leads/${lead.leadId}`)).text();
      expect(leadPage).toContain(`<p class="muted">Not drafted: ${reason}</p>`);
      expect(leadPage).toContain('Intent 30/100');
      const row = rowOf(await (await s.get('/leads')).text(), lead.email);
      expect(row).toContain('<td class="n">41</td><td class="n">30</td>');
      expect(row).toContain(`<td>not drafted<br><span class="muted">${reason}</span></td>`);
      expect(row).toContain(icp.name.replace(/&/g, '&amp;'));
    } finally {
      await f.db.query(`DELETE FROM run WHERE id = :id::uuid`, { id: later });
      await removeSeeded(lead, 'file-lead.example');
    }
  });
});

/** Takes away a lead `seedResearchedLead` made (with no sequence), its company and its run. */
async function removeSeeded(lead: { leadId: string; runId: string }, domain: string): Promise<void> {
  await f.db.query(`DELETE FROM lead WHERE id = :lead::uuid`, { lead: lead.leadId });
  await f.db.query(`DELETE FROM lead_company WHERE domain = :domain`, { domain });
  await f.db.query(`DELETE FROM run WHERE id = :run::uuid`, { run: lead.runId });
}

/** The table row of a page that holds `text`. */
function rowOf(page: string, text: string): string {
  const at = page.indexOf(text);
  expect(at, `${text} in the page`).toBeGreaterThan(-1);
  return page.slice(page.lastIndexOf('<tr>', at), page.indexOf('</tr>', at) + 5);
}

describe('errors', () => {
  test('an unexpected failure is a 500 page without its detail; the detail goes to the log', async () => {
    const logged: { message: string; extra?: Record<string, unknown> }[] = [];
    const log = { debug() {}, info() {}, warn() {}, error: (message: string, extra?: Record<string, unknown>) => logged.push({ message, extra }) };
    const failingLake = { ...f.lake, location: f.lake.location, get: async () => { throw new Error('EIO reading /srv/secret/lake'); } } as unknown as typeof f.lake;
    const broken = createWebApp({ sql: f.db, lake: failingLake, log });
    const s = await signIn(f.tallyhand.userId, broken);
    const res = await s.get(`/leads/${f.leads.northwind.leadId}/facts/f1/text`);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain('Something went wrong on our side');
    expect(body).not.toContain('/srv/secret');
    expect(logged).toEqual([{ message: 'web request failed', extra: expect.objectContaining({ message: 'EIO reading /srv/secret/lake' }) }]);
  });
});

describe('CSRF', () => {
  test('a POST without the token, or with another session\'s, is refused with 403 and changes nothing', async () => {
    const s = await signIn(f.tallyhand.userId);
    const other = await signIn(f.tallyhand.userId);
    const id = f.sequences.granite.sequenceId;
    const missing = await s.post(`/review/${id}/approve`, {}, false);
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('security token');
    const wrong = await s.post(`/review/${id}/approve`, { _csrf: other.csrf }, false);
    expect(wrong.status).toBe(403);
    const api = await app.request('/api/drafts', { method: 'POST', headers: { cookie: s.cookie } });
    expect(api.status).toBe(403);
    expect(await status(id)).toBe('draft');
  });
});

describe("the queue's views: everyone's drafts, or the ones you send", () => {
  test('each card names who sends it; "Sent by you" lists only those, and its bulk approval approves only those', async () => {
    const lukas = 'lukas.brenner@tallyhand.com';
    const lukasId = (await f.db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :e`, { ws: f.tallyhand.workspaceId, e: lukas })).rows[0].id;
    const granite = f.sequences.granite.sequenceId;
    await withGraniteSentBy(lukas, async () => {
      const drafts = (await f.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sequence WHERE workspace_id = :ws::uuid AND status = 'draft'`, { ws: f.tallyhand.workspaceId })).rows[0].n;
      expect(drafts).toBeGreaterThan(1);
      const maya = await signIn(f.tallyhand.userId);
      const all = await (await maya.get('/review')).text();
      expect(all).toContain(`<a href="/review" aria-current="true">Everyone&#39;s drafts (${drafts})</a>`);
      expect(all).toContain(`Sent by you (${drafts - 1})`);
      expect(all).toContain(`sent by ${lukas}`);
      expect(all).toContain('sent by you');
      const mine = await (await maya.get('/review?view=mine')).text();
      expect(mine).toContain(`${drafts - 1} draft(s) waiting that you send`);
      expect(mine).not.toContain(`sent by ${lukas}`);
      expect(mine).not.toContain(`id="seq-${granite}"`);
      // the only unflagged draft is Lukas's: Maya's view offers no bulk approval, and a post from it approves nothing
      expect(mine).not.toContain('Approve the');
      const bulk = await maya.post('/review/approve-unflagged', { view: 'mine' });
      expect(bulk.headers.get('location')).toBe('/review?done=bulk&view=mine&n=0');
      expect(await status(granite)).toBe('draft');
      // a refused approval from that view keeps it
      const refused = await maya.post(`/review/${f.sequences.northwind.sequenceId}/approve`, { view: 'mine' });
      expect(refused.status).toBe(409);
      expect(await refused.text()).toContain('that you send');

      const his = await (await (await signIn(lukasId)).get('/review?view=mine')).text();
      expect(his).toContain('1 draft(s) waiting that you send · 1 without any flag.');
      expect(his).toContain('Approve the 1 unflagged draft(s)');
      expect(his).toContain(`id="seq-${granite}"`);
      expect(his).toMatch(/<input type="hidden" name="view" value="mine">/);
    });
  });
});

describe('a draft whose rep is no longer a user', () => {
  test('is shown so, offers Reject with the reason filled in, and approving it is refused', async () => {
    const gone = 'gone@tallyhand.com';
    const granite = f.sequences.granite.sequenceId;
    await withGraniteSentBy(gone, async () => {
      const s = await signIn(f.tallyhand.userId);
      const page = await (await s.get('/review')).text();
      const card = page.slice(page.indexOf(`id="seq-${granite}"`), page.indexOf('</article>', page.indexOf(`id="seq-${granite}"`)));
      expect(card).toContain(`sent by ${gone} (no longer a user)`);
      expect(card).toContain(`Its rep ${gone} is no longer a user of this workspace: approved, it would go out from their address under their signature.`);
      expect(card).not.toContain('/approve');
      expect(card).toContain(`value="its rep ${gone} is no longer a user"`);
      // granite was the one unflagged draft: bulk approval has nothing to offer now
      expect(page).not.toContain('Approve the');
      const refused = await s.post(`/review/${granite}/approve`, {});
      expect(refused.status).toBe(409);
      expect(await refused.text()).toContain(`its rep ${gone} is no longer a user of this workspace, and it would go out from their address under their signature`);
      expect(await status(granite)).toBe('draft');
    });
  });
});

describe('the team page', () => {
  test("each person's share, counted as the database holds it; someone no longer a user is listed so", async () => {
    const s = await signIn(f.tallyhand.userId);
    await withGraniteSentBy('gone@tallyhand.com', async () => {
      const drafts = (await f.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sequence WHERE workspace_id = :ws::uuid AND status = 'draft' AND rep_email = :e`, { ws: f.tallyhand.workspaceId, e: f.tallyhand.email })).rows[0].n;
      const page = await (await s.get('/team')).text();
      expect(page).toContain('<a href="/team" aria-current="page">Team</a>');
      const rowOfPerson = (email: string) => page.slice(page.lastIndexOf('<tr>', page.indexOf(`>${email}</span>`)), page.indexOf('</tr>', page.indexOf(`>${email}</span>`)));
      const maya = rowOfPerson(f.tallyhand.email);
      expect(maya).toContain('(you)');
      expect(maya).toMatch(new RegExp(`<td>admin</td><td><span class="muted">none</span></td>\\s*<td class="n">${drafts}</td>`));
      expect(rowOfPerson('lukas.brenner@tallyhand.com')).toContain('<td>rep</td><td>b2b-saas-scaleups, midmarket-logistics</td>');
      expect(rowOfPerson('gone@tallyhand.com')).toMatch(/<td><span class="flag">no longer a user<\/span><\/td><td><span class="muted">none<\/span><\/td>\s*<td class="n">1<\/td>/);
      expect(page).toContain('1 person(s) named on open sequences or waiting responses are no longer users');
      // another workspace's people are not listed
      expect(page).not.toContain('@rival.example');
    });
  });
});

describe('review actions', () => {
  test('a flagged draft needs a reason: refused without one, approved with it by the signed-in rep', async () => {
    const s = await signIn(f.tallyhand.userId);
    const id = f.sequences.northwind.sequenceId;
    const refused = await s.post(`/review/${id}/approve`, { reason: '   ' });
    expect(refused.status).toBe(409);
    const page = await refused.text();
    // said at the draft's card, in the web's words (no command to run), with the field to fill named
    const card = page.slice(page.indexOf(`id="seq-${id}"`), page.indexOf('</article>', page.indexOf(`id="seq-${id}"`)));
    expect(card).toMatch(/<div class="error" role="alert"><p>Not approved: it carries 1 risk flag\(s\) \(.+\)\. Say in the field by Approve why they are acceptable, or edit the message first\.<\/p><\/div>/);
    expect(page).not.toContain('prospector drafts');
    expect(card.slice(card.indexOf('class="error"'), card.indexOf('</div>', card.indexOf('class="error"')))).not.toContain(id);
    expect(await status(id)).toBe('draft');
    const ok = await s.post(`/review/${id}/approve`, { reason: 'the opt-out goes in the signature' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/review?done=approved');
    expect(await status(id)).toBe('approved');
    const decision = await f.db.query<{ decided_by_email: string; reason: string; flags_overridden: number }>(
      `SELECT decided_by_email, reason, flags_overridden FROM approval WHERE sequence_id = :id::uuid`,
      { id },
    );
    expect(decision.rows).toEqual([{ decided_by_email: f.tallyhand.email, reason: 'the opt-out goes in the signature', flags_overridden: 1 }]);
    expect(await (await s.get('/review?done=approved')).text()).toContain('Approved: the first email is queued');
  });

  test('an edit adding an invented claim is checked again and blocks approval', async () => {
    const s = await signIn(f.tallyhand.userId);
    const { sequenceId, messages } = f.sequences.evil;
    const res = await s.post(`/review/messages/${messages.b}/edit`, {
      subject: 'Keelhaul Freight',
      body: 'Keelhaul Freight cut invoice time by 72%. Your team saved $4.2 million with us in 2023. Worth a 15-minute look next week?',
    });
    expect(res.status).toBe(303);
    const row = await f.db.query<{ grounding: string }>(`SELECT grounding FROM message WHERE id = :id::uuid`, { id: messages.b });
    expect(row.rows[0].grounding).toBe('blocked');
    const page = await (await s.get(res.headers.get('location')!)).text();
    expect(page).toContain('Saved and checked again');
    expect(page).toContain('Blocked: invented_specific');
    const approve = await s.post(`/review/${sequenceId}/approve`, { reason: 'looks fine' });
    expect(approve.status).toBe(409);
    expect(await approve.text()).toContain('blocked message is never approved');
    expect(await status(sequenceId)).toBe('draft');
  });

  test('reject needs a reason, and one that is too long is refused naming its length, kept in the field', async () => {
    const s = await signIn(f.tallyhand.userId);
    const id = f.sequences.evil.sequenceId;
    expect((await s.post(`/review/${id}/reject`, { reason: '  ' })).status).toBe(422);
    const long = `${'wrong angle for this lead. '.repeat(80)}`.trim();
    const res = await s.post(`/review/${id}/reject`, { reason: long });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain(`Not rejected: the reason is ${long.length.toLocaleString('en')} characters; keep it under 2,000.`);
    expect(page).toContain(`<input id="rej-${id}" name="reason" required maxlength="2000" value="${long}">`);
    expect(await status(id)).toBe('draft');
  });

  test('a refused edit keeps what was typed, its editor open at the draft; a stale tab says who decided meanwhile', async () => {
    const s = await signIn(f.tallyhand.userId);
    const { sequenceId, messages } = f.sequences.evil;
    const typed = 'Congratulations on the new depot in Leeds.\n\nBest,\nMaya';
    const res = await s.post(`/review/messages/${messages.b}/edit`, { subject: '   ', body: typed });
    expect(res.status).toBe(409);
    const page = await res.text();
    const card = page.slice(page.indexOf(`id="seq-${sequenceId}"`), page.indexOf('</article>', page.indexOf(`id="seq-${sequenceId}"`)));
    expect(card).toContain('<div class="error" role="alert"><p>Not saved: an email’s subject cannot be empty.</p></div>');
    expect(card).toContain(`<textarea id="body-${messages.b}" name="body" rows="7" required>${typed}</textarea>`);
    expect(card).toMatch(new RegExp(`<details class="edit" open><summary>Edit this message</summary>\\s*<form method="post" action="/review/messages/${messages.b}/edit">`));
    // the other messages' editors stay closed, with their stored words
    expect(card.match(/<details class="edit" open>/g)).toHaveLength(1);
    const stored = (await f.db.query<{ body: string }>(`SELECT body FROM message WHERE id = :id::uuid`, { id: messages.b })).rows[0].body;
    expect(stored).not.toBe(typed);

    // decided in another tab: the second decision changes nothing and says who made the first
    const { sequenceId: other } = await draftSequence(f.db, f.tallyhand.workspaceId, await seedResearchedLead(f.db, f.tallyhand.workspaceId, 'stale-tab.example', 'Sam Stale'));
    expect((await s.post(`/review/${other}/reject`, { reason: 'not our market' })).status).toBe(303);
    const again = await s.post(`/review/${other}/reject`, { reason: 'duplicate' });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(new RegExp(`<div class="error" role="alert"><p>Nothing was changed: this draft was rejected by ${f.tallyhand.email.replace('.', '\\.')} at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, after this page was loaded\\.</p></div>`));
  });
});

describe('a seller who cannot send', () => {
  test('the review queue and the onboarding page say nothing is sent without a postal address, before anything is approved', async () => {
    const s = await signIn(f.tallyhand.userId);
    expect(await (await s.get('/review')).text()).not.toContain('Nothing is sent yet');
    const { postal_address: postal } = (await f.db.query<{ postal_address: string }>(`SELECT postal_address FROM seller_company WHERE workspace_id = :ws::uuid`, { ws: f.tallyhand.workspaceId })).rows[0];
    await f.db.query(`UPDATE seller_company SET postal_address = NULL WHERE workspace_id = :ws::uuid`, { ws: f.tallyhand.workspaceId });
    try {
      const queue = await (await s.get('/review')).text();
      expect(await (await s.get('/onboarding')).text()).toMatch(/<p class="flag">Nothing is sent yet: [^<]+ has no postal address: add company\.postalAddress/);
      expect(queue).toMatch(/<p class="flag">Nothing is sent yet: [^<]+ has no postal address: add company\.postalAddress to the onboarding file and import it again \(every email carries it\)\. Approving goes on; approved emails wait in the outbox until then\.<\/p>/);
    } finally {
      await f.db.query(`UPDATE seller_company SET postal_address = :postal WHERE workspace_id = :ws::uuid`, { ws: f.tallyhand.workspaceId, postal });
    }
  });
});

describe('bulk approval', () => {
  test('approves every draft without a flag and leaves the flagged and blocked ones for a person', async () => {
    const s = await signIn(f.tallyhand.userId);
    const before = await (await s.get('/review')).text();
    expect(before).toContain('Approve the 1 unflagged draft(s)');
    const res = await s.post('/review/approve-unflagged', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/review?done=bulk&n=1');
    expect(await status(f.sequences.granite.sequenceId)).toBe('approved');
    expect(await status(f.sequences.evil.sequenceId)).toBe('draft');
    expect(await status(f.sequences.rival.sequenceId)).toBe('draft');
    const after = await (await s.get('/review?done=bulk&n=1')).text();
    expect(after).toContain('Approved 1 unflagged draft(s).');
    expect(after).not.toContain('Approve the');
  });
});

describe('onboarding import', () => {
  const workspaceName = async (id: string) => (await f.db.query<{ name: string }>(`SELECT name FROM workspace WHERE id = :id::uuid`, { id })).rows[0].name;

  test('refuses a knowledge document named by path: an upload may not read files on the server', async () => {
    const s = await signIn(f.tallyhand.userId);
    const res = await s.post('/onboarding/import', { text: await readFile(SAMPLE_ONBOARDING, 'utf8') });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('<code>knowledge[0].path</code>');
  });

  test('a field error is shown at its path and line and nothing is written; the fixed file is imported', async () => {
    const s = await signIn(f.tallyhand.userId);
    const sample = await uploadableSample();
    const broken = sample.replace('name: Tallyhand\n', 'name: Tallyhand Renamed\n').replace(/(\n\s+email: )maya\.okafor@tallyhand\.com/, '$1maya.okafor-at-tallyhand');
    expect(broken).not.toBe(sample);
    const bad = await s.post('/onboarding/import', { text: broken });
    expect(bad.status).toBe(422);
    const page = await bad.text();
    expect(page).toMatch(/<code>users\[0\]\.email<\/code><\/a>: [^<]*\(line 11\)/);
    expect(page).toContain('maya.okafor-at-tallyhand'); // the text stays in the box to fix
    expect(await workspaceName(f.tallyhand.workspaceId)).toBe('Tallyhand');
    const fixed = await s.post('/onboarding/import', { text: sample.replace('name: Tallyhand\n', 'name: Tallyhand Renamed\n') });
    expect(fixed.status).toBe(303);
    expect(await workspaceName(f.tallyhand.workspaceId)).toBe('Tallyhand Renamed');
    await s.post('/onboarding/import', { text: sample });
  });

  test('a file that lists an approved lead\'s company as a customer stops its sequence, and the notice says so', async () => {
    const s = await signIn(f.tallyhand.userId);
    // approved in the review actions above
    expect(await status(f.sequences.northwind.sequenceId)).toBe('approved');
    const sample = await uploadableSample();
    const withCustomer = sample.replace('customerDomains:\n', 'customerDomains:\n    - northwind-freight.example\n');
    expect(withCustomer).not.toBe(sample);
    const res = await s.post('/onboarding/import', { text: withCustomer });
    expect(res.headers.get('location')).toBe('/onboarding?done=imported&stopped=1');
    expect(await status(f.sequences.northwind.sequenceId)).toBe('stopped');
    expect(await (await s.get(res.headers.get('location')!)).text()).toContain('Imported: the next run researches and drafts with it. 1 open sequence(s) stopped: their leads are now left out');
    expect(await (await s.get(`/leads/${f.leads.northwind.leadId}`)).text()).toContain('(excluded: existing customer)');
    await s.post('/onboarding/import', { text: sample });
  });

  test('a file naming another workspace is refused: one session, one workspace', async () => {
    const s = await signIn(f.tallyhand.userId);
    const sample = await uploadableSample();
    const res = await s.post('/onboarding/import', { text: sample.replace('slug: tallyhand', 'slug: rival-co').replace('name: Tallyhand\n', 'name: Taken Over\n') });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('<code>workspace.slug</code>');
    expect(await workspaceName(f.rival.workspaceId)).toBe('Rival Co');
  });

  test('a rep who is not an admin cannot import', async () => {
    const repId = (await f.db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND role = 'rep' LIMIT 1`, { ws: f.tallyhand.workspaceId })).rows[0].id;
    const s = await signIn(repId);
    const res = await s.post('/onboarding/import', { text: await readFile(SAMPLE_ONBOARDING, 'utf8') });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Only an admin');
  });
});

describe('two workspaces', () => {
  test('a rep sees only their own workspace: pages, API, and ids of the other workspace are 404', async () => {
    const tally = await signIn(f.tallyhand.userId);
    const rival = await signIn(f.rival.userId);
    for (const path of ['/review', '/leads']) {
      expect(await (await tally.get(path)).text()).not.toContain('Rita Secret');
      const theirs = await (await rival.get(path)).text();
      expect(theirs).toContain('Rita Secret');
      expect(theirs).not.toContain('Dana Ruiz');
    }
    const drafts = (await (await tally.get('/api/drafts')).json()) as { id: string }[];
    expect(drafts.map((d) => d.id)).not.toContain(f.sequences.rival.sequenceId);
    expect((await tally.get(`/leads/${f.leads.rivalLead.leadId}`)).status).toBe(404);
    expect((await tally.get(`/runs/${f.leads.rivalLead.runId}`)).status).toBe(404);
    // the short id the pages show leads to the run; another workspace's short id does not
    const short = await tally.get(`/runs/${f.leads.northwind.runId.slice(0, 8)}`);
    expect(short.status).toBe(302);
    expect(short.headers.get('location')).toBe(`/runs/${f.leads.northwind.runId}`);
    expect((await tally.get(`/runs/${f.leads.rivalLead.runId.slice(0, 8)}`)).status).toBe(404);
    expect((await tally.get('/runs/0000000')).status).toBe(404);
    expect((await tally.get(`/runs/${f.leads.northwind.runId}`)).status).toBe(200);
    // acting on the other workspace's draft, with a valid token of one's own session
    expect((await tally.post(`/review/${f.sequences.rival.sequenceId}/approve`, {})).status).toBe(404);
    expect((await tally.post(`/review/${f.sequences.rival.sequenceId}/reject`, { reason: 'mine now' })).status).toBe(404);
    expect((await tally.post(`/review/messages/${f.sequences.rival.messages.a}/edit`, { subject: 'x', body: 'Hello there.' })).status).toBe(404);
    expect(await status(f.sequences.rival.sequenceId)).toBe('draft');
    const body = await f.db.query<{ body: string }>(`SELECT body FROM message WHERE id = :id::uuid`, { id: f.sequences.rival.messages.a });
    expect(body.rows[0].body).not.toBe('Hello there.');
  });
});

describe('a draft whose lead may not be written to now', () => {
  test('the queue says why and offers Reject only; approving it is refused with the reason; bulk approval leaves it', async () => {
    const s = await signIn(f.tallyhand.userId);
    // drafted before the seller listed Keelhaul Freight as a customer (the sample onboarding does)
    const customer = await seedResearchedLead(f.db, f.tallyhand.workspaceId, 'keelhaul-freight.example', 'Kai Moss');
    const { sequenceId } = await draftSequence(f.db, f.tallyhand.workspaceId, customer);
    const queue = await (await s.get('/review')).text();
    const card = queue.slice(queue.indexOf(`id="seq-${sequenceId}"`), queue.indexOf('</article>', queue.indexOf(`id="seq-${sequenceId}"`)));
    expect(card).toContain('<p class="flag">Not to be contacted now: existing customer. Reject it with that reason (filled in below).</p>');
    expect(card).not.toContain(`action="/review/${sequenceId}/approve"`);
    expect(card).toContain(`action="/review/${sequenceId}/reject"`);
    expect(card).toContain(`<input id="rej-${sequenceId}" name="reason" required maxlength="2000" value="existing customer">`);

    const approve = await s.post(`/review/${sequenceId}/approve`, {});
    expect(approve.status).toBe(409);
    expect(await approve.text()).toContain('<div class="error" role="alert"><p>Not approved: existing customer. Reject it.</p></div>');
    expect(await status(sequenceId)).toBe('draft');

    // bulk approval goes on past it, and says one was not approved
    const bulk = await s.post('/review/approve-unflagged', {});
    expect(bulk.headers.get('location')).toBe('/review?done=bulk&n=0&held=1');
    expect(await status(sequenceId)).toBe('draft');
    expect(await (await s.get(bulk.headers.get('location')!)).text()).toContain('Approved 0 unflagged draft(s). 1 not approved: their leads may not be written to now');
    // the queue offers to reject the held drafts in one go, each with its reason
    expect(queue).toContain('<button type="submit">Reject the 1 draft(s) whose leads may not be written to now</button>');
    const cleared = await s.post('/review/reject-held', {});
    expect(cleared.headers.get('location')).toBe('/review?done=held&n=1');
    expect(await status(sequenceId)).toBe('rejected');
    const decision = await f.db.query<{ reason: string; decided_by_email: string }>(`SELECT reason, decided_by_email FROM approval WHERE sequence_id = :id::uuid`, { id: sequenceId });
    expect(decision.rows).toEqual([{ reason: 'not to be contacted now: existing customer', decided_by_email: f.tallyhand.email }]);
    const after = await (await s.get(cleared.headers.get('location')!)).text();
    expect(after).toContain('Rejected 1 draft(s) whose leads may not be written to now, each with its reason.');
    expect(after).not.toContain('Reject the 1 draft(s)');
  });
});

describe('handing a rep’s drafts over on the team page', () => {
  test('an admin hands a departed rep’s draft to a rep: re-signed, in the queue as theirs, and said so; a rep may not', async () => {
    const gone = 'gone@tallyhand.com';
    const lukas = 'lukas.brenner@tallyhand.com';
    const { sequenceId, messages } = await departedRepDraft(f, gone, 'Gus Gone', 'handed-over.example', 'Hana Over');
    const lukasId = (await f.db.query<{ id: string }>(`SELECT id FROM app_user WHERE workspace_id = :ws::uuid AND email = :e`, { ws: f.tallyhand.workspaceId, e: lukas })).rows[0].id;
    // the suggested response to the interested reply was drafted for the same rep (signed as the sequence it answers was: "Maya")
    await f.db.query(`UPDATE reply_response SET rep_email = :gone WHERE id = :id::uuid`, { gone, id: f.responses.interested });
    const responseCard = async (s: Signed) => {
      const inbox = await (await s.get('/inbox')).text();
      const at = inbox.indexOf(`action="/inbox/responses/${f.responses.interested}/edit"`);
      return inbox.slice(inbox.lastIndexOf('<section class="response"', at), inbox.indexOf('</section>', at));
    };
    try {
      const maya = await signIn(f.tallyhand.userId);
      const waiting = await responseCard(maya);
      expect(waiting).toContain(`Its rep ${gone} is no longer a user of this workspace: it is signed as them.`);
      expect(waiting).not.toContain(`action="/inbox/responses/${f.responses.interested}/approve"`);
      const refusedResponse = await maya.post(`/inbox/responses/${f.responses.interested}/approve`, {});
      expect(await refusedResponse.text()).toContain(`its rep ${gone} is no longer a user of this workspace, and it is signed as them`);
      const team = await (await maya.get('/team')).text();
      const row = team.slice(team.lastIndexOf('<tr>', team.indexOf(`>${gone}</span>`)), team.indexOf('</tr>', team.indexOf(`>${gone}</span>`)));
      // one draft and one suggested response waiting
      expect(row).toMatch(/<td class="n">1<\/td><td class="n">1<\/td>/);
      expect(row).toContain('<form method="post" action="/team/hand-over" class="hand-over">');
      expect(row).toContain(`<input type="hidden" name="from" value="${gone}">`);
      expect(row).toContain(`<option value="${lukas}">${lukas}</option>`);
      expect(team).toContain('Hand their drafts over to a rep below.');

      // a rep sees the table without the forms, and posting is refused
      const his = await signIn(lukasId);
      const theirs = await (await his.get('/team')).text();
      expect(theirs).not.toContain('action="/team/hand-over"');
      expect(theirs).toContain('An admin can hand their drafts over to a rep here.');
      const refused = await his.post('/team/hand-over', { from: gone, to: lukas });
      expect(refused.status).toBe(403);
      expect(await status(sequenceId)).toBe('draft');
      // a --to who is not a user is named in the error
      const wrong = await maya.post('/team/hand-over', { from: gone, to: 'nobody@tallyhand.com' });
      expect(wrong.status).toBe(422);
      expect(await wrong.text()).toContain('--to nobody@tallyhand.com: not a user of this workspace');

      // nothing of theirs is approved or sending: no offer to stop it
      expect(row).not.toContain('name="stopSending"');
      // first what it would do, to confirm; nothing moves yet
      const ask = await maya.post('/team/hand-over', { from: gone, to: lukas, stopSending: '1' });
      expect(ask.status).toBe(200);
      const asked = await ask.text();
      expect(asked).toContain('<title>Hand over? · Prospector</title>');
      expect(asked).toContain(`Handing over from <strong>${gone}</strong> to <strong>${lukas}</strong> would move 1 draft(s) and 1 suggested response(s)`);
      expect(asked).toContain('It would also stop 0 approved, sending or paused sequence(s)');
      expect(asked).toContain('<input type="hidden" name="confirm" value="1">');
      expect((await f.db.query<{ rep_email: string }>(`SELECT rep_email FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0].rep_email).toBe(gone);
      const done = await maya.post('/team/hand-over', { from: gone, to: lukas, stopSending: '1', confirm: '1' });
      expect(done.status).toBe(303);
      const location = done.headers.get('location')!;
      expect(location).toBe(`/team?handed=1&responses=1&kept=0&tasks=0&still=0&stopped=0&left=0&from=${encodeURIComponent(gone)}&to=${encodeURIComponent(lukas)}`);
      const after = await (await maya.get(location)).text();
      expect(after).toContain(`Handed 1 draft(s), 1 suggested response(s) and 0 open task(s) from ${gone} to ${lukas}, re-signed: the drafts are in the review queue, the responses in the inbox.`);
      expect(after).not.toContain('press Hand over again');
      // a request that ran out of time says what is left and how to carry on
      const partial = await (await maya.get(location.replace('left=0', 'left=2'))).text();
      expect(partial).toContain(`2 more draft(s) or response(s) are still with ${gone}: one request had no time for them; press Hand over again to carry on.`);
      const moved = await responseCard(maya);
      expect(moved).toContain(`Handed over from ${gone} by ${f.tallyhand.email}: signed as ${lukas}, sent from their mailbox.`);
      // the reply is Lukas's now: in his "To you" view
      expect(await (await his.get('/inbox?show=mine')).text()).toContain(`action="/inbox/responses/${f.responses.interested}/edit"`);
      expect(moved).toContain('Lukas Brenner\nAccount Executive, Tallyhand');
      expect(moved).not.toContain('no longer a user');
      expect(after).not.toContain(`>${gone}</span>`);

      const seq = (await f.db.query<{ rep_email: string; handed_over_from: string }>(`SELECT rep_email, handed_over_from FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0];
      expect(seq).toEqual({ rep_email: lukas, handed_over_from: gone });
      const bodies = (await f.db.query<{ body: string }>(`SELECT body FROM message WHERE id IN (:a::uuid, :f::uuid)`, { a: messages.a, f: messages.followUp })).rows;
      for (const b of bodies) expect(b.body).toMatch(/\n\nBest,\nLukas Brenner\nAccount Executive, Tallyhand$/);
      const queue = await (await his.get('/review?view=mine')).text();
      const card = queue.slice(queue.indexOf(`id="seq-${sequenceId}"`), queue.indexOf('</article>', queue.indexOf(`id="seq-${sequenceId}"`)));
      // the admin who handed it over is recorded (the signed-in one)
      expect(card).toContain(`sent by you (handed over from ${gone} by ${f.tallyhand.email})`);
      // and the lead's page says so beside the sequence
      const leadId = (await f.db.query<{ lead_id: string }>(`SELECT lead_id FROM sequence WHERE id = :id::uuid`, { id: sequenceId })).rows[0].lead_id;
      expect(await (await his.get(`/leads/${leadId}`)).text()).toContain(`sent by ${lukas} (handed over from ${gone})`);
      expect(card).not.toContain('no longer a user');
    } finally {
      await f.db.query(`UPDATE sequence SET rep_email = :e WHERE id = :id::uuid`, { e: f.tallyhand.email, id: sequenceId });
      await maybeReject(sequenceId);
    }
  });
});

/** Takes a draft the test added out of the queue. */
async function maybeReject(sequenceId: string): Promise<void> {
  if ((await status(sequenceId)) !== 'draft') return;
  const { rejectSequence } = await import('#core/outreach/repository.ts');
  await rejectSequence(f.db, sequenceId, { by: f.tallyhand.email, reason: 'test draft' });
}
