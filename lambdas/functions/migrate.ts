/**
 * CloudFormation custom resource (Provider framework `onEvent`): applies the versioned SQL migrations bundled
 * next to this file (the same the local stack applies), lets each function role log in with the password in
 * its secret, and creates the Kafka topics, whenever they change.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { kafkaConnection } from '../core/adapters/kafka/connection';
import { ensureTopics } from '../core/adapters/kafka/topics';
import { databasePool } from '../core/adapters/postgres/connection';
import { applyMigrations, migrationsDirUnder } from '../core/adapters/postgres/migrations';
import { enableRoleLoginsFromSecrets } from '../core/adapters/postgres/role-credentials';
import { ENV } from '../core/config/environment';
import { migrationsFingerprint } from '../core/config/schema-version';
import { setting } from '../core/config/settings';
import { logger, withObservability } from '../core/observability';

export const handler = withObservability(async (event: CloudFormationCustomResourceEvent) => {
  const physicalResourceId = 'aspay-schema';
  // Deleting the stack must never drop payment data: migrations only ever move forward.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalResourceId };
  const migrationsDir = migrationsDirUnder(import.meta.dirname);
  // When an update fails, CloudFormation rolls this resource back by sending the function as it now is (this
  // bundle) an Update with the old properties:
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html
  // Migrations only move forward, so a request for other migrations than those bundled is that rollback, and
  // succeeds without touching the schema; running the bundle again would fail the rollback too.
  if (
    event.RequestType === 'Update' &&
    event.ResourceProperties.migrations !== migrationsFingerprint(migrationsDir)
  ) {
    logger.warn('rollback to other migrations than those bundled: the schema stays as it is');
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const pool = await databasePool();
  const applied = await applyMigrations(pool, migrationsDir);
  const roles = await enableRoleLoginsFromSecrets(
    pool,
    (setting(ENV.databaseRoleSecretArns) ?? '').split(',').filter(Boolean),
  );
  // Topics are part of the schema: created here with the function's IAM rights, replicated across brokers.
  const topics = await ensureTopics(await kafkaConnection('aspay-migrate'), 2);
  logger.info('schema applied', { applied, roles, topics });
  return {
    PhysicalResourceId: physicalResourceId,
    Data: { Applied: applied.join(','), Roles: roles.join(','), Topics: topics.join(',') },
  };
});
