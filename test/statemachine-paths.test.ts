/**
 * No state may read a path its input might lack. On AWS a Pass state's `.$` field, a Choice
 * rule's Variable, a Wait's SecondsPath or a Map's ItemsPath that finds nothing fails the
 * execution with States.Runtime, which no Catch sees (inside the lead Map, on a Distributed Map
 * that tolerates every child failure, the lead is lost silently). That is how RateLimitBackoff
 * lost throttled leads: it read `retryAfterSeconds` at the top of Cause, which after a Lambda
 * failure is Lambda's error envelope.
 *
 * So the definition is driven through the real interpreter (aws-local-stepfunctions, which
 * also raises States.Runtime for a missing path) with every Task answering as documented below:
 * each Task's documented outputs, with every optional field absent, typed against the step's
 * output type, and its documented failures thrown as Lambda reports them (asLambda: Error =
 * name, Cause = the envelope). One scenario per Task outcome, everything else on its first
 * output; the scenarios together must enter every state of the machine.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BudgetExceededError, DatabaseError, DatabaseUnavailableError, LlmOutputError, LlmUnavailableError, NoContentError, NotFoundError,
  RateLimitedError, SearchUnavailableError, UnreachableError,
} from '#core/errors.ts';
import type { CleanPagesOutput } from '#core/pipeline/clean-pages.ts';
import type { CommitResearchOutput } from '#core/pipeline/commit-research.ts';
import type { DraftOutreachOutput } from '#core/pipeline/draft-outreach.ts';
import type { FetchSiteOutput } from '#core/pipeline/fetch-site.ts';
import type { RunCounts } from '#core/pipeline/finish-run.ts';
import type { ReadLeadBatchesOutput } from '#core/pipeline/lead-manifest.ts';
import type { ListRunLeadsOutput } from '#core/pipeline/list-run-leads.ts';
import type { ImportLlmBatchOutput, LlmBatchState } from '#core/pipeline/llm-batch.ts';
import type { RecordFailureOutput } from '#core/pipeline/record-failure.ts';
import type { ResearchLeadOutput } from '#core/pipeline/research-lead.ts';
import type { SearchLeadsOutput } from '#core/pipeline/search-leads.ts';
import type { StartRunOutput } from '#core/pipeline/start-run.ts';
import { ASL_PATH, asLambda, itemReaderMaps, localDefinition, localReaderStates, taskBindings, stateMachineFor } from '#local/state-machine.ts';
import { allStates, definitionBeforeEnvelope, type AslMachine } from '#test/helpers/asl.ts';

const RUN = '11111111-1111-4111-8111-111111111111';
const LEAD = '22222222-2222-4222-8222-222222222222';
const ICP = '33333333-3333-4333-8333-333333333333';

const COUNTS: RunCounts = {
  runId: RUN, status: 'succeeded', llmProvider: 'groq', leadSource: 'none', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null,
  leadsFound: 0, leadsNew: 0, leadsResearched: 0, leadsSkipped: 0, leadsFailed: 0, duplicates: 0, leadsDrafted: 0, leadsNotDrafted: 0, llmCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0,
};
const RECORDED: RecordFailureOutput = { recorded: true, reason: 'Error: x' };

/** What each Task answers: documented outputs (first = the ordinary one) and documented failures. */
const DOCUMENTED: Record<string, { outputs: unknown[]; failures: (() => Error)[] }> = {
  StartRun: {
    outputs: [
      { runId: RUN, workspaceId: ICP, redrive: false, leadConcurrency: 2, leadBatchSize: 10, icps: [{ icpId: ICP, slug: 'smb', keywords: ['freight'], quota: 5 }], groqBatch: false } satisfies StartRunOutput,
      { runId: RUN, workspaceId: ICP, redrive: true, leadConcurrency: 2, leadBatchSize: 10, icps: [], groqBatch: true } satisfies StartRunOutput,
      { runId: RUN, workspaceId: ICP, redrive: false, leadConcurrency: 2, leadBatchSize: 10, icps: [{ icpId: null, slug: 'leads-file', keywords: [], quota: 10_000, leadsKey: 'k' }], groqBatch: false } satisfies StartRunOutput,
    ],
    failures: [() => new NotFoundError('no workspace is onboarded'), () => new DatabaseUnavailableError('SELECT', 'resuming')],
  },
  SearchLeads: {
    outputs: [{ icp: 'smb', results: 1, accepted: 1, newLeads: 1, rejected: 0 } satisfies SearchLeadsOutput],
    failures: [() => new SearchUnavailableError('the provider answered 503')],
  },
  SearchFailed: { outputs: [RECORDED], failures: [() => new DatabaseError('INSERT', 'x')] },
  ListRunLeads: {
    outputs: [{ manifestKey: 'manifests/run=r/leads-a.jsonl', count: 1, batchSize: 1 } satisfies ListRunLeadsOutput, { manifestKey: 'manifests/run=r/leads-b.jsonl', count: 0, batchSize: 1 } satisfies ListRunLeadsOutput],
    failures: [() => new DatabaseError('SELECT', 'x')],
  },
  // Local only: the stand-in for ProcessLeads' ItemReader + ItemBatcher (local/state-machine.ts).
  [localReaderStates('ProcessLeads').read]: {
    outputs: [
      { batches: [{ Items: [{ runId: RUN, leadId: LEAD }] }], nextOffset: 1, done: true } satisfies ReadLeadBatchesOutput,
      { batches: [], nextOffset: 0, done: true } satisfies ReadLeadBatchesOutput,
    ],
    failures: [() => new NotFoundError('no such object in the lake')],
  },
  FetchSite: {
    outputs: [
      { skipped: false, pages: 2, tried: 2, bytes: 10, reused: false } satisfies FetchSiteOutput,
      { skipped: false, resumed: true, pages: 0, tried: 0, bytes: 0, reused: true } satisfies FetchSiteOutput,
      { skipped: true, reason: 'robots.txt forbids the site', pages: 0, tried: 0, bytes: 0, reused: false } satisfies FetchSiteOutput,
    ],
    failures: [() => new UnreachableError('https://a.example/', 'ECONNREFUSED')],
  },
  CleanPages: { outputs: [{ pages: 2, chars: 100 } satisfies CleanPagesOutput], failures: [() => new NoContentError('no page')] },
  ResearchLead: {
    // documented: a lead that is not skipped has a resultKey for CommitResearch
    outputs: [
      { skipped: false, resultKey: 'runs/r/research/l.json', facts: 1, fitScore: null } satisfies ResearchLeadOutput,
      { skipped: true, reason: 'identical research exists' } satisfies ResearchLeadOutput,
      { skipped: false, waiting: true } satisfies ResearchLeadOutput,
    ],
    failures: [() => new LlmOutputError('invalid JSON twice'), () => new LlmUnavailableError('HTTP 503'), () => new RateLimitedError(3, 'Groq: TPM')],
  },
  CommitResearch: {
    outputs: [
      { researchId: LEAD, inserted: true, status: 'researched', facts: 1, fitScore: 80, fitThreshold: 60 } satisfies CommitResearchOutput,
      { researchId: LEAD, inserted: true, status: 'researched', facts: 1, fitScore: 40, fitThreshold: 60 } satisfies CommitResearchOutput,
      { researchId: LEAD, inserted: true, status: 'skipped', facts: 0, fitScore: null, fitThreshold: 60 } satisfies CommitResearchOutput,
      { researchId: LEAD, inserted: true, status: 'researched', facts: 1, fitScore: 80, fitThreshold: null } satisfies CommitResearchOutput,
    ],
    failures: [() => new DatabaseError('INSERT', 'x')],
  },
  DraftOutreach: {
    outputs: [
      { drafted: true, sequenceId: LEAD, inserted: true, source: 'template', status: 'draft', variant: 'a' } satisfies DraftOutreachOutput,
      { drafted: false, reason: 'already in an open sequence' } satisfies DraftOutreachOutput,
    ],
    failures: [
      () => new LlmUnavailableError('HTTP 500'), () => new LlmOutputError('invalid JSON twice'), () => new BudgetExceededError('budget: run token budget spent'),
      () => new RateLimitedError(3, 'Groq: TPM'), () => new DatabaseError('INSERT', 'x'),
    ],
  },
  DraftFromTemplates: {
    outputs: [{ drafted: true, sequenceId: LEAD, inserted: true, source: 'template', status: 'draft', variant: 'b' } satisfies DraftOutreachOutput],
    failures: [() => new DatabaseError('INSERT', 'x')],
  },
  RecordDraftFailure: {
    outputs: [{ drafted: false, reason: 'drafting failed: DatabaseError: x' } satisfies DraftOutreachOutput],
    failures: [() => new DatabaseError('INSERT', 'x')],
  },
  // Batch mode. The ordinary outputs go once round the loop (a batch submitted, finished,
  // imported, no lead left waiting); a batch never finishing, or leads waiting forever, would
  // loop with answers that never change.
  SubmitLlmBatch: {
    outputs: [
      { submitted: true, round: 1, batchId: 'batch_1', status: 'validating', terminal: false, requests: 2 } satisfies LlmBatchState,
      { submitted: false, round: 1 } satisfies LlmBatchState,
      { submitted: false, round: 7, failedLeads: 1 } satisfies LlmBatchState,
    ],
    failures: [() => new LlmUnavailableError('HTTP 503'), () => new DatabaseError('SELECT', 'x')],
  },
  PollLlmBatch: {
    outputs: [{ submitted: true, round: 1, batchId: 'batch_1', status: 'completed', terminal: true, requests: 2 } satisfies LlmBatchState],
    failures: [() => new LlmUnavailableError('HTTP 503')],
  },
  ImportLlmBatch: {
    outputs: [{ manifestKey: 'manifests/run=r/leads-c.jsonl', count: 0, batchSize: 1, round: 1, answered: 2, failed: 0 } satisfies ImportLlmBatchOutput],
    failures: [() => new LlmUnavailableError('HTTP 503'), () => new DatabaseError('UPDATE', 'x')],
  },
  RecordFailure: { outputs: [RECORDED], failures: [() => new DatabaseError('INSERT', 'x')] },
  FinishRun: { outputs: [COUNTS], failures: [() => new DatabaseError('SELECT', 'x')] },
  RunFailed: { outputs: [{ ...COUNTS, status: 'failed' }], failures: [() => new DatabaseError('UPDATE', 'x')] },
};

