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
import type { InboundRouting } from './mail-sink.ts';
import { executeLocally, type ExecuteOptions } from './state-machine.ts';

export const REPLIES_ASL_PATH = join(import.meta.dirname, '..', 'statemachine', 'replies.asl.json');

let aslText: string | undefined;

/** One execution of the replies machine for the mail at `input.key`; resolves to its outcome. */
export async function processReplyLocally(deps: Deps, input: ReplyFlowInput, options: Pick<ExecuteOptions, 'onEvent' | 'wrap' | 'retryIntervalOverrides' | 'signal'> = {}): Promise<ReplyOutcome> {
  aslText ??= readFileSync(REPLIES_ASL_PATH, 'utf8');
  const output = await executeLocally(deps, { ...input }, { aslText, ...options });
  return ReplyOutcome.parse(output);
}

/**
 * The mail sink's routing for replies: an envelope recipient that is a workspace's mailbox
 * (`mailbox.address`) makes the mail a reply to that workspace, processed by the replies machine.
 */
export function sinkInbound(deps: Deps, onOutcome?: (outcome: ReplyOutcome, key: string) => void): InboundRouting {
  return {
    workspaceOf: async (address) => {
      const rows = await deps.sql.query<{ workspace_id: string }>(`SELECT DISTINCT workspace_id FROM mailbox WHERE address = :address`, { address: address.toLowerCase() });
      // one address in several workspaces: the Parse step decides from the mail's recipients, or says why not
      return rows.rows.length === 1 ? rows.rows[0].workspace_id : null;
    },
    process: async (key, workspaceId) => {
      const outcome = await processReplyLocally(deps, { key, workspaceId });
      onOutcome?.(outcome, key);
    },
  };
}
