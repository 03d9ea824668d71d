/**
 * Runs statemachine/sending.asl.json once in-process, over the local runtime's dependencies and
 * a mailer: the same definition the cloud runs, bound to the same handler modules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps, MailDeps } from '#core/pipeline/deps.ts';
import type { SendSummary } from '#core/sending/send.ts';
import { executeLocally, type ExecuteOptions } from './state-machine.ts';

export const SENDING_ASL_PATH = join(import.meta.dirname, '..', 'statemachine', 'sending.asl.json');

export interface SendOnceOptions extends Pick<ExecuteOptions, 'onEvent' | 'wrap' | 'retryIntervalOverrides' | 'signal'> {
  workspaceId: string;
  /** The clock for this execution (`--now`); default the real one. */
  now?: Date;
  limit?: number;
  /** See SendBatchInput; a run holding the home lock passes 0 (the default here). */
  abandonedAfterSeconds?: number;
}

/** One execution of the sending machine; resolves to its counts. */
export async function sendOnce(deps: Deps, mail: MailDeps, options: SendOnceOptions): Promise<SendSummary> {
  const at = options.now;
  const withMail: Deps = { ...deps, mail, ...(at ? { clock: { now: () => new Date(at), fixedAt: new Date(at) } } : {}) };
  const input = {
    workspaceId: options.workspaceId,
    // recorded in the execution's input; ClaimDue checks it against the pinned clock
    ...(at ? { now: at.toISOString() } : {}),
    limit: options.limit ?? 25,
    abandonedAfterSeconds: options.abandonedAfterSeconds ?? 0,
  };
  return (await executeLocally(withMail, input, {
    aslText: readFileSync(SENDING_ASL_PATH, 'utf8'),
    onEvent: options.onEvent,
    wrap: options.wrap,
    retryIntervalOverrides: options.retryIntervalOverrides,
    signal: options.signal,
  })) as SendSummary;
}
