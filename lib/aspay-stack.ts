import {
  CfnOutput,
  type CustomResource,
  Duration,
  aws_events as events,
  Fn,
  aws_lambda as lambda,
  type aws_logs as logs,
  Stack,
  type StackProps,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import { ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/core/config/environment';
import {
  CONSUMERS,
  type ConsumerSettings,
  PAYMENT_EVENTS_TOPIC,
  SCHEDULED_FUNCTIONS,
} from '../lambdas/core/config/messaging';
import { API_ROUTES, AUTHORIZER_HANDLER, FALLBACK_HANDLER } from '../lambdas/core/config/routes';
import { Api } from './api';
import { Data } from './data';
import { AspayFunction, type FunctionSettings } from './functions';
import { acknowledgeFunction, acknowledgeInfrastructure } from './nag-suppressions';
import { Network } from './network';
import { Observability } from './observability';
import type { StageConfig } from './stage-config';
import { State } from './state';
import { Streaming } from './streaming';
import { ApiFirewall } from './waf';

/** What each function may touch beyond its logs: the stack grants exactly these. */
interface Access {
  /** Logs in to the database as its role (lambdas/core/config/database-roles.ts). */
  database?: boolean;
  /** Logs in as the master user and sets the function roles' passwords from their secrets (migrate only). */
  migrator?: boolean;
  idempotencyTable?: boolean;
  /**
   * Behind the merchant authorizer: the function limits each merchant's request rate, in items of the
   * idempotency table (adapters/dynamodb/rate-limit-store.ts: GetItem and UpdateItem only).
   */
  merchantRateLimited?: boolean;
  deadLetters?: boolean;
  kafka?: { produce?: boolean; consumeAs?: string; createTopics?: boolean };
  /**
   * Merchants' webhook secrets: `seal` stores new ones (kms:GenerateDataKey only), `open` signs deliveries with
   * them (kms:Decrypt only); neither can do the other's half.
   */
  webhookSecrets?: 'seal' | 'open';
}

const API_FUNCTIONS: readonly (FunctionSettings & Access)[] = [
  ...API_ROUTES.map((route) => ({
    handler: route.handler,
    database: route.handler !== 'openapi',
    idempotencyTable: route.method === 'POST',
    merchantRateLimited: route.authorized,
  })),
  { handler: AUTHORIZER_HANDLER, database: true },
  { handler: FALLBACK_HANDLER },
];

/** AWS keeps this much of an account's concurrency unreserved: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html */
const AWS_UNRESERVED_MINIMUM = 100;
/** Left unreserved beyond AWS's minimum for the functions without a reservation (consumers, migrations). */
const UNRESERVED_MARGIN = 100;

export class ConcurrencyBudgetError extends Error {
  constructor(stage: string, reserved: number, quota: number) {
    super(
      `stage "${stage}" reserves ${reserved} concurrent executions, more than its quota of ${quota} minus ` +
        `${AWS_UNRESERVED_MINIMUM} AWS keeps unreserved and a margin of ${UNRESERVED_MARGIN}: lower ` +
        'apiReservedConcurrency or raise lambdaConcurrencyQuota (after raising the account quota) in cdk.json',
    );
    this.name = 'ConcurrencyBudgetError';
  }
}

/** Reserved concurrency must fit in the account's quota, or deploying the functions fails. */
function assertConcurrencyFits(stage: StageConfig): void {
  const reserved =
    API_FUNCTIONS.length * stage.apiReservedConcurrency +
    SCHEDULED_FUNCTIONS.reduce((sum, scheduled) => sum + scheduled.reservedConcurrency, 0);
  if (reserved > stage.lambdaConcurrencyQuota - AWS_UNRESERVED_MINIMUM - UNRESERVED_MARGIN)
    throw new ConcurrencyBudgetError(stage.name, reserved, stage.lambdaConcurrencyQuota);
}

/** Everything `cdk deploy` builds: one stack per stage. */
export class AspayStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { stage: StageConfig }) {
    super(scope, id, props);
    const { stage } = props;
    assertConcurrencyFits(stage);
    const logRetention = stage.logRetentionDays as logs.RetentionDays;
    const network = new Network(this, 'Network', { stage, logRetention });
    const data = new Data(this, 'Data', {
      stage,
      vpc: network.vpc,
      clients: network.lambdaSecurityGroup,
      logRetention,
    });
    const streaming = new Streaming(this, 'Streaming', {
      stage,
      vpc: network.vpc,
      clients: network.lambdaSecurityGroup,
      logRetention,
    });
    const state = new State(this, 'State', { stage });

    const shared = {
      stage: stage.name,
      vpc: network.vpc,
      securityGroup: network.lambdaSecurityGroup,
      logRetention,
      environment: {
        [ENV.databaseHost]: data.endpoint,
        [ENV.databaseName]: data.databaseName,
        [ENV.idempotencyTable]: state.idempotencyTable.tableName,
        [ENV.deadLetterQueueUrl]: state.deadLetterQueue.queueUrl,
        [ENV.mskClusterArn]: streaming.cluster.attrArn,
        [ENV.bankApiUrl]: stage.bankApiUrl,
        // An ARN, no right: only the functions granted below can use the key.
        [ENV.webhookSecretsKeyId]: state.webhookSecretsKey.keyArn,
        [ENV.bankSandboxApiUrl]: stage.bankSandboxApiUrl,
      },
    };

    const functions = new Map<string, lambda.Function>();
    const addFunction = (settings: FunctionSettings & Access) => {
      const id = settings.handler.replace(/(^|-)(\w)/g, (_, _dash, letter: string) => letter.toUpperCase());
      const { fn } = new AspayFunction(this, id, shared, settings);
      if (settings.database || settings.migrator) {
        const secret = data.secretOf(settings.handler, { migrator: settings.migrator });
        secret.grantRead(fn);
        fn.addEnvironment(ENV.databaseSecretArn, secret.secretArn);
      }
      if (settings.migrator) {
        const roleSecrets = [...data.roleSecrets.values()];
        for (const secret of roleSecrets) secret.grantRead(fn);
        fn.addEnvironment(
          ENV.databaseRoleSecretArns,
          Fn.join(
            ',',
            roleSecrets.map((secret) => secret.secretArn),
          ),
        );
      }
      if (settings.idempotencyTable) state.idempotencyTable.grantReadWriteData(fn);
      else if (settings.merchantRateLimited)
        state.idempotencyTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
      if (settings.deadLetters) state.deadLetterQueue.grantSendMessages(fn);
      if (settings.kafka) streaming.grant(fn, settings.kafka);
      if (settings.webhookSecrets)
        state.webhookSecretsKey.grant(
          fn,
          settings.webhookSecrets === 'seal' ? 'kms:GenerateDataKey' : 'kms:Decrypt',
        );
      acknowledgeFunction(fn, {
        deadLetters: Boolean(settings.deadLetters),
        kafkaEventSource: Boolean(settings.kafka?.consumeAs),
      });
      functions.set(settings.handler, fn);
      return fn;
    };

    const merchantRate = {
      [ENV.merchantRequestsPerSecond]: String(stage.merchantRequestsPerSecond),
      [ENV.merchantRequestBurst]: String(stage.merchantRequestBurst),
    };
    for (const settings of API_FUNCTIONS)
      addFunction({
        ...settings,
        reservedConcurrency: stage.apiReservedConcurrency,
        environment: settings.merchantRateLimited ? merchantRate : undefined,
      });
    addFunction({ handler: 'create-merchant', database: true, webhookSecrets: 'seal' });
    const migrate = addFunction({
      handler: 'migrate',
      migrator: true,
      kafka: { createTopics: true },
      timeout: Duration.minutes(5),
      copyIntoBundle: 'migrations',
    });
    const schema = data.migrateWith(migrate, logRetention);

    for (const scheduled of SCHEDULED_FUNCTIONS) {
      const fn = addFunction({
        handler: scheduled.handler,
        database: true,
        idempotencyTable: scheduled.handler === 'pending-payments',
        webhookSecrets: scheduled.handler === 'pending-payments' ? 'open' : undefined,
        kafka: scheduled.handler === 'outbox-relay' ? { produce: true } : undefined,
        timeout: Duration.seconds(scheduled.timeoutSeconds),
        reservedConcurrency: scheduled.reservedConcurrency,
      });
      new events.Rule(this, `${scheduled.handler}-schedule`, {
        schedule: events.Schedule.rate(Duration.minutes(scheduled.everyMinutes)),
        targets: [new targets.LambdaFunction(fn)],
      });
    }

    for (const consumer of Object.values(CONSUMERS)) {
      this.addConsumer(addFunction, consumer, streaming, state, schema);
    }

    const api = new Api(this, 'Api', {
      stage,
      logRetention,
      handlers: functions,
      authorizer: functions.get(AUTHORIZER_HANDLER)!,
      fallback: functions.get(FALLBACK_HANDLER)!,
    });
    if (stage.waf) new ApiFirewall(this, 'Firewall', { stage, restApi: api.restApi });
    new Observability(this, 'Observability', {
      stage: stage.name,
      api: api.restApi,
      functions,
      deadLetterQueue: state.deadLetterQueue,
    });
    acknowledgeInfrastructure({ stack: this, stage, network, data, state, api });

    new CfnOutput(this, 'ApiUrl', { value: api.restApi.url });
    new CfnOutput(this, 'CreateMerchantFunctionName', {
      value: functions.get('create-merchant')!.functionName,
    });
    new CfnOutput(this, 'IdempotencyTableName', { value: state.idempotencyTable.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: state.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DatabaseSecretArn', { value: data.cluster.secret!.secretArn });
  }

  /**
   * A consumer function on an MSK event source mapping, configured from the shared consumer settings; the
   * mapping starts once the schema resource has created its topic.
   */
  private addConsumer(
    addFunction: (settings: FunctionSettings & Access) => lambda.Function,
    consumer: ConsumerSettings,
    streaming: Streaming,
    state: State,
    schema: CustomResource,
  ): void {
    const fn = addFunction({
      handler: consumer.handler,
      database: true,
      // The bank processor keeps its banks' circuit breakers there; the other consumers use no DynamoDB.
      idempotencyTable: consumer === CONSUMERS.bankProcessor,
      webhookSecrets: consumer === CONSUMERS.notifier ? 'open' : undefined,
      deadLetters: true,
      kafka: { consumeAs: consumer.groupId },
      timeout: Duration.seconds(consumer.timeoutSeconds),
    });
    fn.addEventSource(
      new ManagedKafkaEventSource({
        clusterArn: streaming.cluster.attrArn,
        topic: PAYMENT_EVENTS_TOPIC.name,
        consumerGroupId: consumer.groupId,
        batchSize: consumer.batchSize,
        maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
        startingPosition: lambda.StartingPosition[consumer.startingPosition],
        retryAttempts: consumer.batchRetryAttempts,
        bisectBatchOnError: consumer.bisectBatchOnError,
        onFailure: new SqsDlq(state.deadLetterQueue),
        ...streaming.pollers(),
      }),
    );
    for (const mapping of fn.node.children.filter((child) => child instanceof lambda.EventSourceMapping))
      mapping.node.addDependency(schema);
  }
}
