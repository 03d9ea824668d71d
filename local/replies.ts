/**
 * Runs statemachine/replies.asl.json in-process, one execution per inbound mail, over the local
 * runtime's dependencies: the same definition the cloud starts for each mail SES writes under
 * `inbound/`, bound to the same handler modules. Used by `prospector replies import` and by the
 * mail sink when a reply reaches a workspace mailbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '#core/pipeline/deps.ts';
import { ReplyOutcome, type ReplyFlowInput } from '#core/replies/flow.ts';
import { executeLocally, type ExecuteOptions } from './state-machine.ts';

export const REPLIES_ASL_PATH = join(import.meta.dirname, '..', 'statemachine', 'replies.asl.json');

let aslText: string | undefined;

/** One execution of the replies machine for the mail at `input.key`; resolves to its outcome. */
export async function processReplyLocally(deps: Deps, input: ReplyFlowInput, options: Pick<ExecuteOptions, 'onEvent' | 'wrap' | 'retryIntervalOverrides' | 'signal'> = {}): Promise<ReplyOutcome> {
  aslText ??= readFileSync(REPLIES_ASL_PATH, 'utf8');
  const output = await executeLocally(deps, { ...input }, { aslText, ...options });
  return ReplyOutcome.parse(output);
}
