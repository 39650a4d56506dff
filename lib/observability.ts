import {
  type aws_apigateway as apigateway,
  aws_cloudwatch as cloudwatch,
  Duration,
  type aws_lambda as lambda,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Alarms on what must wake someone up (API 5xx, function errors and throttles, anything in the DLQ, relay
 * lag, an open bank circuit breaker) and one dashboard. Alarm actions (SNS, paging) are left to the operator.
 */
export class Observability extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: string;
      api: apigateway.RestApi;
      functions: ReadonlyMap<string, lambda.Function>;
      deadLetterQueue: sqs.Queue;
    },
  ) {
    super(scope, id);
    const custom = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'ASPay',
        metricName,
        statistic,
        period: Duration.minutes(1),
        dimensionsMap: { service: 'aspay' },
      });

    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      this.alarms.push(created);
      return created;
    };

    alarm('Api5xx', props.api.metricServerError({ period: Duration.minutes(1) }), 1, 'The API answered 5xx');
    alarm(
      'DeadLetters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      1,
      'A record was sidelined to the dead-letter queue: inspect with `aspay dlq list`',
    );
    alarm(
      'RelayLag',
      custom('OutboxLagSeconds', 'Maximum'),
      60,
      'Outbox events wait more than a minute for the relay',
    );
    alarm('CircuitBreakerOpen', custom('CircuitBreakerOpen', 'Sum'), 1, 'The bank circuit breaker opened');
    for (const [name, fn] of props.functions) {
      const id = name.replace(/(^|-)(\w)/g, (_, _dash, letter: string) => letter.toUpperCase());
      alarm(`${id}Errors`, fn.metricErrors({ period: Duration.minutes(1) }), 1, `${name} failed`);
      alarm(
        `${id}Throttles`,
        fn.metricThrottles({ period: Duration.minutes(1) }),
        1,
        `${name} was throttled`,
      );
    }

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: `aspay-${props.stage}` });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API',
        left: [props.api.metricCount(), props.api.metricClientError(), props.api.metricServerError()],
      }),
      new cloudwatch.GraphWidget({ title: 'Latency', left: [props.api.metricLatency({ statistic: 'p99' })] }),
      new cloudwatch.GraphWidget({ title: 'Outbox lag (s)', left: [custom('OutboxLagSeconds', 'Maximum')] }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters and breaker',
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
          custom('CircuitBreakerOpen', 'Sum'),
        ],
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
  }
}