interface Scenario {
  label: string;
  /** the Task whose answer differs from the ordinary one */
  task?: string;
  /** the run is in batch mode (StartRun's ordinary output with groqBatch), as for every scenario of a batch step */
  batch?: boolean;
  /** answer to every call of `task` (after `times` calls, the ordinary output) */
  answer?: { output: unknown } | { fail: () => Error; times?: number };
}

/** The steps only a batch-mode run reaches: their scenarios run in batch mode. */
const BATCH_STEPS = new Set(['SubmitLlmBatch', 'PollLlmBatch', 'ImportLlmBatch']);

function scenarios(): Scenario[] {
  const out: Scenario[] = [{ label: 'every Task on its ordinary output' }, { label: 'every Task on its ordinary output, in batch mode', batch: true }];
  for (const [task, doc] of Object.entries(DOCUMENTED)) {
    const batch = BATCH_STEPS.has(task);
    doc.outputs.slice(1).forEach((output, i) => out.push({ label: `${task} answers documented output #${i + 2}`, task, batch, answer: { output } }));
    for (const fail of doc.failures) {
      const name = fail().name;
      out.push({ label: `${task} always fails with ${name}`, task, batch, answer: { fail } });
      if (name === 'RateLimited') out.push({ label: `${task} fails once with ${name}`, task, batch, answer: { fail, times: 1 } });
    }
  }
  return out;
}

