/**
 * Error names are API between the core and the state machine. This walks every `Retry` and
 * `Catch` of every state machine in statemachine/ and checks both directions:
 *
 * 1. Every name in an `ErrorEquals` is a Step Functions name (`States.*`, `Lambda.*`, from the
 *    documented lists below) or the `name` of an error class in lambdas/core/errors.ts, read
 *    from an instance (Lambda reports a thrown error's `name` as errorType, which Step Functions
 *    matches; a typo or a renamed class would silently never match).
 * 2. Every error class in errors.ts is routed. "Routed" means one of:
 *    - retried or caught by its own name where it is thrown (the transient ones and the rate
 *      limit, listed in ROUTED_BY_NAME with the states that must name them); or
 *    - recorded: thrown by a per-lead or search step, it falls to that step's final
 *      `Catch: States.ALL`, which leads to a RecordFailure task, so the lead (or search) fails
 *      with that name and message and the run goes on. Such errors must not be retried by name
 *      (they are refusals: repeating the call cannot help).
 *    Errors thrown by run-level steps (StartRun, ListRunLeads, FinishRun) are caught by
 *    `States.ALL` into RunFailed / StartFailed (asserted in statemachine.test.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as errors from '#core/errors.ts';
import { allStates, type AslMachine, type AslState } from '#test/helpers/asl.ts';

const DIR = join(import.meta.dirname, '..', 'statemachine');
const MACHINES = readdirSync(DIR)
  .filter((f) => f.endsWith('.asl.json'))
  .map((file) => ({ file, def: JSON.parse(readFileSync(join(DIR, file), 'utf8')) as AslMachine }));

// docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (error names)
const STATES_ERRORS = new Set([
  'States.ALL', 'States.BranchFailed', 'States.DataLimitExceeded', 'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout', 'States.Http.Socket', 'States.IntrinsicFailure', 'States.ItemReaderFailed',
  'States.NoChoiceMatched', 'States.ParameterPathFailure', 'States.Permissions', 'States.QueryEvaluationError',
  'States.ResultPathMatchFailure', 'States.ResultWriterFailed', 'States.Runtime', 'States.TaskFailed', 'States.Timeout',
]);
// The transient Lambda service errors Step Functions recommends retrying
// (docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html), and Lambda's own.
const LAMBDA_ERRORS = new Set([
  'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException', 'Lambda.Unknown',
]);

/** Names the state machine must retry or catch by name, and the states that must do so. */
const ROUTED_BY_NAME: Record<string, { how: 'Retry' | 'Catch'; states: string[] | 'every Task' }> = {
  DatabaseUnavailable: { how: 'Retry', states: 'every Task' },
  LlmUnavailable: { how: 'Retry', states: ['ResearchLead'] },
  SearchUnavailable: { how: 'Retry', states: ['SearchLeads'] },
  RateLimited: { how: 'Catch', states: ['ResearchLead'] },
};

/** Steps whose failures are recorded per lead or per search, and the task that records them. */
const RECORDING_STEPS: Record<string, string> = {
  SearchLeads: 'SearchFailed',
  FetchSite: 'RecordFailure',
  CleanPages: 'RecordFailure',
  ResearchLead: 'RecordFailure',
  CommitResearch: 'RecordFailure',
};

type ErrorClass = new (...args: never[]) => Error;

/** Every error class errors.ts exports, with the `name` its instances carry. */
function errorClasses(): { exportName: string; cls: ErrorClass; name: string }[] {
  const out: { exportName: string; cls: ErrorClass; name: string }[] = [];
  for (const [exportName, value] of Object.entries(errors)) {
    if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
    const cls = value as unknown as ErrorClass;
    // One argument list fits every constructor there: strings where text or URLs go, an empty
    // issue list for ValidationError; a class it does not fit fails here, naming itself.
    const instance = new (cls as unknown as new (...a: unknown[]) => Error)('x', [], 'x', 'x');
    out.push({ exportName, cls, name: instance.name });
  }
  return out;
}

