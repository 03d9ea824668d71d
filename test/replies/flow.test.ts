/**
 * statemachine/replies.asl.json run in-process on PGlite and a folder lake, every Task bound to
 * its own handler over Deps restricted to its step's declared ports (an undeclared port throws):
 * a mail already stored under inbound/ is parsed, classified, matched and acted on; the same
 * mail again ends at its first outcome; a rate limit is retried; a classifier down past its
 * retries and bytes that are no mail are recorded with their error and nothing acted on, the
 * raw mail kept. Also the definition itself: asl-validator, handler and step for every Task.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLake } from '#adapters/folder-lake.ts';
import { HeuristicLlm } from '#adapters/heuristic-llm.ts';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { LlmUnavailableError, RateLimitedError } from '#core/errors.ts';
import { jsonLog } from '#core/log.ts';
import { defaultPipelineConfig, type Deps } from '#core/pipeline/deps.ts';
import { restrictDeps, STEPS, stepOfHandler, type StepId } from '#core/pipeline/step-ports.ts';
import { storeInboundMail } from '#core/replies/act.ts';
import type { ReplyOutcome } from '#core/replies/flow.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { listReplies } from '#local/commands/replies.ts';
import { processReplyLocally, REPLIES_ASL_PATH } from '#local/replies.ts';
import { handlerFileFor, localDefinition, placeholders, taskBindings } from '#local/state-machine.ts';
import { onboardedDb } from '#test/helpers/db.ts';
import { seedMailbox, seedWorkspace } from '#test/helpers/sending.ts';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (def: unknown) => Promise<{ isValid: boolean; errors: unknown[] }>;
const aslText = readFileSync(REPLIES_ASL_PATH, 'utf8');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'replies');
const NOW = new Date('2026-12-02T17:00:00Z');
const bindings = taskBindings(aslText);
const NO_WAIT = Object.fromEntries(bindings.map((b) => [b.state, 0]));

describe('statemachine/replies.asl.json', () => {
  it('passes asl-validator as the local runner and the cloud fill it', async () => {
    expect((await aslValidator(structuredClone(localDefinition(aslText)))).errors).toEqual([]);
    const cloud = aslText.replace(/\$\{(\w+)\}/g, (_m, n: string) => `arn:aws:lambda:eu-west-1:123456789012:function:prospector-${handlerFileFor(n)}`);
    const result = await aslValidator(JSON.parse(cloud));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('binds every Task to a handler and a step; only Classify and DraftResponse have the LLM, none a mailer, and Parse no LLM', () => {
    expect(bindings.map((b) => b.state)).toEqual(['ParseReply', 'ClassifyReply', 'MatchThread', 'ActOnReply', 'DraftResponse', 'RecordReplyFailure']);
    for (const { file } of bindings) expect(existsSync(join(import.meta.dirname, '..', '..', 'lambdas', 'handlers', `${file}.ts`)), file).toBe(true);
    const steps = bindings.map((b) => stepOfHandler(b.file));
    expect(steps.filter((id) => (STEPS[id].ports as { llm?: string }).llm)).toEqual(['ClassifyReply', 'DraftResponse']);
    expect(steps.filter((id) => (STEPS[id].ports as { mailer?: true }).mailer)).toEqual([]);
    expect(placeholders(aslText).every((p) => p.endsWith('FunctionArn'))).toBe(true);
    // every working step is caught into RecordReplyFailure; DraftResponse comes after ActOnReply and its failure never undoes the reply
    const states = JSON.parse(aslText).States as Record<string, { Catch?: { Next: string }[]; Next?: string; Type: string }>;
    for (const name of ['ParseReply', 'ClassifyReply', 'MatchThread', 'ActOnReply']) expect(states[name].Catch?.map((c) => c.Next), name).toEqual(['RecordReplyFailure']);
    expect(states.ActOnReply.Next).toBe('AfterAct');
    expect(states.AfterAct.Type).toBe('Choice');
    expect(states.DraftResponse.Catch?.map((c) => c.Next)).toEqual(['Done']);
  });
});

describe('the replies machine, each step under its own ports', () => {
  let db: PgliteSql;
  let workspaceId: string;
  let dir: string;
  let lake: FolderLake;
  const modules = new Map<string, { makeHandler: (deps: Deps) => StepHandler }>();

  beforeAll(async () => {
    ({ db, workspaceId } = await onboardedDb());
    dir = await mkdtemp(join(tmpdir(), 'replies-flow-'));
    lake = new FolderLake(join(dir, 'lake'));
    // The fixtures answer anna.rep@seller.example: that mailbox is the sample seller's. A second
    // workspace means the workspace must come from the mailbox, not from being the only one.
    await seedMailbox(db, workspaceId, { address: 'anna.rep@seller.example' });
    await seedWorkspace(db);
    for (const { state, file } of bindings) modules.set(state, (await import(`../../lambdas/handlers/${file}.ts`)) as { makeHandler: (deps: Deps) => StepHandler });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const unused = new Proxy({}, { get: () => { throw new Error('not a port of the replies machine'); } });
  const deps = (): Deps => ({
    sql: db,
    lake,
    llm: new HeuristicLlm(),
    leadSearch: unused as Deps['leadSearch'],
    web: unused as Deps['web'],
    log: jsonLog({ level: 'silent' }),
    clock: { now: () => NOW },
    newId: () => randomUUID(),
    config: defaultPipelineConfig,
  });

  interface Run {
    outcome: ReplyOutcome;
    ran: string[];
    /** every state's input and output as they crossed the machine */
    payloads: string[];
  }

  /** Stores `raw` under inbound/ and runs one execution; `fault` may throw before a state's handler. */
  async function run(raw: Buffer, options: { workspaceId?: string; fault?: (state: string, attempt: number) => Error | undefined } = {}): Promise<Run & { key: string }> {
    const key = await storeInboundMail(lake, raw, NOW);
    const ran: string[] = [];
    const payloads: string[] = [];
    const outcome = await processReplyLocally(
      deps(),
      { key, ...(options.workspaceId ? { workspaceId: options.workspaceId } : {}) },
      {
        retryIntervalOverrides: NO_WAIT,
        onEvent: (event) => {
          if (event.state?.input !== undefined) payloads.push(JSON.stringify(event.state.input));
          if (event.state?.output !== undefined) payloads.push(JSON.stringify(event.state.output));
        },
        wrap: (state) => {
          const step = stepOfHandler(bindings.find((b) => b.state === state)!.file) as StepId;
          const handler = modules.get(state)!.makeHandler(restrictDeps(step, deps()));
          return async (event) => {
            ran.push(state);
            const error = options.fault?.(state, ran.filter((s) => s === state).length);
            if (error) throw error;
            return handler(event);
          };
        },
      },
    );
    return { outcome, ran, payloads, key };
  }

  const fixture = (name: string) => readFile(join(FIXTURES, name));
  const replyRows = (key: string) =>
    db.query<{ classification: string | null; error: string | null; action: string | null; from_email: string }>(`SELECT classification, error, action, from_email FROM reply WHERE raw_key = :key`, { key });

  let optOut: Run & { key: string };

  it('parses, classifies, matches and acts on an opt-out sent to a workspace mailbox, with payloads of keys and ids only', async () => {
    optOut = await run(await fixture('optout-en-gmail.eml'));
    expect(optOut.outcome).toMatchObject({ error: null, duplicate: false, label: 'unsubscribe', classifiedBy: 'rules', from: 'sarah.lee@initech.example', thread: { match: 'unmatched' } });
    expect(optOut.ran).toEqual(['ParseReply', 'ClassifyReply', 'MatchThread', 'ActOnReply']);
    const suppressed = await db.query<{ source: string }>(`SELECT source FROM suppression WHERE workspace_id = :ws::uuid AND value = 'sarah.lee@initech.example'`, { ws: workspaceId });
    expect(suppressed.rows).toEqual([{ source: 'opt_out' }]);
    // the mail's words never travel in the state; every payload stays small
    expect(optOut.payloads.length).toBeGreaterThan(8);
    expect(optOut.payloads.filter((p) => p.includes('take me off your list'))).toEqual([]);
    expect(Math.max(...optOut.payloads.map((p) => p.length))).toBeLessThan(4096);
    const sha = optOut.key.split('/').at(-1)!.replace('.eml', '');
    expect(await lake.exists(`replies/ws=${workspaceId}/${sha}/mail.json`)).toBe(true);
    expect(await lake.exists(`replies/ws=${workspaceId}/${sha}/classification.json`)).toBe(true);
  });

  it('ends the same mail at its first outcome, without classifying or acting again', async () => {
    const again = await run(await fixture('optout-en-gmail.eml'));
    expect(again.ran).toEqual(['ParseReply']);
    expect(again.outcome).toMatchObject({ duplicate: true, replyId: optOut.outcome.replyId, label: 'unsubscribe' });
    expect(again.outcome.action).toMatch(/^already imported: opted out/);
  });

  it('retries a rate-limited classification and goes on', async () => {
    const r = await run(await fixture('ooo-en.eml'), { fault: (state, n) => (state === 'ClassifyReply' && n === 1 ? new RateLimitedError(2, 'tokens per minute') : undefined) });
    expect(r.ran.filter((s) => s === 'ClassifyReply')).toHaveLength(2);
    expect(r.outcome).toMatchObject({ error: null, label: 'out_of_office' });
  });

  it('records a mail whose classifier stays down past its retries, acts on nothing, keeps the raw mail; processing it again labels it', async () => {
    const raw = await fixture('question.eml');
    const down = await run(raw, { workspaceId, fault: (state) => (state === 'ClassifyReply' ? new LlmUnavailableError('HTTP 503 from the LLM') : undefined) });
    expect(down.ran.filter((s) => s === 'ClassifyReply')).toHaveLength(6);
    expect(down.ran.at(-1)).toBe('RecordReplyFailure');
    expect(down.outcome).toMatchObject({ label: null, from: 'priya.nair@umbrella.example', error: 'LlmUnavailable: HTTP 503 from the LLM' });
    expect(down.outcome.replyId).toBeTruthy();
    expect((await replyRows(down.key)).rows).toEqual([{ classification: null, error: 'LlmUnavailable: HTTP 503 from the LLM', action: 'not processed: LlmUnavailable: HTTP 503 from the LLM', from_email: 'priya.nair@umbrella.example' }]);
    expect((await lake.get(down.key))?.equals(raw)).toBe(true);
    const listed = (await listReplies(db, workspaceId, { unmatched: true })).find((r) => r.id === down.outcome.replyId);
    expect(listed).toMatchObject({ label: null, error: 'LlmUnavailable: HTTP 503 from the LLM', rawKey: down.key });

    const later = await run(raw, { workspaceId });
    expect(later.outcome).toMatchObject({ error: null, duplicate: false, label: 'needs_info' });
    expect((await replyRows(down.key)).rows).toMatchObject([{ classification: 'needs_info', error: null }]);
  });

  it('records bytes that are no mail as not processed, with the raw bytes kept', async () => {
    const garbage = Buffer.from('\u0000\u0001 this is not a mail at all\n\nno headers here\n');
    const r = await run(garbage, { workspaceId });
    expect(r.ran).toEqual(['ParseReply', 'RecordReplyFailure']);
    expect(r.outcome.error).toMatch(/^MailUnreadable: .*no mail header block/);
    expect((await replyRows(r.key)).rows).toMatchObject([{ classification: null, from_email: '' }]);
    expect((await lake.get(r.key))?.equals(garbage)).toBe(true);
  });

  it('keeps the raw mail of a mail sent to no known mailbox when there are several workspaces, recording nothing', async () => {
    const raw = Buffer.from(
      ['From: someone@else.example', 'To: nobody@unknown.example', 'Subject: hello', 'Message-ID: <stray-1@else.example>', '', 'Hello there.', ''].join('\r\n'),
    );
    const r = await run(raw);
    expect(r.outcome).toMatchObject({ replyId: null, label: null });
    expect(r.outcome.error).toMatch(/^NotFound: .*nobody@unknown\.example/);
    expect((await replyRows(r.key)).rows).toEqual([]);
    expect(await lake.exists(r.key)).toBe(true);
  });
});
