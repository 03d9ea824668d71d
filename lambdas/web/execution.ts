/**
 * The Step Functions console page of an execution, built from its ARN
 * (`arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>`): the region and
 * partition choose the console's host, and the ARN goes into the fragment URL-encoded. An ARN of
 * any other shape gives no link (the page escapes whatever it prints besides).
 */
const EXECUTION_ARN = /^arn:(aws|aws-cn|aws-us-gov):states:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([A-Za-z0-9_.-]{1,80})$/;

export interface ExecutionRef {
  region: string;
  stateMachine: string;
  name: string;
  consoleUrl: string;
}

/** The execution's region, names and console URL; null for anything that is not an execution ARN. */
export function executionRef(arn: string): ExecutionRef | null {
  const m = EXECUTION_ARN.exec(arn);
  if (!m) return null;
  const [, partition, region, , stateMachine, name] = m;
  const host = partition === 'aws-cn' ? 'console.amazonaws.cn' : partition === 'aws-us-gov' ? 'console.amazonaws-us-gov.com' : `${region}.console.aws.amazon.com`;
  return { region, stateMachine, name, consoleUrl: `https://${host}/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(arn)}` };
}
