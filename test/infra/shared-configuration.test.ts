import { describe, expect, it } from 'vitest';
import { CONSUMERS, SCHEDULED_FUNCTIONS } from '../../lambdas/core/config/messaging';
import { stageConfig } from '../../lib/stage-config';
import { eventSourceMappingConfig } from '../../localstack/src/runner/event-source-mapping';
import { appFor, templateFor } from './synth';

type Resource = { Type: string; Properties: Record<string, unknown> };

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the template has no ${what}`);
  return value;
}

describe('one source of truth for the event source mappings', () => {
  // The local runner emulates provisioned-mode mappings (prod): the mode with retries, bisection and an
  // on-failure destination. Stages on on-demand pollers (dev) retry a failed batch until it succeeds instead.
  it('gives the local runner every setting the CDK mapping and its function get', () => {
    const resources = templateFor('prod').toJSON().Resources as Record<string, Resource>;
    const mappings = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')
      .map((resource) => resource.Properties);
    expect(mappings).toHaveLength(Object.keys(CONSUMERS).length);
    for (const settings of Object.values(CONSUMERS)) {
      const local = eventSourceMappingConfig(settings);
      const aws = defined(
        mappings.find(
          (mapping) =>
            (mapping.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId ===
            local.consumer.groupId,
        ),
        `mapping for ${local.consumer.groupId}`,
      );
      expect(aws).toMatchObject({
        Topics: [local.subscription.topic],
        BatchSize: local.batchSize,
        MaximumBatchingWindowInSeconds: local.batchingWindowSeconds,
        StartingPosition: local.subscription.fromBeginning ? 'TRIM_HORIZON' : 'LATEST',
        MaximumRetryAttempts: local.retryPolicy.retryAttempts,
        BisectBatchOnFunctionError: local.retryPolicy.bisectOnError,
      });

      const destination = (
        aws.DestinationConfig as { OnFailure: { Destination: { 'Fn::GetAtt': string[] } } }
      ).OnFailure.Destination['Fn::GetAtt'];
      const queue = resources[destination?.[0] ?? ''];
      expect(queue?.Type).toBe('AWS::SQS::Queue');

      const functionRef = (aws.FunctionName as { Ref: string }).Ref;
      expect(resources[functionRef]?.Properties.Timeout).toBe(local.functionTimeoutSeconds);
    }
  }, 300_000);

  // The runner runs as many invocations of a schedule at once as prod reserves (cdk.json).
  it('gives each scheduled function the rate, timeout and reserved concurrency the runner uses', () => {
    const resources = Object.entries(templateFor('prod').toJSON().Resources as Record<string, Resource>);
    for (const scheduled of SCHEDULED_FUNCTIONS) {
      const [, rule] = defined(
        resources.find(
          ([id, resource]) =>
            resource.Type === 'AWS::Events::Rule' &&
            id.startsWith(`${scheduled.handler.replaceAll('-', '')}schedule`),
        ),
        `schedule for ${scheduled.handler}`,
      );
      expect(rule.Properties.ScheduleExpression).toBe(`rate(${scheduled.everyMinutes} minute)`);
      const [target] = rule.Properties.Targets as { Arn: { 'Fn::GetAtt': string[] } }[];
      const fn = resources.find(([id]) => id === target?.Arn['Fn::GetAtt'][0])?.[1];
      expect(fn?.Properties).toMatchObject({
        Timeout: scheduled.timeoutSeconds,
        ReservedConcurrentExecutions: scheduled.reservedConcurrency,
      });
      expect(scheduled.reservedConcurrency).toBe(stageConfig(appFor('prod')).scheduledReservedConcurrency);
    }
  }, 300_000);
});
