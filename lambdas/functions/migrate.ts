/**
 * CloudFormation custom resource (Provider framework `onEvent`): applies the versioned SQL migrations bundled
 * next to this file (the same the local stack applies) and creates the Kafka topics, whenever they change.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { kafkaConnection } from '../core/adapters/kafka/connection';
import { ensureTopics } from '../core/adapters/kafka/topics';
import { databasePool } from '../core/adapters/postgres/connection';
import { applyMigrations, migrationsDirUnder } from '../core/adapters/postgres/migrations';
import { logger, withObservability } from '../core/observability';

export const handler = withObservability(async (event: CloudFormationCustomResourceEvent) => {
  const physicalResourceId = 'aspay-schema';
  // Deleting the stack must never drop payment data: migrations only ever move forward.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
  const applied = await applyMigrations(await databasePool(), migrationsDirUnder(import.meta.dirname));
  // Topics are part of the schema: created here with the function's IAM rights, replicated across brokers.
  const topics = await ensureTopics(await kafkaConnection('aspay-migrate'), 2);
  logger.info('schema applied', { applied, topics });
  return {
    PhysicalResourceId: physicalResourceId,
    Data: { Applied: applied.join(','), Topics: topics.join(',') },
  };
});
