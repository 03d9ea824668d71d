/**
 * The web app for reps: one Hono app over the `Sql` and `Lake` ports, served locally by
 * `prospector ui` (local/commands/ui.ts, @hono/node-server) and later by a Lambda in the cloud.
 *
 * Security model:
 * - every page needs a session cookie, opened by a one-time login link locally (sessions.ts) or
 *   by a Cognito sign-in in the cloud (cognito.ts); pages redirect to /login, /api/* answers 401 JSON;
 * - every state-changing request (POST) carries the session's CSRF token (form field `_csrf` or
 *   header `X-CSRF-Token`), else 403;
 * - the workspace comes from the session's user, never from the request: ids in URLs are looked
 *   up within that workspace, so another workspace's ids are 404;
 * - headers: a CSP with no inline script or style, `frame-ancestors 'none'`, nosniff, no
 *   referrer (login links carry a token), no caching of pages; HSTS and Secure cookies in the cloud.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { z } from 'zod';
import { NotFoundError, ProspectorError, ValidationError } from '#core/errors.ts';
import { loadOutreachTrigger } from '#core/intent/view.ts';
import { exportOnboarding, exportOnboardingYaml } from '#core/onboarding/export.ts';
import { checkOnboarding, DEFAULT_COOLING_OFF_DAYS, onboardingSchema, type Onboarding } from '#core/onboarding/schema.ts';
import { previewTone } from '#core/onboarding/tone-preview.ts';
import { refuseKnowledgePaths } from '#core/knowledge/documents.ts';
import { importOnboarding, parseOnboardingText } from '#core/onboarding/import.ts';
import {
  approveAllUnflagged,
  approveSequence,
  editMessage,
  listSequences,
  rejectSequence,
  resolveId,
} from '#core/outreach/repository.ts';
import type { Clock, Lake, Llm, Log, Sql } from '#core/ports.ts';
import { LEAD_STATUSES, listIcps, listLeads, loadLeadOutreach, OUTREACH_FILTERS, type LeadStatus, type OutreachFilter } from '#core/views/leads.ts';
import { listReplies } from '#core/views/replies.ts';
import { approveResponse, editResponse, getResponse, rejectResponse, type ResponseView } from '#core/replies/response-repository.ts';
import { reviewReplyLabel } from '#core/replies/review.ts';
import { loadResearch } from '#core/views/research.ts';
import { suppressAddress } from '#core/sending/suppress.ts';
import { draftHolds, rejectHeldDrafts } from '#core/outreach/holds.ts';
import { handOver, workLeft } from '#core/outreach/hand-over.ts';
import { listSuppressions } from '#core/views/suppression.ts';
import { listRuns, showRun, stageCounts } from '#core/views/runs.ts';
import { notice, page, type Html } from './layout.ts';
import { executionRef } from './execution.ts';
import { INBOX_FILTERS, INBOX_TEXTS, inboxList, type InboxFilter } from './pages/inbox.ts';
import { newText } from '#core/replies/respond.ts';
import { cannotSend } from '#core/sending/compose-mail.ts';
import { readStoredMail, type InboundMail } from '#core/replies/parse.ts';
import { lakeKeys } from '#core/lake-keys.ts';
import { COMPANY_FIELDS, companyForm, companyValues, withCompany, type CompanyFieldName, type CompanyFormValues } from './pages/company-form.ts';
import { leadDetail, leadsList } from './pages/leads.ts';
import { onboardingPage, type OnboardingIssueView } from './pages/onboarding.ts';
import { placeSendingIssues, sendingForm, sendingValues, sendingValuesFromBody, settingsFromValues } from './pages/sending-form.ts';
import { checkSendingSettings, loadSendingSettings, saveSendingSettings } from '#core/sending/settings.ts';
import { addItem, documentFromValues, guidedForm, placeIssues, removeItem, valuesFromBody, valuesFromOnboarding, type GuidedState } from './pages/guided.ts';
import { REASON_MAX, reviewQueue, type QueueView, type Refusal } from './pages/review.ts';
import { ApprovalRefusedError, EditRefusedError, IllegalTransitionError } from '#core/outreach/errors.ts';
import { handOverConfirm, teamPage } from './pages/team.ts';
import { loadTeam } from '#core/views/team.ts';
import { suppressionsPage, type SuppressionFormState } from './pages/suppressions.ts';
import { runDetail, runsList } from './pages/runs.ts';
import { CALLBACK_PATH, SignInError, type CognitoSignIn } from './cognito.ts';
import { csrfMatches, endSession, findSession, NotAUserError, openSessionForEmail, redeemLoginLink, SESSION_TTL_MS, type WebSession } from './sessions.ts';

/** A count carried in the query of a redirect after an action (`?n=3`), or 0 when absent or not a whole number. */
function queryCount(c: Context<AppEnv>, key: string): number {
  const n = Number(c.req.query(key) ?? '0');
  return Number.isInteger(n) ? n : 0;
}

export const SESSION_COOKIE = 'prospector_session';
/** Holds a Cognito sign-in's state and PKCE verifier from /login to the callback (10 minutes). */
export const SIGN_IN_COOKIE = 'prospector_sign_in';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface WebAppOptions {
  sql: Sql;
  lake: Lake;
  /** Behind HTTPS (the cloud): Secure cookies and HSTS. Locally on http://127.0.0.1: false. */
  secure?: boolean;
  clock?: Clock;
  /** Where unexpected errors go (their detail is never shown to the browser). */
  log?: Log;
  /** Sign-in through Cognito (the cloud); without it, the one-time links `prospector ui` prints. */
  cognito?: CognitoSignIn;
  /**
   * Re-processes a run's failed leads, as `prospector redrive` does (locally: runOnce with
   * `redriveRunId`). Started in the background; absent, the Runs page offers the command instead.
   */
  redrive?: (input: { workspaceId: string; runId: string }) => Promise<unknown>;
  /**
   * The cloud's redrive: starts a new execution of the prospecting state machine with the redrive
   * input `{"redrive":{"runId"}}` (lambdas/cloud/redrive.ts) and answers its ARN; awaited (a
   * Lambda must not work after its response), and the run then links to that execution.
   */
  startRedrive?: (input: { workspaceId: string; runId: string }) => Promise<{ executionArn: string }>;
  /**
   * Writes the onboarding form's tone preview when it is Groq (locally: GROQ_API_KEY is set);
   * absent or offline, a labelled template writes it.
   */
  toneLlm?: Llm | null;
}

type AppEnv = { Variables: { session: WebSession } };

const STATIC: Record<string, string> = { 'app.css': 'text/css; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8' };
const STATIC_DIR = join(import.meta.dirname, 'static');

const Uuid = z.uuid();
const FactId = z.string().regex(/^[A-Za-z0-9_-]{1,20}$/);
const Reason = z.string().trim().min(1).max(REASON_MAX);
const SuppressEmail = z.email().max(320);
const MAX_ONBOARDING_BYTES = 512 * 1024;
/**
 * How long one hand-over request starts new drafts for: the web function has 29 seconds
 * (cdk/constructs/web-app.ts, under the HTTP API's 30-second integration limit), and a draft
 * already started, the open tasks and the stop of what is sending still take their time after it.
 */
const HAND_OVER_BUDGET_MS = 20_000;

/** A path parameter that must be a uuid; anything else is a 404 (not a 500, not a SQL error). */
function uuidParam(c: Context, name: string): string {
  const parsed = Uuid.safeParse(c.req.param(name));
  if (!parsed.success) throw new NotFoundError(`${name} "${String(c.req.param(name)).slice(0, 60)}" is not an id`);
  return parsed.data;
}

