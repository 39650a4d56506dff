import {
  Duration,
  aws_dynamodb as dynamodb,
  aws_kms as kms,
  RemovalPolicy,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE } from '../lambdas/core/config/idempotency';
import { DEAD_LETTER_QUEUE } from '../lambdas/core/config/messaging';
import type { StageConfig } from './stage-config';

/**
 * The Powertools idempotency table (also holding the bank circuit breaker's shared state) and the SQS
 * dead-letter queue for poison pills, both encrypted; names and key schema come from the core configuration.
 * And the customer-managed key that seals merchants' webhook secrets.
 */
export class State extends Construct {
  readonly idempotencyTable: dynamodb.TableV2;
  readonly deadLetterQueue: sqs.Queue;
  /** Wraps the data keys that seal merchants' webhook signing secrets in the database. */
  readonly webhookSecretsKey: kms.Key;

  constructor(scope: Construct, id: string, props: { stage: StageConfig }) {
    super(scope, id);
    const removalPolicy = props.stage.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.idempotencyTable = new dynamodb.TableV2(this, 'Idempotency', {
      tableName: `${IDEMPOTENCY_TABLE.defaultName}-${props.stage.name}`,
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TABLE.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.stage.retainData,
      removalPolicy,
    });
    const queueKey = new kms.Key(this, 'DeadLetterKey', {
      enableKeyRotation: true,
      description: 'ASPay dead letters',
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: `${DEAD_LETTER_QUEUE.name}-${props.stage.name}`,
      retentionPeriod: Duration.days(DEAD_LETTER_QUEUE.retentionDays),
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: queueKey,
      enforceSSL: true,
      removalPolicy,
    });
    // Deleting it makes every sealed webhook secret unreadable: it is kept wherever the data is.
    this.webhookSecretsKey = new kms.Key(this, 'WebhookSecretsKey', {
      enableKeyRotation: true,
      description: "ASPay merchants' webhook signing secrets",
      removalPolicy,
    });
  }
}
