import { describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../lambdas/core/config/messaging';
import { kafkaConsumerConfig } from '../../localstack/src/runner/event-source-mapping';
import { templateFor } from './synth';

describe('one source of truth for the event source mappings', () => {
  it('derives the local runner and the CDK mappings from the same consumer settings', () => {
    const mappings = Object.values(templateFor('dev').findResources('AWS::Lambda::EventSourceMapping')).map(
      (resource) => (resource as { Properties: Record<string, unknown> }).Properties,
    );
    for (const settings of Object.values(CONSUMERS)) {
      const local = kafkaConsumerConfig(settings);
      const aws = mappings.find(
        (mapping) =>
          (mapping.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId ===
          local.consumer.groupId,
      );
      expect(aws).toMatchObject({
        Topics: [local.subscription.topic],
        BatchSize: local.batchSize,
        MaximumBatchingWindowInSeconds: local.consumer.maxWaitTimeInMs / 1_000,
        StartingPosition: local.subscription.fromBeginning ? 'TRIM_HORIZON' : 'LATEST',
      });
    }
  }, 300_000);
});
