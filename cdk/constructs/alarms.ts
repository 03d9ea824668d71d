/**
 * Alarms, one topic: a failed execution of the state machine (something outside any one
 * lead broke), and too many failed leads (the ratio of the `LeadsFailed` and `LeadsProcessed`
 * metrics the Lambda composition root emits per finished run). With sending deployed, also a
 * failed sending execution and SES's own reputation metrics: the account's bounce rate at 5% and
 * complaint rate at 0.1%, the levels at which SES places an account under review (it pauses
 * sending at 10% and 0.5%): https://docs.aws.amazon.com/ses/latest/dg/reputationdashboardmessages.html,
 * and the alarms SES recommends on `Reputation.BounceRate` / `Reputation.ComplaintRate` in the
 * `AWS/SES` namespace: https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-cloudwatch-alarm.html.
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
  /** The sending state machine, when sending is deployed: its failures and SES reputation alarm too. */
  sending?: { stateMachine: sfn.IStateMachine };
}

/** SES's review levels (see the module comment), as fractions: the reputation metrics are rates from 0 to 1. */
export const SES_REVIEW_LEVELS = { bounceRate: 0.05, complaintRate: 0.001 } as const;

/** The alarms and the topic they notify. */
export class ProspectorAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly executionsFailed: cloudwatch.Alarm;
  readonly failedLeads: cloudwatch.Alarm;
  readonly sendExecutionsFailed?: cloudwatch.Alarm;
  readonly bounceRate?: cloudwatch.Alarm;
  readonly complaintRate?: cloudwatch.Alarm;

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

    if (props.sending) {
      this.sendExecutionsFailed = new cloudwatch.Alarm(this, 'SendExecutionsFailed', {
        alarmDescription: 'A Prospector sending execution failed outside any one message (claiming or counting); messages it claimed go back to the queue or stay uncertain, see the outbox.',
        metric: props.sending.stateMachine.metricFailed({ period: Duration.minutes(15), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const reputation = (metricName: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, statistic: cloudwatch.Stats.MAXIMUM, period: Duration.hours(1) });
      this.bounceRate = new cloudwatch.Alarm(this, 'SesBounceRate', {
        alarmDescription: `SES bounce rate at or above ${SES_REVIEW_LEVELS.bounceRate * 100}%: SES places the account under review there and pauses sending at 10%. Stop sending and clean the lead list.`,
        metric: reputation('Reputation.BounceRate'),
        threshold: SES_REVIEW_LEVELS.bounceRate,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.complaintRate = new cloudwatch.Alarm(this, 'SesComplaintRate', {
        alarmDescription: `SES complaint rate at or above ${SES_REVIEW_LEVELS.complaintRate * 100}%: SES places the account under review there and pauses sending at 0.5%. Stop sending and review targeting and copy.`,
        metric: reputation('Reputation.ComplaintRate'),
        threshold: SES_REVIEW_LEVELS.complaintRate,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      for (const alarm of [this.sendExecutionsFailed, this.bounceRate, this.complaintRate]) alarm.addAlarmAction(action);
    }
  }
}