/** A form field as text (missing → undefined); files and repeated fields are refused. */
async function field(c: Context, name: string): Promise<string | undefined> {
  const body = await c.req.parseBody();
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ProspectorError(`the form field ${name} must be text`);
  return v;
}

/** Builds the app over the given ports. */
export function createWebApp(options: WebAppOptions): Hono<AppEnv> {
  const { sql, lake } = options;
  const now = () => (options.clock ?? { now: () => new Date() }).now();
  const assets = new Map(Object.keys(STATIC).map((name) => [name, readFileSync(join(STATIC_DIR, name), 'utf8')]));
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
    if (options.secure) c.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  });

  // Forms are small; an onboarding upload is the largest (MAX_ONBOARDING_BYTES) plus its envelope.
  app.use('*', bodyLimit({ maxSize: 2 * MAX_ONBOARDING_BYTES, onError: (c) => c.text('the request body is too large', 413) }));

  app.get('/static/:name', (c) => {
    const name = c.req.param('name');
    const body = assets.get(name);
    if (body === undefined) return c.text('not found', 404);
    c.header('Cache-Control', 'no-cache');
    return c.body(body, 200, { 'Content-Type': STATIC[name] });
  });

  // Browsers ask for it on every page; there is none, and a 404 would be noise in their console.
  app.get('/favicon.ico', (c) => c.body(null, 204));

  // --- signing in and out -------------------------------------------------------------------

  const openCookie = (c: Context, sessionToken: string) =>
    setCookie(c, SESSION_COOKIE, sessionToken, { httpOnly: true, sameSite: 'Lax', secure: Boolean(options.secure), path: '/', maxAge: SESSION_TTL_MS / 1000 });
  const signInHint = options.cognito ? 'sign in again' : 'open the one-time link `prospector ui` prints';

  app.get('/login', async (c) => {
    const cognito = options.cognito;
    if (cognito) {
      const { location, attempt } = cognito.start();
      // Lax: the cookie comes back on Cognito's top-level redirect to the callback.
      setCookie(c, SIGN_IN_COOKIE, attempt, { httpOnly: true, sameSite: 'Lax', secure: Boolean(options.secure), path: CALLBACK_PATH, maxAge: 600 });
      return c.redirect(location, 302);
    }
    const token = c.req.query('token');
    if (!token) {
      return c.html(page({ title: 'Sign in', session: null }, html`<p>Open the one-time link that <code>prospector ui</code> printed. For a new one, press Enter in the terminal where it runs.</p>`), 401);
    }
    const opened = await redeemLoginLink(sql, token, now());
    if (!opened) {
      return c.html(
        page({ title: 'Sign in', session: null, error: 'This login link is not valid: it was used already, has expired, or was mistyped. For a new one, press Enter in the terminal where `prospector ui` runs.' }, html``),
        401,
      );
    }
    openCookie(c, opened.sessionToken);
    return c.redirect('/review', 303);
  });

  app.get(CALLBACK_PATH, async (c) => {
    const cognito = options.cognito;
    if (!cognito) return c.notFound();
    const attempt = getCookie(c, SIGN_IN_COOKIE);
    deleteCookie(c, SIGN_IN_COOKIE, { path: CALLBACK_PATH, secure: Boolean(options.secure) });
    try {
      const identity = await cognito.finish({ code: c.req.query('code'), state: c.req.query('state'), error: c.req.query('error') }, attempt);
      const opened = await openSessionForEmail(sql, identity.email, now());
      openCookie(c, opened.sessionToken);
    } catch (error) {
      if (!(error instanceof SignInError || error instanceof NotAUserError)) throw error;
      if (error instanceof SignInError && error.cause) options.log?.warn('Cognito sign-in refused', { message: error.message, cause: String(error.cause) });
      const status = error instanceof NotAUserError ? 403 : 401;
      return c.html(page({ title: 'Sign in', session: null, error: error.message }, html`<p><a href="/login">Sign in again</a></p>`), status);
    }
    return c.redirect('/review', 303);
  });

  // --- every other route needs a session ------------------------------------------------------

  app.use('*', async (c, next) => {
    const session = await findSession(sql, getCookie(c, SESSION_COOKIE), now());
    if (!session) {
      if (c.req.path.startsWith('/api/')) return c.json({ error: `not signed in: ${signInHint}` }, 401);
      return c.redirect('/login', 302);
    }
    c.set('session', session);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const type = c.req.header('content-type') ?? '';
      const given = c.req.header('x-csrf-token') ?? (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) ? await field(c, '_csrf') : undefined);
      if (!csrfMatches(session.csrfToken, given)) {
        if (c.req.path.startsWith('/api/')) return c.json({ error: 'missing or wrong CSRF token' }, 403);
        return c.html(page({ title: 'Refused', session, error: 'The form was missing its security token or it did not match your session (CSRF): reload the page and try again.' }, html``), 403);
      }
    }
    await next();
  });

  app.post('/logout', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await endSession(sql, token);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: Boolean(options.secure) });
    // Cognito's own session would sign the browser straight back in: end it too.
    if (options.cognito) return c.redirect(options.cognito.logoutUrl(), 303);
    return c.html(page({ title: 'Signed out', session: null }, html`<p>You are signed out. For a new login link, press Enter in the terminal where <code>prospector ui</code> runs (or start it).</p>`));
  });

  app.get('/', (c) => c.redirect('/review', 302));

  // --- runs -------------------------------------------------------------------------------------

  app.get('/runs', async (c) => {
    const session = c.get('session');
    const runs = await listRuns(sql, { workspaceId: session.workspaceId, limit: 50 });
    const arns = await sql.query<{ id: string; execution_arn: string }>(
      `SELECT id, execution_arn FROM run WHERE workspace_id = :ws::uuid AND execution_arn IS NOT NULL`, { ws: session.workspaceId });
    return c.html(page({ title: 'Runs', session, current: '/runs' }, runsList(runs, new Map(arns.rows.map((r) => [r.id, r.execution_arn])))));
  });

  /** Redrives under way in this process, by run id: a second click does not start another. */
  const redriving = new Set<string>();

  /** The run id in the path, checked to be a run of the session's workspace. */
  async function ownedRun(c: Context<AppEnv>): Promise<string> {
    const id = uuidParam(c, 'id');
    const owned = await sql.query(`SELECT 1 FROM run WHERE id = :id::uuid AND workspace_id = :ws::uuid`, { id, ws: c.get('session').workspaceId });
    if (owned.rowCount === 0) throw new NotFoundError(`no run ${id} in this workspace`);
    return id;
  }

  async function renderRun(c: Context<AppEnv>, id: string, extra: { notice?: Html | null; error?: string | null; status?: 200 | 409 | 501 | 502 } = {}) {
    const session = c.get('session');
    const [show, stages] = [await showRun(sql, id), await stageCounts(sql, id)];
    const arn = (await sql.query<{ execution_arn: string | null }>(`SELECT execution_arn FROM run WHERE id = :id::uuid`, { id })).rows[0]?.execution_arn ?? null;
    const redrive = { session, available: Boolean(options.redrive || options.startRedrive), running: redriving.has(id) };
    return c.html(page({ title: `Run ${id.slice(0, 8)}`, session, current: '/runs', notice: extra.notice, error: extra.error }, runDetail(show, stages, redrive, arn)), extra.status ?? 200);
  }

  app.get('/runs/:id', async (c) => {
    // the short id the pages and the CLI show (6+ characters) leads to the run
    const given = c.req.param('id');
    if (/^[0-9a-f-]{6,35}$/i.test(given)) {
      const hits = await sql.query<{ id: string }>(
        `SELECT id FROM run WHERE workspace_id = :ws::uuid AND id::text LIKE :prefix LIMIT 2`,
        { ws: c.get('session').workspaceId, prefix: `${given.toLowerCase()}%` },
      );
      if (hits.rows.length === 1) return c.redirect(`/runs/${hits.rows[0].id}`, 302);
      throw new NotFoundError(hits.rows.length ? `"${given}" starts several runs' ids: give more of it` : `no run of this workspace has an id starting "${given}"`);
    }
    const id = await ownedRun(c);
    if (c.req.query('done') !== 'redrive') return renderRun(c, id);
    // The address keeps ?done=redrive&from=N (the run's redrive count when it was asked): once the
    // run was reopened since (its count went up) and is no longer running, say it finished. In
    // the cloud the execution reopens the run a moment after it starts: until then it is starting.
    const run = (await sql.query<{ status: string; redrives: number }>(`SELECT status, redrives FROM run WHERE id = :id::uuid`, { id })).rows[0];
    const from = Number(c.req.query('from'));
    const reopened = run !== undefined && Number.isInteger(from) && run.redrives > from;
    const status = run?.status;
    const still = redriving.has(id) || status === 'running' || !reopened;
    return renderRun(c, id, {
      notice: notice(still ? 'Redrive started: the failed leads are being re-processed. Reload this page to follow the run.' : `The redrive has finished: the run is ${status}, and the counts below are the run's now.`),
    });
  });

  app.post('/runs/:id/redrive', async (c) => {
    const session = c.get('session');
    const id = await ownedRun(c);
    if (!options.redrive && !options.startRedrive) return renderRun(c, id, { error: `Redrive is not available from this app here: run \`prospector redrive ${id.slice(0, 8)}\`.`, status: 501 });
    if (redriving.has(id)) return renderRun(c, id, { error: 'This run is already being redriven: reload to follow it.', status: 409 });
    const failed = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM run_lead WHERE run_id = :id::uuid AND status = 'failed'`, { id });
    if (failed.rows[0].n === 0) return renderRun(c, id, { error: 'This run has no failed lead to redrive.', status: 409 });
    const redrivesBefore = (await sql.query<{ redrives: number }>(`SELECT redrives FROM run WHERE id = :id::uuid`, { id })).rows[0].redrives;
    if (options.startRedrive) {
      let started: { executionArn: string };
      try {
        started = await options.startRedrive({ workspaceId: session.workspaceId, runId: id });
      } catch (error) {
        const e = error as Error;
        options.log?.error('starting a redrive execution failed', { runId: id, error: e.name, message: e.message });
        return renderRun(c, id, { error: `The redrive could not be started: ${e.name}: ${String(e.message).slice(0, 300)}`, status: 502 });
      }
      // Only an execution ARN is stored (and linked): anything else is left out.
      if (executionRef(started.executionArn)) await sql.query(`UPDATE run SET execution_arn = :arn WHERE id = :id::uuid`, { id, arn: started.executionArn });
      return c.redirect(`/runs/${id}?done=redrive&from=${redrivesBefore}`, 303);
    }
    if (!options.redrive) throw new Error('unreachable: no redrive');
    const redrive = options.redrive;
    redriving.add(id);
    // A redrive takes as long as its leads do: it goes on after the response, and its outcome is the run's.
    void redrive({ workspaceId: session.workspaceId, runId: id })
      .catch((error: Error) => options.log?.error('redrive from the web app failed', { runId: id, error: error.name, message: error.message }))
      .finally(() => redriving.delete(id));
    return c.redirect(`/runs/${id}?done=redrive&from=${redrivesBefore}`, 303);
  });

  // --- leads ------------------------------------------------------------------------------------

  app.get('/leads', async (c) => {
    const session = c.get('session');
    const icps = await listIcps(sql, session.workspaceId);
    const icp = icps.some((i) => i.slug === c.req.query('icp')) ? c.req.query('icp')! : null;
    const status = (LEAD_STATUSES as readonly string[]).includes(c.req.query('status') ?? '') ? (c.req.query('status') as LeadStatus) : null;
    const outreach = Object.hasOwn(OUTREACH_FILTERS, c.req.query('outreach') ?? '') ? (c.req.query('outreach') as OutreachFilter) : null;
    const leads = await listLeads(sql, { workspaceId: session.workspaceId, icpSlug: icp, status, outreach });
    return c.html(page({ title: 'Leads', session, current: '/leads' }, leadsList(leads, icps, { icp, status, outreach })));
  });

  /** The lead (in the session's workspace) and its latest research. */
  async function leadWithResearch(session: WebSession, leadId: string) {
    const lead = (await listLeads(sql, { workspaceId: session.workspaceId, leadId })).at(0);
    if (!lead) throw new NotFoundError(`no lead ${leadId} in this workspace`);
    return { lead, research: lead.researchId ? await loadResearch(sql, lead.researchId) : null, trigger: await loadOutreachTrigger(sql, lead.id) };
  }

  app.get('/leads/:id', async (c) => {
    const session = c.get('session');
    const { lead, research, trigger } = await leadWithResearch(session, uuidParam(c, 'id'));
    const outreach = await loadLeadOutreach(sql, session.workspaceId, lead, now());
    return c.html(page({ title: `${lead.name} · ${lead.company}`, session, current: '/leads' }, leadDetail(lead, research, trigger, outreach)));
  });

  app.get('/leads/:id/facts/:fact/text', async (c) => {
    const session = c.get('session');
    const { research } = await leadWithResearch(session, uuidParam(c, 'id'));
    const factId = FactId.safeParse(c.req.param('fact'));
    const fact = factId.success ? research?.facts.find((f) => f.id === factId.data) : undefined;
    const text = fact?.cleanKey ? await lake.get(fact.cleanKey) : undefined;
    if (!text) throw new NotFoundError('no stored page text for this fact');
    // Plain text (never rendered as HTML), with nosniff and the CSP from the middleware.
    return c.body(text.toString('utf8'), 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  // --- review queue -------------------------------------------------------------------------------

  /** Whether the queue shows the signed-in rep's drafts only (`view=mine`, in the query or a form). */
  async function queueView(c: Context<AppEnv>): Promise<QueueView> {
    const given = c.req.method === 'GET' ? c.req.query('view') : await field(c, 'view');
    return given === 'mine' ? 'mine' : 'all';
  }

  async function renderQueue(c: Context<AppEnv>, extra: { notice?: Html | null; error?: string | null; status?: 200 | 409 | 422; refusal?: Omit<Refusal, 'error'> & { error: string | null } } = {}) {
    const session = c.get('session');
    const view = await queueView(c);
    const everyone = await listSequences(sql, { workspaceId: session.workspaceId, status: 'draft' });
    const mine = everyone.filter((d) => d.repEmail === session.email);
    const drafts = view === 'mine' ? mine : everyone;
    // drafts whose leads opted out or were excluded since they were drafted: approving is refused
    const held = await draftHolds(sql, drafts, now());
    const counts = { all: everyone.length, mine: mine.length };
    // a refusal shows at its draft's card, with what was typed; at the top when the draft is no longer here
    const r = extra.refusal;
    const atCard = r?.error && drafts.some((d) => d.id === r.sequenceId) ? { ...r, error: r.error } : undefined;
    const error = extra.error ?? (atCard ? null : r?.error ?? null);
    return c.html(
      page(
        { title: 'Review queue', session, current: '/review', notice: extra.notice, error },
        reviewQueue(session, drafts, held, { view, counts, refusal: atCard, cannotSend: drafts.length ? await cannotSend(sql, session.workspaceId) : null }),
      ),
      extra.status ?? 200,
    );
  }

  /** A stale tab's decision, in words: who decided the draft meanwhile, and when. */
  async function decidedMeanwhile(sequenceId: string, status: string): Promise<string> {
    const last = await sql.query<{ decision: string; decided_by_email: string | null; at: string }>(
      `SELECT decision, decided_by_email, to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at
         FROM approval WHERE sequence_id = :id::uuid ORDER BY decided_at DESC LIMIT 1`,
      { id: sequenceId },
    );
    const d = last.rows[0];
    const who = d ? ` by ${d.decided_by_email ?? 'the ICP’s autopilot'} at ${d.at} UTC` : '';
    return `Nothing was changed: this draft was ${d?.decision ?? status}${who}, after this page was loaded${d && d.decision !== status ? `, and is ${status} now` : ''}.`;
  }

  /** A decision's reason over REASON_MAX characters, refused naming its length. */
  const reasonTooLong = (verb: 'approved' | 'rejected', length: number) =>
    `Not ${verb}: the reason is ${length.toLocaleString('en')} characters; keep it under ${REASON_MAX.toLocaleString('en')}.`;

  /** Back to the queue as it was shown, with what was done. */
  const backToQueue = (view: QueueView, done: string) => `/review?done=${done}${view === 'mine' ? '&view=mine' : ''}`;

  /**
   * The queue again with a refused action's reason at its draft's card and what was typed kept
   * there (the draft stays as it was); in the web's words, not the command line's.
   */
  async function refused(c: Context<AppEnv>, error: unknown, typed: Omit<Refusal, 'error'>) {
    if (!(error instanceof ProspectorError) || error instanceof NotFoundError) throw error;
    const words =
      error instanceof IllegalTransitionError ? await decidedMeanwhile(error.sequenceId, error.from)
      : error instanceof ApprovalRefusedError || error instanceof EditRefusedError ? error.web
      : error.message;
    return renderQueue(c, { refusal: { ...typed, error: words }, status: 409 });
  }

  app.get('/review', async (c) => {
    const done = c.req.query('done');
    const count = queryCount(c, 'n');
    const held = queryCount(c, 'held');
    const notices: Record<string, string> = {
      approved: 'Approved: the first email is queued to go in its send window.',
      rejected: 'Rejected, with your reason recorded.',
      edited: 'Saved and checked again: the verdict and flags below are the checker’s reading of your words.',
      held: `Rejected ${count} draft(s) whose leads may not be written to now, each with its reason.`,
      bulk:
        `Approved ${count} unflagged draft(s).` +
        (held > 0 ? ` ${held} not approved: their leads may not be written to now (an opt-out, a bounce or an exclusion since they were drafted) or their rep is no longer a user; approving one says why.` : ''),
    };
    return renderQueue(c, { notice: done && notices[done] ? notice(notices[done]) : null });
  });

  /** The sequence id in the path, checked to be a sequence of the session's workspace. */
  async function ownedSequence(c: Context<AppEnv>): Promise<string> {
    const id = uuidParam(c, 'id');
    const hit = await resolveId(sql, id, c.get('session').workspaceId);
    if (hit.kind !== 'sequence') throw new NotFoundError(`no sequence ${id} in this workspace`);
    return hit.id;
  }

  app.post('/review/reject-held', async (c) => {
    const session = c.get('session');
    const view = await queueView(c);
    const rejected = await rejectHeldDrafts(sql, session.workspaceId, { by: session.email, now: now(), repEmail: view === 'mine' ? session.email : null });
    return c.redirect(`${backToQueue(view, 'held')}&n=${rejected.length}`, 303);
  });

  app.post('/review/approve-unflagged', async (c) => {
    const session = c.get('session');
    const view = await queueView(c);
    const result = await approveAllUnflagged(sql, { workspaceId: session.workspaceId, repEmail: view === 'mine' ? session.email : null }, { by: session.email, now: now() });
    const held = result.left.filter((l) => l.held).length;
    return c.redirect(`${backToQueue(view, 'bulk')}&n=${result.approved.length}${held ? `&held=${held}` : ''}`, 303);
  });

  app.post('/review/:id/approve', async (c) => {
    const session = c.get('session');
    const id = await ownedSequence(c);
    const typed = (await field(c, 'reason')) ?? '';
    const reason = typed.trim() || null;
    if (typed.length > REASON_MAX) {
      return renderQueue(c, { refusal: { sequenceId: id, approveReason: typed, error: reasonTooLong('approved', typed.length) }, status: 422 });
    }
    try {
      await approveSequence(sql, id, { by: session.email, reason, now: now() });
    } catch (error) {
      return refused(c, error, { sequenceId: id, approveReason: typed });
    }
    return c.redirect(backToQueue(await queueView(c), 'approved'), 303);
  });

  app.post('/review/:id/reject', async (c) => {
    const session = c.get('session');
    const id = await ownedSequence(c);
    const typed = (await field(c, 'reason')) ?? '';
    const reason = Reason.safeParse(typed);
    if (!reason.success) {
      const error = typed.trim() ? reasonTooLong('rejected', typed.trim().length) : 'Rejecting needs a reason: say why the draft should not be sent (it is recorded).';
      return renderQueue(c, { refusal: { sequenceId: id, rejectReason: typed, error }, status: 422 });
    }
    try {
      await rejectSequence(sql, id, { by: session.email, reason: reason.data });
    } catch (error) {
      return refused(c, error, { sequenceId: id, rejectReason: typed });
    }
    return c.redirect(backToQueue(await queueView(c), 'rejected'), 303);
  });

  app.post('/review/messages/:id/edit', async (c) => {
    const session = c.get('session');
    const id = uuidParam(c, 'id');
    const hit = await resolveId(sql, id, session.workspaceId);
    if (hit.kind !== 'message') throw new NotFoundError(`no message ${id} in this workspace`);
    const body = (await field(c, 'body')) ?? '';
    const subject = await field(c, 'subject');
    try {
      // CRLF from the browser's textarea becomes the LF the checker and the CLI use.
      await editMessage(sql, id, { body: body.replace(/\r\n/g, '\n').trimEnd(), subject: subject === undefined ? undefined : subject, by: session.email });
    } catch (error) {
      return refused(c, error, { sequenceId: hit.sequenceId!, edit: { messageId: id, subject, body } });
    }
    return c.redirect(`${backToQueue(await queueView(c), 'edited')}#seq-${hit.sequenceId}`, 303);
  });

  // --- inbox ----------------------------------------------------------------------------------------

  const INBOX_NOTICES: Record<string, string> = {
    approved: 'Response approved: it goes out in the thread from the mailbox the thread used, within its send window and caps.',
    rejected: 'Response rejected, with your reason recorded.',
    edited: 'Response saved and checked again: the verdict and flags shown are the checker’s reading of your words.',
    label: 'Label reviewed: its action ran (once).',
  };

  async function renderInbox(c: Context<AppEnv>, extra: { error?: string | null; status?: 200 | 409 | 422 } = {}) {
    const session = c.get('session');
    const show = c.req.query('show');
    const filter: InboxFilter = (INBOX_FILTERS as readonly string[]).includes(show ?? '') ? (show as InboxFilter) : null;
    const replies = await listReplies(sql, session.workspaceId, {
      label: filter === 'needs_review' ? 'needs_review' : undefined,
      unmatched: filter === 'unmatched',
      repEmail: filter === 'mine' ? session.email : null,
    });
    const drafts = new Map<string, ResponseView>();
    for (const r of replies) if (r.response?.status === 'draft') drafts.set(r.response.id, await getResponse(sql, r.response.id));
    // the prospect's words, from the mail as the replies machine parsed it (eight reads at a time)
    const texts = new Map<string, string | null>();
    const shown = replies.slice(0, INBOX_TEXTS);
    for (let i = 0; i < shown.length; i += 8) {
      await Promise.all(shown.slice(i, i + 8).map(async (r) => {
        const mail = await storedMail(session.workspaceId, r.contentSha256).catch(() => null);
        texts.set(r.id, mail ? newText(mail) : null);
      }));
    }
    const done = c.req.query('done') ?? '';
    const told = extra.error ? null : Object.hasOwn(INBOX_NOTICES, done) ? notice(INBOX_NOTICES[done]) : null;
    return c.html(page({ title: 'Inbox', session, current: '/inbox', notice: told, error: extra.error ?? null }, inboxList(replies, filter, { session, drafts, texts })), extra.status ?? 200);
  }

  app.get('/inbox', (c) => renderInbox(c));

  /**
   * A reply's mail as the replies machine's Parse step kept it (lakeKeys.replyMail, per workspace):
   * the web app reads that area of the lake, not the raw inbound mail. Null when it is not there.
   */
  const storedMail = (workspaceId: string, contentSha256: string | null): Promise<InboundMail | null> =>
    contentSha256 ? readStoredMail(lake, lakeKeys.replyMail(workspaceId, contentSha256)) : Promise.resolve(null);

  // The stored mail of a reply as plain text (never rendered as HTML; nosniff and the CSP apply).
  app.get('/inbox/replies/:id/mail', async (c) => {
    const id = uuidParam(c, 'id');
    const ws = c.get('session').workspaceId;
    const found = await sql.query<{ content_sha256: string | null }>(`SELECT content_sha256 FROM reply WHERE id = :id::uuid AND workspace_id = :ws::uuid`, { id, ws });
    if (!found.rows[0]) throw new NotFoundError(`no reply ${id} in this workspace`);
    const mail = await storedMail(ws, found.rows[0].content_sha256);
    if (!mail) throw new NotFoundError('the stored mail of this reply is not in the lake');
    const head = [`From: ${mail.from ? (mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address) : '(none)'}`, `Date: ${mail.date ?? '(none)'}`, `Subject: ${mail.subject}`];
    return c.body(`${head.join('\n')}\n\n${mail.text}${mail.textTruncated ? '\n\n[the text is cut here: the mail is longer]' : ''}\n`, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  /** The response id in the path, checked to be a response of the session's workspace; with its reply. */
  async function ownedResponse(c: Context<AppEnv>): Promise<{ id: string; replyId: string }> {
    const id = uuidParam(c, 'id');
    const owned = await sql.query<{ reply_id: string }>(`SELECT reply_id FROM reply_response WHERE id = :id::uuid AND workspace_id = :ws::uuid`, { id, ws: c.get('session').workspaceId });
    if (owned.rowCount === 0) throw new NotFoundError(`no response ${id} in this workspace`);
    return { id, replyId: owned.rows[0].reply_id };
  }

  /** A refused decision or edit is shown on the inbox (409); anything else is a real error. */
  function inboxRefused(c: Context<AppEnv>, error: unknown) {
    if (error instanceof ApprovalRefusedError || error instanceof EditRefusedError) return renderInbox(c, { error: error.web, status: 409 });
    if (error instanceof ProspectorError && !(error instanceof NotFoundError)) return renderInbox(c, { error: error.message, status: 409 });
    throw error;
  }

  app.post('/inbox/responses/:id/approve', async (c) => {
    const session = c.get('session');
    const { id, replyId } = await ownedResponse(c);
    const reason = (await field(c, 'reason'))?.trim().slice(0, 2000) || undefined;
    try {
      await approveResponse(sql, id, { by: session.email, reason });
    } catch (error) {
      return inboxRefused(c, error);
    }
    return c.redirect(`/inbox?done=approved#reply-${replyId}`, 303);
  });

  app.post('/inbox/responses/:id/reject', async (c) => {
    const session = c.get('session');
    const { id, replyId } = await ownedResponse(c);
    const reason = Reason.safeParse((await field(c, 'reason')) ?? '');
    if (!reason.success) return renderInbox(c, { error: 'Rejecting a response needs a reason: say why it should not be sent (it is recorded).', status: 422 });
    try {
      await rejectResponse(sql, id, { by: session.email, reason: reason.data });
    } catch (error) {
      return inboxRefused(c, error);
    }
    return c.redirect(`/inbox?done=rejected#reply-${replyId}`, 303);
  });

  app.post('/inbox/responses/:id/edit', async (c) => {
    const session = c.get('session');
    const { id, replyId } = await ownedResponse(c);
    const body = (await field(c, 'body')) ?? '';
    const subject = await field(c, 'subject');
    if (body.length > 20_000 || (subject?.length ?? 0) > 200) return renderInbox(c, { error: 'The response is too long: 20,000 characters of body and 200 of subject at most.', status: 422 });
    try {
      // CRLF from the browser's textarea becomes the LF the checker and the CLI use.
      await editResponse(sql, id, { body: body.replace(/\r\n/g, '\n').trimEnd(), subject: subject === undefined ? undefined : subject, by: session.email });
    } catch (error) {
      return inboxRefused(c, error);
    }
    return c.redirect(`/inbox?done=edited#reply-${replyId}`, 303);
  });

  app.post('/inbox/replies/:id/label', async (c) => {
    const session = c.get('session');
    const replyId = uuidParam(c, 'id');
    const label = ((await field(c, 'label')) ?? '').trim();
    if (!label) return renderInbox(c, { error: 'Choose the reply’s label.', status: 422 });
    try {
      await reviewReplyLabel(sql, { workspaceId: session.workspaceId, replyId, label, byEmail: session.email, now: now() });
    } catch (error) {
      return inboxRefused(c, error);
    }
    return c.redirect(`/inbox?done=label#reply-${replyId}`, 303);
  });

  // --- suppression list -------------------------------------------------------------------------------

  async function renderSuppressions(c: Context<AppEnv>, state: { form?: SuppressionFormState; notice?: Html | null; status?: 200 | 422 } = {}) {
    const session = c.get('session');
    const search = (c.req.query('q') ?? '').slice(0, 200);
    const list = await listSuppressions(sql, session.workspaceId, { search });
    const form = state.form ?? { email: '', reason: '', errors: {} };
    return c.html(page({ title: 'Suppression list', session, current: '/suppressions', notice: state.notice }, suppressionsPage(session, list, search, form)), state.status ?? 200);
  }

  // --- team -------------------------------------------------------------------------------------

  async function renderTeam(c: Context<AppEnv>, state: { notice?: Html | null; error?: string; status?: 200 | 403 | 422 } = {}) {
    const session = c.get('session');
    const team = await loadTeam(sql, session.workspaceId, now());
    return c.html(page({ title: 'Team', session, current: '/team', notice: state.notice, error: state.error }, teamPage(session, team)), state.status ?? 200);
  }

  app.get('/team', async (c) => {
    const q = (k: string) => c.req.query(k);
    if (q('handed') === undefined) return renderTeam(c);
    const [from, to] = [(q('from') ?? '').slice(0, 320), (q('to') ?? '').slice(0, 320)];
    const [kept, still, stopped, left] = [queryCount(c, 'kept'), queryCount(c, 'still'), queryCount(c, 'stopped'), queryCount(c, 'left')];
    return renderTeam(c, {
      notice: notice(
        `Handed ${queryCount(c, 'handed')} draft(s), ${queryCount(c, 'responses')} suggested response(s) and ${queryCount(c, 'tasks')} open task(s) from ${from} to ${to}, re-signed: the drafts are in the review queue, the responses in the inbox.` +
          (kept ? ` ${kept} stay with ${from}: an email no longer ends with their signature or a message names them; edit them, then hand over again.` : '') +
          (stopped ? ` Stopped ${stopped} approved or sending sequence(s) of ${from}; their queued emails are cancelled.` : '') +
          (still ? ` ${still} approved sequence(s) go on from ${from}'s mailbox.` : '') +
          (left ? ` ${left} more draft(s) or response(s) are still with ${from}: one request had no time for them; press Hand over again to carry on.` : ''),
      ),
    });
  });

  app.post('/team/hand-over', async (c) => {
    const session = c.get('session');
    if (session.role !== 'admin') return renderTeam(c, { error: 'Only an admin hands a rep’s drafts over.', status: 403 });
    const from = ((await field(c, 'from')) ?? '').trim();
    const to = ((await field(c, 'to')) ?? '').trim();
    const stopSending = (await field(c, 'stopSending')) === '1';
    // first what it would do (the dry run), to confirm; then the hand-over itself
    const confirmed = (await field(c, 'confirm')) === '1';
    let r;
    try {
      r = await handOver(sql, session.workspaceId, from, to, { now: now(), stopSending, by: session.email, dryRun: !confirmed, deadline: performance.now() + HAND_OVER_BUDGET_MS });
    } catch (error) {
      if (error instanceof ProspectorError && !(error instanceof NotFoundError)) return renderTeam(c, { error: error.message, status: 422 });
      throw error;
    }
    if (!confirmed) return c.html(page({ title: 'Hand over?', session, current: '/team' }, handOverConfirm(session, r, stopSending)));
    const still = r.stillSending.approved + r.stillSending.active + r.stillSending.paused;
    const handed = (kind: 'sequence' | 'response') => String(r.handedOver.filter((d) => d.kind === kind).length);
    const query = new URLSearchParams({
      handed: handed('sequence'), responses: handed('response'), kept: String(r.kept.length), tasks: String(r.tasks), still: String(still), stopped: String(r.stopped),
      left: String(r.remaining.drafts + r.remaining.responses), from: r.from, to: r.to,
    });
    return c.redirect(`/team?${query}`, 303);
  });

  app.get('/suppressions', (c) => {
    const added = c.req.query('added')?.slice(0, 320);
    if (!added) return renderSuppressions(c);
    if (c.req.query('already') === '1') {
      return renderSuppressions(c, { notice: notice(`${added} was already suppressed: nothing changed, and the earlier reason stands (shown below).`) });
    }
    const [stopped, held] = [queryCount(c, 'stopped'), queryCount(c, 'held')];
    return renderSuppressions(c, {
      notice: notice(
        `Suppressed ${added}: it is never written to again.` +
          (stopped ? ` ${stopped} open sequence(s) to it stopped, their queued emails cancelled.` : ' No open sequence was sending to it.') +
          (held ? ` ${held} draft(s) to it wait in the review queue, held: approving is refused; reject them there.` : ''),
      ),
    });
  });

  app.post('/suppressions', async (c) => {
    const session = c.get('session');
    const email = ((await field(c, 'email')) ?? '').trim();
    const reason = ((await field(c, 'reason')) ?? '').trim();
    const errors: SuppressionFormState['errors'] = {};
    const parsed = SuppressEmail.safeParse(email);
    if (!parsed.success) errors.email = email ? `"${email.slice(0, 80)}" is not an email address (name@domain.tld)` : 'enter the email address to suppress';
    if (reason.length > 500) errors.reason = `is ${reason.length} characters; keep it under 500`;
    if (errors.email || errors.reason) return renderSuppressions(c, { form: { email, reason, errors }, status: 422 });
    const address = parsed.data!.toLowerCase();
    const result = await sql.transaction((tx) =>
      suppressAddress(tx, {
        workspaceId: session.workspaceId,
        address,
        source: 'rep',
        reason: `${reason || 'No reason given'} (added by ${session.email})`,
        stopReason: 'suppressed',
        now: now(),
      }),
    );
    if (!result.newlySuppressed) return c.redirect(`/suppressions?added=${encodeURIComponent(address)}&already=1`, 303);
    const held = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sequence s JOIN lead l ON l.id = s.lead_id WHERE s.workspace_id = :ws::uuid AND s.status = 'draft' AND l.email = :address`,
      { ws: session.workspaceId, address },
    );
    return c.redirect(`/suppressions?added=${encodeURIComponent(address)}&stopped=${result.stoppedSequenceIds.length}&held=${held.rows[0].n}`, 303);
  });

  // An opt-out is permanent and onboarding only adds: no suppression is removed here, whatever is asked.
  const refuseRemoval = (c: Context<AppEnv>) =>
    c.html(page({ title: 'Refused', session: c.get('session'), error: 'Suppressions cannot be removed: an opt-out is permanent, and a bounce or a listed address stays blocked.' }, html``), 405, { Allow: 'GET, POST' });
  app.delete('/suppressions/:id', refuseRemoval);
  app.post('/suppressions/:id/remove', refuseRemoval);
  app.post('/suppressions/:id/delete', refuseRemoval);

  // --- onboarding ---------------------------------------------------------------------------------

  async function renderOnboarding(
    c: Context<AppEnv>,
    state: { text?: string; issues?: OnboardingIssueView[]; notice?: Html | null; status?: 200 | 403 | 422; company?: { values: CompanyFormValues; errors: Partial<Record<CompanyFieldName, string>> } } = {},
  ) {
    const session = c.get('session');
    const counts = await sql.query<{ icps: number; products: number; users: number }>(
      `SELECT (SELECT count(*)::int FROM icp WHERE workspace_id = :ws::uuid AND active) AS icps,
              (SELECT count(*)::int FROM product WHERE workspace_id = :ws::uuid) AS products,
              (SELECT count(*)::int FROM app_user WHERE workspace_id = :ws::uuid) AS users`,
      { ws: session.workspaceId },
    );
    // The company form needs a stored company: a workspace imports its first file before it has one.
    const stored = session.role === 'admin' && counts.rows[0].products > 0 ? await exportOnboarding(sql, session.workspaceId) : null;
    const link = html`<p class="guided-link"><a href="/onboarding/guided">${stored ? 'Edit everything in the guided form' : 'Start the guided onboarding form'}</a>: company, products, ICPs and personas, tone of voice, exclusions and knowledge documents, each checked at its field; then <a href="/onboarding/sending">the mailboxes and send windows</a>.</p>`;
    const guided = html`${link}${stored ? companyForm(session, state.company?.values ?? companyValues(stored.company), state.company?.errors ?? {}) : ''}`;
    // what the stored onboarding still keeps from working (no postal address: nothing is sent)
    const blocked = counts.rows[0].products > 0 ? await cannotSend(sql, session.workspaceId) : null;
    const body = html`${blocked ? html`<p class="flag">Nothing is sent yet: ${blocked}.</p>` : ''}${onboardingPage(session, { text: state.text ?? '', issues: state.issues ?? [], summary: counts.rows[0], guided })}`;
    return c.html(page({ title: 'Onboarding', session, current: '/onboarding', notice: state.notice }, body), state.status ?? 200);
  }

  /** What a saved onboarding stopped, for the notice: open sequences whose leads it now leaves out. */
  const stoppedNote = (c: Context<AppEnv>): string => {
    const n = queryCount(c, 'stopped');
    return n > 0 ? ` ${n} open sequence(s) stopped: their leads are now left out (a customer, a competitor or a suppression); each lead's page says why.` : '';
  };
  /** Where to go after an import, with how many open sequences it stopped and how many removed users left work to hand over. */
  const afterImport = (to: string, result: { sequencesStopped: unknown[]; usersRemoved: { drafts: number; responses: number; tasks: number }[] }) => {
    const leaving = result.usersRemoved.filter((u) => workLeft(u) !== null).length;
    return `${to}${result.sequencesStopped.length ? `&stopped=${result.sequencesStopped.length}` : ''}${leaving ? `&handover=${leaving}` : ''}`;
  };
  /** The removed users who left drafts, responses or tasks, for the notice. */
  const handOverNote = (c: Context<AppEnv>): string => {
    const n = queryCount(c, 'handover');
    return n > 0 ? ` ${n} removed user(s) left drafts, responses or open tasks: hand them to a rep on the Team page.` : '';
  };

  app.get('/onboarding', (c) =>
    renderOnboarding(c, {
      notice:
        c.req.query('done') === 'imported' ? notice(`Imported: the next run researches and drafts with it.${stoppedNote(c)}${handOverNote(c)}`)
        : c.req.query('done') === 'company' ? notice(`Company saved: the next run researches and drafts with it.${stoppedNote(c)}`)
        : null,
    }));

  app.post('/onboarding/import', async (c) => {
    const session = c.get('session');
    if (session.role !== 'admin') return renderOnboarding(c, { status: 403 });
    const form = await c.req.parseBody();
    const upload = form.file instanceof File && form.file.size > 0 ? form.file : null;
    if (upload && upload.size > MAX_ONBOARDING_BYTES) return renderOnboarding(c, { issues: [{ path: '', message: `the file is ${upload.size} bytes; the limit is ${MAX_ONBOARDING_BYTES}` }], status: 422 });
    const text = upload ? await upload.text() : typeof form.text === 'string' ? form.text : '';
    if (!text.trim()) return renderOnboarding(c, { issues: [{ path: '', message: 'paste the onboarding file or choose one to upload' }], status: 422 });
    if (text.length > MAX_ONBOARDING_BYTES) return renderOnboarding(c, { text: '', issues: [{ path: '', message: `the text is over ${MAX_ONBOARDING_BYTES} characters` }], status: 422 });
    const json = upload ? /\.json$/i.test(upload.name) : /^\s*[{[]/.test(text);
    try {
      const what = upload ? `onboarding file ${upload.name}` : 'onboarding text';
      const onboarding = refuseKnowledgePaths(parseOnboardingText(text, json ? 'json' : 'yaml', what), what);
      // One workspace per session: a file naming another workspace would create or overwrite it.
      if (onboarding.workspace.slug !== session.workspaceSlug) {
        return renderOnboarding(c, {
          text,
          issues: [{ path: 'workspace.slug', message: `is "${onboarding.workspace.slug}", but you are signed in to workspace "${session.workspaceSlug}": keep its slug` }],
          status: 422,
        });
      }
      return c.redirect(afterImport('/onboarding?done=imported', await importOnboarding(sql, onboarding, { now: now() })), 303);
    } catch (error) {
      if (error instanceof ValidationError) return renderOnboarding(c, { text, issues: error.issues, status: 422 });
      throw error;
    }
  });

  app.post('/onboarding/company', async (c) => {
    const session = c.get('session');
    if (session.role !== 'admin') return renderOnboarding(c, { status: 403 });
    const values = {} as CompanyFormValues;
    for (const f of COMPANY_FIELDS) values[f.name] = ((await field(c, f.name)) ?? '').slice(0, 20_000);
    const checked = checkOnboarding(withCompany(await exportOnboarding(sql, session.workspaceId), values));
    if (!checked.success) {
      const errors: Partial<Record<CompanyFieldName, string>> = {};
      for (const issue of checked.issues) {
        const [top, name] = issue.segments;
        const known = COMPANY_FIELDS.find((f) => f.name === name);
        if (top === 'company' && known && !errors[known.name]) errors[known.name] = issue.message;
      }
      // A problem outside these fields is the stored file's, not the form's: shown with its path.
      const elsewhere = checked.issues.filter((i) => !(i.segments[0] === 'company' && COMPANY_FIELDS.some((f) => f.name === i.segments[1])));
      return renderOnboarding(c, { company: { values, errors }, issues: elsewhere.map(({ path, message }) => ({ path, message })), status: 422 });
    }
    return c.redirect(afterImport('/onboarding?done=company', await importOnboarding(sql, checked.data, { now: now() })), 303);
  });

  // --- the guided onboarding form -------------------------------------------------------------

  /**
   * What the workspace holds: the whole onboarding once it has a company (the file it was last
   * saved as), else only its workspace and users (a new workspace fills the rest in on the form).
   */
  async function storedOnboarding(workspaceId: string): Promise<{ doc: Onboarding | null; workspace: unknown; users: unknown[] }> {
    const company = await sql.query(`SELECT 1 FROM seller_company WHERE workspace_id = :ws::uuid`, { ws: workspaceId });
    if (company.rowCount > 0) {
      const doc = await exportOnboarding(sql, workspaceId);
      return { doc, workspace: doc.workspace, users: doc.users };
    }
    const ws = (await sql.query<{ slug: string; name: string; cooling_off_days: number }>(`SELECT slug, name, cooling_off_days FROM workspace WHERE id = :ws::uuid`, { ws: workspaceId })).rows[0];
    if (!ws) throw new NotFoundError(`no workspace ${workspaceId}`);
    const users = await sql.query<Record<string, string | null>>(
      `SELECT name, email, title, timezone, signature, calendar_link, role FROM app_user WHERE workspace_id = :ws::uuid ORDER BY role, email`,
      { ws: workspaceId },
    );
    return {
      doc: null,
      workspace: { slug: ws.slug, name: ws.name, ...(ws.cooling_off_days === DEFAULT_COOLING_OFF_DAYS ? {} : { coolingOffDays: ws.cooling_off_days }) },
      users: users.rows.map((u) => Object.fromEntries(Object.entries({ ...u, calendarLink: u.calendar_link, calendar_link: undefined }).filter(([, v]) => v !== null && v !== undefined))),
    };
  }

  async function renderGuided(c: Context<AppEnv>, state: GuidedState | null, extra: { notice?: Html | null; status?: 200 | 403 | 422 } = {}) {
    const session = c.get('session');
    if (session.role !== 'admin') {
      const body = html`<p>Only an admin of ${session.workspaceName} can change its onboarding. Ask one, or use <code>prospector onboard FILE</code>.</p>`;
      return c.html(page({ title: 'Guided onboarding', session, current: '/onboarding' }, body), 403);
    }
    const form = state ?? { values: valuesFromOnboarding((await storedOnboarding(session.workspaceId)).doc), issues: [] };
    return c.html(page({ title: 'Guided onboarding', session, current: '/onboarding', notice: extra.notice }, guidedForm(session, form)), extra.status ?? 200);
  }

  app.get('/onboarding/guided', (c) =>
    renderGuided(c, null, { notice: c.req.query('done') === 'saved' ? notice(`Saved: the next run researches and drafts with it.${stoppedNote(c)}${handOverNote(c)}`) : null }));

  app.post('/onboarding/guided', async (c) => {
    const session = c.get('session');
    if (session.role !== 'admin') return renderGuided(c, null);
    const values = valuesFromBody(await c.req.parseBody());
    const action = (await field(c, 'action')) ?? 'save';

    if (action.startsWith('add:') || action.startsWith('remove:')) {
      const done = action.startsWith('add:') ? addItem(values, action.slice(4)) : removeItem(values, action.slice(7));
      const refusal = 'error' in done ? (done.error ?? null) : null;
      return renderGuided(c, { values, issues: [], focus: 'focus' in done ? done.focus : null, refusal }, { status: refusal ? 422 : 200 });
    }

    const stored = await storedOnboarding(session.workspaceId);
    const { sections, formIndex } = documentFromValues(values);
    const company = sections.company as Record<string, unknown>;

    if (action === 'preview') {
      // Only the tone is checked for a preview: the rest may still be half filled in.
      const tone = onboardingSchema.shape.tone.safeParse(sections.tone);
      if (!tone.success) {
        const all = checkOnboarding({ tone: sections.tone });
        const issues = all.success ? [] : all.issues.filter((i) => i.segments[0] === 'tone');
        return renderGuided(c, { values, issues: placeIssues(issues, values, formIndex), focus: 'summary' }, { status: 422 });
      }
      const valueProposition = (Array.isArray(company.valuePropositions) ? (company.valuePropositions[0] as string | undefined) : undefined) ?? 'spend less time on manual work';
      const preview = await previewTone(
        { ...tone.data, companyName: typeof company.name === 'string' && company.name.trim() ? company.name : session.workspaceName, valueProposition },
        options.toneLlm,
      );
      return renderGuided(c, { values, issues: [], focus: null, preview });
    }

    if (action !== 'save') return renderGuided(c, { values, issues: [], refusal: `unknown action "${action.slice(0, 40)}"` }, { status: 422 });
    const storedCompany = stored.doc?.company;
    const doc = {
      workspace: stored.workspace,
      users: stored.users,
      ...sections,
      // Proof points and competitors are not on the form: kept as stored.
      company: { proofPoints: storedCompany?.proofPoints ?? [], competitors: storedCompany?.competitors ?? [], ...company },
      // An ICP's sequence of touches is not on the form either: kept by slug.
      icps: (sections.icps as Record<string, unknown>[]).map((icp) => {
        const before = stored.doc?.icps.find((i) => i.slug === (typeof icp.slug === 'string' ? icp.slug.trim() : ''));
        return before ? { ...icp, sequence: before.sequence } : icp;
      }),
    };
    const checked = checkOnboarding(doc);
    if (!checked.success) return renderGuided(c, { values, issues: placeIssues(checked.issues, values, formIndex), focus: 'summary' }, { status: 422 });
    // The form has no path field; a document is only ever its pasted text (never a file on the server).
    const saved = await importOnboarding(sql, refuseKnowledgePaths(checked.data, 'the guided onboarding form'), { lake, now: now() });
    return c.redirect(afterImport('/onboarding/guided?done=saved', saved), 303);
  });

  // --- mailboxes and send windows -----------------------------------------------------------------

  /** The workspace's reps (emails) and ICP slugs, which the sending form's rows refer to. */
  async function sendingContext(workspaceId: string): Promise<{ reps: string[]; icps: string[] }> {
    const reps = await sql.query<{ email: string }>(`SELECT email FROM app_user WHERE workspace_id = :ws::uuid ORDER BY email`, { ws: workspaceId });
    const icps = await sql.query<{ slug: string }>(`SELECT slug FROM icp WHERE workspace_id = :ws::uuid ORDER BY active DESC, slug`, { ws: workspaceId });
    return { reps: reps.rows.map((r) => r.email), icps: icps.rows.map((i) => i.slug) };
  }

  const SENDING_TITLE = 'Mailboxes and send windows';

  app.get('/onboarding/sending', async (c) => {
    const session = c.get('session');
    if (session.role !== 'admin') {
      const body = html`<p>Only an admin of ${session.workspaceName} can change its mailboxes and send windows. Ask one, or use <code>prospector onboard FILE</code>.</p>`;
      return c.html(page({ title: SENDING_TITLE, session, current: '/onboarding' }, body), 403);
    }
    const ctx = await sendingContext(session.workspaceId);
    const values = sendingValues(await loadSendingSettings(sql, session.workspaceId), ctx.icps);
    const done = c.req.query('done') === 'saved' ? notice('Saved: approvals and sending use these mailboxes and windows from now on.') : null;
    return c.html(page({ title: SENDING_TITLE, session, current: '/onboarding', notice: done }, sendingForm(session, { values, reps: ctx.reps, issues: [] })));
  });

  app.post('/onboarding/sending', async (c) => {
    const session = c.get('session');
    if (session.role !== 'admin') {
      const body = html`<p>Only an admin of ${session.workspaceName} can change its mailboxes and send windows. Ask one, or use <code>prospector onboard FILE</code>.</p>`;
      return c.html(page({ title: SENDING_TITLE, session, current: '/onboarding' }, body), 403);
    }
    const ctx = await sendingContext(session.workspaceId);
    const values = sendingValuesFromBody(await c.req.parseBody(), ctx.icps);
    const { input, formIndex } = settingsFromValues(values);
    const checked = checkSendingSettings(input, ctx);
    if (!checked.success) {
      const issues = placeSendingIssues(checked.issues, values, formIndex);
      return c.html(page({ title: SENDING_TITLE, session, current: '/onboarding' }, sendingForm(session, { values, reps: ctx.reps, issues })), 422);
    }
    await saveSendingSettings(sql, session.workspaceId, checked.data, now());
    return c.redirect('/onboarding/sending?done=saved', 303);
  });

  app.get('/onboarding/export', async (c) => {
    const session = c.get('session');
    if (session.role !== 'admin') return renderOnboarding(c, { status: 403 });
    const yaml = await exportOnboardingYaml(sql, session.workspaceId);
    return c.body(yaml, 200, {
      'Content-Type': 'application/yaml; charset=utf-8',
      'Content-Disposition': `attachment; filename="${session.workspaceSlug}-onboarding.yaml"`,
    });
  });

  // --- JSON ---------------------------------------------------------------------------------------

  app.get('/api/runs', async (c) => c.json(await listRuns(sql, { workspaceId: c.get('session').workspaceId, limit: 50 })));
  app.get('/api/drafts', async (c) => c.json(await listSequences(sql, { workspaceId: c.get('session').workspaceId, status: 'draft' })));

  // --- errors -------------------------------------------------------------------------------------

  app.notFound((c) => {
    if (c.req.path.startsWith('/api/')) return c.json({ error: 'not found' }, 404);
    return c.html(page({ title: 'Not found', session: c.get('session') ?? null, error: `Nothing at ${c.req.path}.` }, html``), 404);
  });

  app.onError((error, c) => {
    const session = c.get('session') ?? null;
    const status = error instanceof NotFoundError ? 404 : error instanceof ProspectorError ? 400 : 500;
    // Our own errors say what was wrong; anything else is not shown (it may hold SQL or paths).
    const message = error instanceof ProspectorError ? error.message : 'Something went wrong on our side; the details are in the server log.';
    if (status === 500) options.log?.error('web request failed', { path: c.req.path, method: c.req.method, error: error.name, message: error.message, stack: error.stack });
    if (c.req.path.startsWith('/api/')) return c.json({ error: message }, status);
    return c.html(page({ title: status === 404 ? 'Not found' : 'Error', session, error: message }, html``), status);
  });

  return app;
}
