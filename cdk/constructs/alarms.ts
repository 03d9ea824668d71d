/**
 * Two alarms, one topic: a failed execution of the state machine (something outside any one
 * lead broke), and too many failed leads (the ratio of the `LeadsFailed` and `LeadsProcessed`
 * metrics the Lambda composition root emits per finished run).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface ProspectorAlarmsProps {
  stateMachine: sfn.IStateMachine;
  /** Namespace and `service` dimension of the Powertools metrics. */
  metricsNamespace: string;
  serviceName: string;
  /** Alarm when failed / processed leads in an hour is above this; default 0.2. */
  failedLeadRatio?: number;
  /** Subscribed to the alarm topic when given. */
  email?: string;
}

/** The alarms and the topic they notify. */
export class ProspectorAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly executionsFailed: cloudwatch.Alarm;
  readonly failedLeads: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ProspectorAlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Prospector alarms', enforceSSL: true });
    // Not KMS-encrypted: it carries alarm state changes only, and CloudWatch cannot publish to a
    // topic encrypted with the AWS-managed SNS key (a customer key would be needed).
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    const action = new SnsAction(this.topic);

    this.executionsFailed = new cloudwatch.Alarm(this, 'ExecutionsFailed', {
      alarmDescription: 'A Prospector execution failed: the run could not complete (see the RunFailed state and the run summary).',
      metric: props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const leads = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
      });
    const threshold = props.failedLeadRatio ?? 0.2;
    this.failedLeads = new cloudwatch.Alarm(this, 'FailedLeadRatio', {
      alarmDescription: `More than ${Math.round(threshold * 100)}% of the leads processed in an hour failed (fetch, clean, research or commit); the run summaries say which and why.`,
      metric: new cloudwatch.MathExpression({
        // Runs report once, when they finish; an hour with none has no data (not breaching).
        expression: 'IF(processed > 0, failed / processed, 0)',
        usingMetrics: { failed: leads('LeadsFailed'), processed: leads('LeadsProcessed') },
        label: 'failed lead ratio',
        period: Duration.hours(1),
      }),
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.executionsFailed.addAlarmAction(action);
    this.failedLeads.addAlarmAction(action);
  }
}
