import { Duration, aws_dynamodb as dynamodb, aws_kms as kms, aws_sqs as sqs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { COORDINATION_TABLE } from '../lambdas/core/config/coordination-table';
import { DEAD_LETTER_QUEUE } from '../lambdas/core/config/messaging';
import { dataRemovalPolicy, type StageConfig } from './stage-config';

/**
 * The coordination table (idempotency records, the bank circuit breakers' state and the merchants' request-rate
 * buckets: lambdas/core/config/coordination-table.ts) and the SQS dead-letter queue for poison pills, both encrypted; the key schema comes from the core configuration. Their
 * names are CloudFormation's (the functions and the CLI read them from the environment and the stack outputs):
 * a kept table or queue with a fixed name would make the next deploy after `cdk destroy` fail on "already
 * exists" (aws/aws-cdk#11208).
 * And the customer-managed key that seals merchants' webhook secrets.
 */
export class State extends Construct {
  readonly coordinationTable: dynamodb.TableV2;
  readonly deadLetterQueue: sqs.Queue;
  /** Wraps the data keys that seal merchants' webhook signing secrets in the database. */
  readonly webhookSecretsKey: kms.Key;

  constructor(scope: Construct, id: string, props: { stage: StageConfig }) {
    super(scope, id);
    const removalPolicy = dataRemovalPolicy(props.stage);
    // The construct id of the table's first role: a new id would replace the table, an empty one.
    this.coordinationTable = new dynamodb.TableV2(this, 'Idempotency', {
      partitionKey: { name: COORDINATION_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: COORDINATION_TABLE.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.stage.retainData,
      removalPolicy,
    });
    // Kept with the queue it encrypts.
    const queueKey = new kms.Key(this, 'DeadLetterKey', {
      enableKeyRotation: true,
      description: 'ASPay dead letters',
      removalPolicy,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
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