function retryAndCatch(state: AslState): { how: 'Retry' | 'Catch'; names: string[]; next?: string }[] {
  return [
    ...((state.Retry as AslState[] | undefined) ?? []).map((r) => ({ how: 'Retry' as const, names: r.ErrorEquals as string[] })),
    ...((state.Catch as AslState[] | undefined) ?? []).map((c) => ({ how: 'Catch' as const, names: c.ErrorEquals as string[], next: c.Next as string })),
  ];
}

/** Follows Pass states from `name` to the first state of another type. */
function through(states: Record<string, AslState>, name: string): string {
  let at = name;
  for (let i = 0; i < 10 && states[at]?.Type === 'Pass'; i++) at = states[at].Next;
  return at;
}

describe('error names between the core and the state machine', () => {
  const classes = errorClasses();
  const names = new Set(classes.map((c) => c.name));

  it('reads a distinct name from every error class, never a parent\'s left unchanged', () => {
    expect(classes.length).toBeGreaterThanOrEqual(20);
    const seen = new Map<string, string>();
    for (const { exportName, cls, name } of classes) {
      expect(seen.get(name), `${exportName} and ${seen.get(name)} share the name ${name}`).toBeUndefined();
      seen.set(name, exportName);
      const parent = Object.getPrototypeOf(cls) as ErrorClass;
      if (parent !== Error) expect(name, `${exportName} does not set its own name`).not.toBe(classes.find((c) => c.cls === parent)?.name);
    }
  });

  for (const { file, def } of MACHINES) {
    it(`${file}: every ErrorEquals name is a States./Lambda. name or an error class's name`, () => {
      let checked = 0;
      for (const { name: stateName, state } of allStates(def)) {
        for (const { how, names: listed } of retryAndCatch(state)) {
          for (const error of listed) {
            checked++;
            const known = error.startsWith('States.') ? STATES_ERRORS.has(error) : error.startsWith('Lambda.') ? LAMBDA_ERRORS.has(error) : names.has(error);
            expect(known, `${stateName} ${how} names "${error}", which nothing throws`).toBe(true);
          }
        }
      }
      // the prospecting machine routes many errors; the others (sending, ...) at least some
      expect(checked).toBeGreaterThan(file === 'prospecting.asl.json' ? 20 : 0);
    });

    // The routing table below names the prospecting machine's states; the sending machine's own
    // routing is checked in test/sending/asl.test.ts.
    it.runIf(file === 'prospecting.asl.json')(`${file}: every error class is routed, by name where it is transient, else recorded`, () => {
      const located = allStates(def);
      const byName = new Map(located.map((l) => [l.name, l]));
      const tasks = located.filter((l) => l.state.Type === 'Task');
      for (const [error, rule] of Object.entries(ROUTED_BY_NAME)) {
        expect(names.has(error), `${error} is not the name of any class in errors.ts`).toBe(true);
        const where = rule.states === 'every Task' ? tasks.map((t) => t.name) : rule.states;
        for (const stateName of where) {
          const lists = retryAndCatch(byName.get(stateName)!.state).filter((r) => r.how === rule.how);
          expect(lists.some((r) => r.names.includes(error)), `${stateName} must ${rule.how} ${error} by name`).toBe(true);
        }
      }
      // Everything else is recorded: each recording step ends in Catch States.ALL -> its recorder ...
      for (const [step, recorder] of Object.entries(RECORDING_STEPS)) {
        const { state, siblings } = byName.get(step)!;
        const catches = (state.Catch as AslState[]) ?? [];
        const last = catches[catches.length - 1];
        expect(last?.ErrorEquals, `${step}'s last Catch`).toEqual(['States.ALL']);
        expect(through(siblings, last.Next), `${step}'s Catch leads to ${recorder}`).toBe(recorder);
        expect(siblings[recorder].Resource).toBe('${RecordFailureFunctionArn}');
      }
      // ... and no refusal is retried by name anywhere.
      const retriedByName = new Set(tasks.flatMap((t) => retryAndCatch(t.state).filter((r) => r.how === 'Retry').flatMap((r) => r.names)));
      for (const { name } of classes) {
        if (name in ROUTED_BY_NAME) continue;
        expect(retriedByName.has(name), `${name} is a refusal but is retried by name`).toBe(false);
      }
    });
  }
});
