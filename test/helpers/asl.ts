/** Walking an ASL definition in tests: every state at any depth, Tasks, and retry arithmetic. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type AslState = Record<string, any>;
export interface AslMachine {
  States: Record<string, AslState>;
  [k: string]: unknown;
}

/** The per-lead states: inside the lead Map's child (a batch), the batch's inner Map processes each lead. */
export function leadProcessor(machine: AslMachine): AslMachine {
  return machine.States.ProcessLeads.ItemProcessor.States.ProcessBatch.ItemProcessor as AslMachine;
}

/** A state with the path of Map processors that holds it (`[]` at the top level). */
export interface Located {
  name: string;
  state: AslState;
  /** names of the enclosing Map states, outermost first */
  within: string[];
  /** the states of the machine or processor holding it */
  siblings: Record<string, AslState>;
}

/** Every state at any depth (Map processors and Parallel branches included). */
export function allStates(machine: AslMachine, within: string[] = []): Located[] {
  const out: Located[] = [];
  for (const [name, state] of Object.entries(machine.States)) {
    out.push({ name, state, within, siblings: machine.States });
    const processor = (state.ItemProcessor ?? state.Iterator) as AslMachine | undefined;
    if (processor?.States) out.push(...allStates(processor, [...within, name]));
    for (const branch of (state.Branches as AslMachine[] | undefined) ?? []) out.push(...allStates(branch, [...within, name]));
  }
  return out;
}

export const taskStates = (machine: AslMachine): Located[] => allStates(machine).filter((s) => s.state.Type === 'Task');

/**
 * The shortest total wait a retrier guarantees before giving up: the sum of its intervals
 * (IntervalSeconds × BackoffRate^n, capped by MaxDelaySeconds), ASL defaults 1 s, 2.0, 3
 * attempts. FULL jitter draws each wait from [0, interval], so it guarantees nothing.
 */
export function guaranteedRetryWaitSeconds(retrier: AslState): number {
  if (retrier.JitterStrategy === 'FULL') return 0;
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  const attempts = retrier.MaxAttempts ?? 3;
  let total = 0;
  for (let n = 0; n < attempts; n++) total += Math.min(interval * rate ** n, retrier.MaxDelaySeconds ?? Infinity);
  return total;
}

/** The retrier that handles `error` on a state: the first whose ErrorEquals names it or States.ALL. */
export function retrierFor(state: AslState, error: string): AslState | undefined {
  return (state.Retry as AslState[] | undefined)?.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));
}

/** The states a child of a Map can end in (End: true, Succeed, Fail). */
export function terminalStates(processor: AslMachine): [string, AslState][] {
  return Object.entries(processor.States).filter(([, s]) => s.End === true || s.Type === 'Succeed' || s.Type === 'Fail');
}

/**
 * How long Aurora Serverless v2 may take to answer after auto-pause: AWS documents a resume from
 * 0 ACU as typically about 15 s (docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/
 * aurora-serverless-v2-auto-pause.html); a Task must keep retrying `DatabaseUnavailable` for
 * well over that, here two minutes, beyond the adapter's own waits inside each call.
 */
export const RESUME_WINDOW_SECONDS = 120;

/**
 * Today's definition with RateLimitBackoff and AddJitter put back as they were before the local
 * runner reported Lambda's error envelope (test/fixtures/asl/rate-limit-backoff-before-envelope.json):
 * a definition known to lose a throttled lead on AWS, for showing that a test catches it.
 */
export function definitionBeforeEnvelope(aslText: string): string {
  const old = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'asl', 'rate-limit-backoff-before-envelope.json'), 'utf8')) as Record<string, AslState>;
  const def = JSON.parse(aslText) as AslMachine;
  const states = leadProcessor(def).States;
  delete states.ReadRetryAfter;
  states.RateLimitBackoff = old.RateLimitBackoff;
  states.AddJitter = old.AddJitter;
  return JSON.stringify(def, null, 2);
}
