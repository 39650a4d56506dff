/**
 * CloudFormation custom resource (Provider framework `onEvent`): applies the versioned SQL migrations,
 * bundled next to this file, on every deploy — the same migrations the local stack applies.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { databasePool } from '../core/adapters/postgres/connection';
import { applyMigrations, migrationsDirUnder } from '../core/adapters/postgres/migrations';
import { logger, withObservability } from '../core/observability';

export const handler = withObservability(async (event: CloudFormationCustomResourceEvent) => {
  const physicalResourceId = 'aspay-schema';
  // Deleting the stack must never drop payment data: migrations only ever move forward.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
  const pool = await databasePool();
  const applied = await applyMigrations(pool, migrationsDirUnder(import.meta.dirname));
  logger.info('migrations applied', { applied });
  return { PhysicalResourceId: physicalResourceId, Data: { Applied: applied.join(',') } };
});