/** Errors that mean the definition read something its input lacked (or chose nothing). */
const PATH_ERRORS = new Set(['States.Runtime', 'States.ParameterPathFailure', 'States.ResultPathMatchFailure', 'States.NoChoiceMatched', 'States.IntrinsicFailure']);

interface Outcome {
  entered: Set<string>;
  /** the path error, if the execution ended in one */
  pathError?: string;
}

async function drive(aslText: string, scenario: Scenario): Promise<Outcome> {
  const handlers: Record<string, (event: unknown) => Promise<unknown>> = {};
  const tasks = [...taskBindings(aslText).map((b) => b.state), ...itemReaderMaps(aslText).map((m) => localReaderStates(m).read)];
  for (const state of tasks) {
    const doc = DOCUMENTED[state];
    if (!doc) throw new Error(`Task ${state} has no documented answers in this test: add them`);
    let calls = 0;
    handlers[state] = asLambda(async () => {
      calls++;
      const answer = scenario.task === state ? scenario.answer : undefined;
      if (answer && 'fail' in answer && calls <= (answer.times ?? Infinity)) throw answer.fail();
      if (answer && 'output' in answer) return answer.output;
      return state === 'StartRun' && scenario.batch ? { ...(doc.outputs[0] as StartRunOutput), groqBatch: true } : doc.outputs[0];
    });
  }
  const zero = Object.fromEntries(Object.keys(handlers).map((s) => [s, 0]));
  const machine = stateMachineFor(localDefinition(aslText));
  const execution = machine.run({ trigger: 'manual' } as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: zero, waitTimeOverrides: { WaitForRateLimit: 0, DraftWaitForRateLimit: 0, WaitForLlmBatch: 0 } },
  });
  const outcome: Outcome = { entered: new Set() };
  const consume = (async () => {
    for await (const e of execution.eventLogs as AsyncIterable<{ type: string; state?: { name: string }; Error?: string; Cause?: string }>) {
      if (e.type === 'StateEntered') outcome.entered.add(e.state!.name);
      if ((e.type === 'StateFailed' || e.type === 'ExecutionFailed') && e.Error && PATH_ERRORS.has(e.Error)) {
        outcome.pathError ??= `${e.state?.name ?? 'execution'}: ${e.Error}: ${e.Cause}`;
      }
    }
  })();
  try {
    await execution.result;
  } catch (error) {
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    if (cause?.name && PATH_ERRORS.has(cause.name)) outcome.pathError ??= `${cause.name}: ${cause.message}`;
  }
  await consume.catch(() => undefined);
  return outcome;
}

describe('no state reads a path its documented input might lack', () => {
  const aslText = readFileSync(ASL_PATH, 'utf8');

  it('drives every documented Task outcome through the interpreter without a path failure, entering every state', async () => {
    const entered = new Set<string>();
    const failures: string[] = [];
    for (const scenario of scenarios()) {
      const outcome = await drive(aslText, scenario);
      outcome.entered.forEach((s) => entered.add(s));
      if (outcome.pathError) failures.push(`${scenario.label} -> ${outcome.pathError}`);
    }
    expect(failures).toEqual([]);
    const all = allStates(JSON.parse(aslText) as AslMachine).map((s) => s.name);
    expect(all.filter((s) => !entered.has(s))).toEqual([]);
  }, 120_000);

  it('catches the RateLimitBackoff that read retryAfterSeconds at the top of Cause', async () => {
    const old = definitionBeforeEnvelope(aslText);
    const throttled = scenarios().find((s) => s.label === 'ResearchLead fails once with RateLimited')!;
    const outcome = await drive(old, throttled);
    expect(outcome.pathError).toMatch(/States\.Runtime/);
    expect(outcome.entered.has('WaitForRateLimit')).toBe(false);
  }, 60_000);
});
