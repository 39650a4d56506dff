import { App, aws_apigateway as apigateway, aws_lambda as lambda, Stack, aws_sqs as sqs } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { Observability } from '../../lib/observability';

let template: Template;

beforeAll(() => {
  const stack = new Stack(new App(), 'ObservabilityTest');
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET');
  const relay = new lambda.Function(stack, 'Relay', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
  });
  new Observability(stack, 'Observability', {
    stage: 'test',
    api,
    functions: new Map([['outbox-relay', relay]]),
    deadLetterQueue: new sqs.Queue(stack, 'DeadLetters'),
  });
  template = Template.fromStack(stack);
});

const alarmsOn = (metricName: string) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
    (alarm) => alarm.Properties?.MetricName === metricName,
  );

describe('the relay alarms', () => {
  it('alarm when outbox events wait a minute or more', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OutboxLagSeconds',
      Namespace: 'ASPay',
      Statistic: 'Maximum',
      Period: 60,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 60,
      EvaluationPeriods: 1,
    });
  });

  it('alarm when the relay reports no lag at all for three minutes, whatever the traffic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OutboxLagSeconds',
      Statistic: 'SampleCount',
      Period: 60,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
    expect(alarmsOn('OutboxLagSeconds')).toHaveLength(2);
  });

  it('alarm on any failed relay invocation', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: Match.anyValue() }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('do not alarm on transient failures the relay absorbed', () => {
    expect(alarmsOn('OutboxRelayTransientFailures')).toEqual([]);
  });
});

describe('the bank alarms', () => {
  it.each([['PaymentsStuckPending'], ['RefundsFailed'], ['BankContractErrors']])(
    'page on the first %s in a minute',
    (metricName) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metricName,
        Namespace: 'ASPay',
        Statistic: 'Sum',
        Period: 60,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
      });
    },
  );
});

describe('the webhook alarm', () => {
  it('pages on the first webhook given up after its retry period', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WebhooksAbandoned',
      Namespace: 'ASPay',
      Statistic: 'Sum',
      Period: 60,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
    });
  });
});

describe('the consumer alarm', () => {
  it('alarms when consumers have waited for a dependency five minutes in a row, not on a blip', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ConsumerWaitingForDependency',
      Namespace: 'ASPay',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
    });
  });
});
