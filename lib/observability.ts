import {
  type aws_apigateway as apigateway,
  aws_cloudwatch as cloudwatch,
  Duration,
  type aws_lambda as lambda,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CONSUMERS, toleratedOutageSeconds } from '../lambdas/core/config/messaging';
import { METRICS_NAMESPACE, metricDimensions } from '../lambdas/core/config/metrics';

/**
 * Alarms on what must wake someone up (API 5xx, function errors and throttles, anything in the DLQ, relay
 * lag or a relay that stopped reporting it, an open bank circuit breaker, payments stuck PENDING, failed refunds,
 * bank answers outside the contract) and one dashboard. Alarm actions
 * (SNS, paging) are left to the operator.
 *
 * The relay is covered by three alarms that do not overlap in what they catch:
 * - `RelayLag`: events wait a minute or more. The running relay publishes `OutboxLagSeconds` every few
 *   seconds (docs/outbox-relay.md), so this fires within about a minute of events piling up, while the
 *   relay is still alive but cannot publish (broker away, a poison row, a claim that keeps failing).
 * - `RelayLagMissing`: no lag at all for three minutes. The relay reports its lag even when nothing waits
 *   (0 s), so silence means it is not running or cannot read PostgreSQL (schedule disabled, function broken
 *   at start, database unreachable). `RelayLag` cannot see that case: no data never crosses a threshold.
 *   It does not depend on traffic: a dead relay on a quiet day is found before the first payment waits.
 *   Three periods absorb one late or sparse minute between two invocations without paging anyone.
 * - `OutboxRelayErrors` (one per function, below): the drain retries transient failures itself, so an
 *   invocation that still fails is a bug, a start-up failure or a timeout; each stalls the relay until
 *   the next tick or Lambda's retry. Transient failures are only a dashboard metric: alarming on them would
 *   page for blips the relay already absorbed.
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
        namespace: METRICS_NAMESPACE,
        metricName,
        statistic,
        period: Duration.minutes(1),
        // The stage's own samples only: another stage in the account publishes the same metrics.
        dimensionsMap: metricDimensions(props.stage),
      });

    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      options: Partial<cloudwatch.AlarmProps> = {},
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
        ...options,
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
    // A metric reported continuously is one whose missing data is itself the problem:
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
    alarm(
      'RelayLagMissing',
      custom('OutboxLagSeconds', 'SampleCount'),
      1,
      'The outbox relay reported no lag for 3 minutes: it is not running or cannot reach PostgreSQL',
      {
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    );
    alarm('CircuitBreakerOpen', custom('CircuitBreakerOpen', 'Sum'), 1, 'The bank circuit breaker opened');
    // Every stuck or failed bank state has an owner: these three page a human, who reads `aspay payments stuck`.
    alarm(
      'PaymentsStuckPending',
      custom('PaymentsStuckPending', 'Sum'),
      1,
      'A payment reached the bank attempt limit and the bank cannot say what happened: it stays PENDING',
    );
    alarm(
      'RefundsFailed',
      custom('RefundsFailed', 'Sum'),
      1,
      'The bank rejected a refund, or it gave up on one',
    );
    // The dispute workflow is later work: until then each dispute pages someone (the processor events log).
    alarm(
      'DisputesOpened',
      custom('DisputesOpened', 'Sum'),
      1,
      'A customer disputed a charge at Stripe: answer it in the Stripe Dashboard before its due date',
    );
    alarm(
      'BankContractErrors',
      custom('BankContractErrors', 'Sum'),
      1,
      'The bank refused our credentials or answered outside the contract: nothing was decided',
    );
    alarm(
      'WebhooksAbandoned',
      custom('WebhooksAbandoned', 'Sum'),
      1,
      'A webhook failed for the whole retry period and was given up: the merchant never received it (`aspay payments show`)',
    );
    // A consumer reports each wait for an unavailable dependency at once (a data point per minute while it
    // lasts). A blip is absorbed; five minutes is an outage someone must see long before the event source
    // mapping gives up and batches reach the DLQ (docs/ledger-notifications-saga.md).
    alarm(
      'ConsumersWaitingForDependency',
      custom('ConsumerWaitingForDependency', 'Sum'),
      1,
      `A consumer has waited 5 minutes for its database, Kafka, DynamoDB or the bank; batches reach the DLQ after about ${Math.round(toleratedOutageSeconds(CONSUMERS.ledger) / 60)} minutes`,
      { evaluationPeriods: 5, datapointsToAlarm: 5 },
    );
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
      new cloudwatch.GraphWidget({
        title: 'Outbox relay',
        left: [custom('OutboxLagSeconds', 'Maximum')],
        right: [custom('OutboxEventsPublished', 'Sum'), custom('OutboxRelayTransientFailures', 'Sum')],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters and bank',
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
          custom('CircuitBreakerOpen', 'Sum'),
          custom('PaymentsStuckPending', 'Sum'),
          custom('RefundsFailed', 'Sum'),
          custom('DisputesOpened', 'Sum'),
          custom('BankContractErrors', 'Sum'),
        ],
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
  }
}
