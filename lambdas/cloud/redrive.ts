/**
 * Redrive of a run's failed leads in the cloud, as the web app's Runs page starts it: a NEW
 * execution of the prospecting state machine with the redrive input `{"trigger":"manual",
 * "redrive":{"runId"}}`, which StartRun reads to reopen the run and re-process only its failed
 * leads (the same input `prospector redrive` passes locally). Step Functions' own
 * RedriveExecution is not used: it restarts a *failed execution* from its failed state, while a
 * run whose execution succeeded can still hold failed leads (a lead's failure is recorded, not
 * thrown), and a redrive of a run must recompute its summary through StartRun and FinishRun.
 *
 * StartExecution (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html)
 * with a name per run and minute: two clicks in the same minute are one execution
 * (Step Functions answers the first one's ARN for the same name and input, or
 * ExecutionAlreadyExists).
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

export interface StateMachineRedriveOptions {
  client: SFNClient;
  stateMachineArn: string;
  now?: () => Date;
}

/** The web app's `startRedrive` over a real Step Functions client. */
export function stateMachineRedrive(options: StateMachineRedriveOptions) {
  const now = options.now ?? (() => new Date());
  return async ({ runId }: { workspaceId: string; runId: string }): Promise<{ executionArn: string }> => {
    const minute = now().toISOString().slice(0, 16).replace(/[-:T]/g, '');
    const out = await options.client.send(
      new StartExecutionCommand({
        stateMachineArn: options.stateMachineArn,
        name: `redrive-${runId}-${minute}`.slice(0, 80),
        input: JSON.stringify({ trigger: 'manual', redrive: { runId } }),
      }),
    );
    if (!out.executionArn) throw new Error('Step Functions answered StartExecution without an executionArn');
    return { executionArn: out.executionArn };
  };
}
