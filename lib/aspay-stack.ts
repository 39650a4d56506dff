import {
  CfnOutput,
  type CustomResource,
  Duration,
  aws_events as events,
  Fn,
  aws_lambda as lambda,
  type aws_logs as logs,
  RemovalPolicies,
  Stack,
  type StackProps,
  aws_secretsmanager as secretsmanager,
  aws_events_targets as targets,
} from 'aws-cdk-lib';
import { ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/core/config/environment';
import {
  CONSUMER_PAYMENTS_IN_PARALLEL,
  CONSUMERS,
  type ConsumerSettings,
  PAYMENT_EVENTS_TOPIC,
  SCHEDULED_FUNCTIONS,
} from '../lambdas/core/config/messaging';
import { PROCESSORS, STRIPE_ACCOUNTS } from '../lambdas/core/config/processors';
import {
  API_ROUTES,
  type ApiRoute,
  AUTHORIZER_HANDLER,
  FALLBACK_HANDLER,
  PROCESSOR_EVENTS_HANDLER,
} from '../lambdas/core/config/routes';
import { SANDBOX_BANK_FUNCTION } from '../lambdas/core/config/sandbox-bank';
import { Api } from './api';
import { Data } from './data';
import { AspayFunction, type FunctionSettings } from './functions';
import { acknowledgeFunction, acknowledgeInfrastructure } from './nag-suppressions';
import { Network } from './network';
import { Observability } from './observability';
import { receiptsSendingStatement } from './receipts';
import { SandboxBank } from './sandbox-bank';
import type { StageConfig } from './stage-config';
import { State } from './state';
import { Streaming } from './streaming';
import { ApiFirewall } from './waf';

/**
 * A function serving one request or tick at a time holds one connection, two at most: its share of the
 * database's connections (the readiness suite checks the total against max_connections, docs/capacity.md).
 */
const REQUEST_POOL_SIZE = 2;

/** What each function may touch beyond its logs: the stack grants exactly these. */
interface Access {
  /** Logs in to the database as its role (lambdas/core/config/database-roles.ts). */
  database?: boolean;
  /** Logs in as the master user and sets the function roles' passwords from their secrets (migrate only). */
  migrator?: boolean;
  /**
   * Calls the bank: gets the live bank's and the sandbox's URLs and, when the stack serves the sandbox, the
   * right to call its function URL (no other function may).
   */
  bank?: boolean;
  /**
   * Talks to the modes' processors (calls Stripe, or verifies its events): each mode's processor named, and
   * read access to the Stripe credentials secret of each mode on Stripe.
   */
  processors?: boolean;
  /** Connections its pool may open (`ENV.databasePoolSize`): REQUEST_POOL_SIZE unless the function works in parallel. */
  databasePoolSize?: number;
  /**
   * Reads and writes the coordination table: idempotency records (POST routes), the bank circuit breakers'
   * state (the functions that call the bank).
   */
  coordinationTable?: boolean;
  /**
   * Behind the merchant authorizer: the function limits each merchant's request rate, in items of the
   * coordination table (adapters/dynamodb/rate-limit-store.ts: GetItem and UpdateItem only).
   */
  merchantRateLimited?: boolean;
  deadLetters?: boolean;
  kafka?: { produce?: boolean; consumeAs?: string; createTopics?: boolean };
  /**
   * Merchants' webhook secrets: `seal` stores new ones (kms:GenerateDataKey only), `open` signs deliveries with
   * them (kms:Decrypt only); neither can do the other's half.
   */
  webhookSecrets?: 'seal' | 'open';
  /** Sends customer receipts through SES from the stage's `receiptsFromAddress`, when it has one. */
  receipts?: boolean;
}

/** The routes each API function serves: one, or several for a function that serves a family (the API keys). */
const ROUTES_BY_HANDLER = new Map<string, ApiRoute[]>();
for (const route of API_ROUTES)
  ROUTES_BY_HANDLER.set(route.handler, [...(ROUTES_BY_HANDLER.get(route.handler) ?? []), route]);

const API_FUNCTIONS: readonly (FunctionSettings & Access)[] = [
  ...[...ROUTES_BY_HANDLER].map(([handler, routes]) => ({
    handler,
    database: handler !== 'openapi',
    // Idempotency records of the merchants' POST routes; a processor's events are deduplicated in PostgreSQL.
    coordinationTable: routes.some((route) => route.method === 'POST' && route.authorized),
    merchantRateLimited: routes.some((route) => route.authorized),
    processors: handler === PROCESSOR_EVENTS_HANDLER,
  })),
  { handler: AUTHORIZER_HANDLER, database: true },
  { handler: FALLBACK_HANDLER },
];

/**
 * AWS keeps this much of an account's concurrency unreserved: "You can reserve up to the Unreserved account
 * concurrency value minus 100". https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
const AWS_UNRESERVED_MINIMUM = 100;
/** Left unreserved beyond AWS's minimum, as a share of the quota: reservations made outside this stack. */
const UNRESERVED_MARGIN_SHARE = 0.05;

export class ConcurrencyBudgetError extends Error {
  constructor(stage: string, reason: string) {
    super(`stage "${stage}": ${reason} (cdk.json)`);
    this.name = 'ConcurrencyBudgetError';
  }
}

/** Per function kind, the concurrency the stage reserves; none where `reserveConcurrency` is off. */
function reservations(stage: StageConfig): { api?: number; scheduled?: number } {
  if (!stage.reserveConcurrency) return {};
  for (const [setting, value] of [
    ['apiReservedConcurrency', stage.apiReservedConcurrency],
    ['scheduledReservedConcurrency', stage.scheduledReservedConcurrency],
  ] as const) {
    // A reservation of 0 throttles every invocation of the function.
    if (!Number.isInteger(value) || value < 1)
      throw new ConcurrencyBudgetError(
        stage.name,
        `${setting} is ${value}: reserve at least 1, or set reserveConcurrency false`,
      );
  }
  return { api: stage.apiReservedConcurrency, scheduled: stage.scheduledReservedConcurrency };
}

/**
 * Reserved concurrency must fit in the account's quota as cdk.json states it, or deploying the functions fails;
 * a new account's quota (as low as 10: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
 * fits no reservation at all.
 */
function assertConcurrencyFits(stage: StageConfig): void {
  const { api = 0, scheduled = 0 } = reservations(stage);
  const reserved = API_FUNCTIONS.length * api + SCHEDULED_FUNCTIONS.length * scheduled;
  if (reserved === 0) return;
  const available =
    stage.lambdaConcurrencyQuota -
    AWS_UNRESERVED_MINIMUM -
    Math.ceil(stage.lambdaConcurrencyQuota * UNRESERVED_MARGIN_SHARE);
  if (reserved > available)
    throw new ConcurrencyBudgetError(
      stage.name,
      `reserves ${reserved} concurrent executions, more than the ${available} its quota of ` +
        `${stage.lambdaConcurrencyQuota} leaves after the ${AWS_UNRESERVED_MINIMUM} AWS keeps unreserved and a ` +
        `${UNRESERVED_MARGIN_SHARE * 100}% margin: set reserveConcurrency false, lower the reservations, or ` +
        'raise lambdaConcurrencyQuota after raising the account quota',
    );
}

/** Everything `cdk deploy` builds: one stack per stage. */
export class AspayStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { stage: StageConfig }) {
    super(scope, id, props);
    const { stage } = props;
    assertConcurrencyFits(stage);
    const reserved = reservations(stage);
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
    // Test mode needs no outside bank: without a sandbox URL in cdk.json, the stack serves one.
    const sandbox = stage.bankSandboxApiUrl === '' ? new SandboxBank(this, 'SandboxBankBooks') : undefined;
    let bankEnvironment: Record<string, string> = { [ENV.bankSandboxApiUrl]: stage.bankSandboxApiUrl };

    const shared = {
      stage: stage.name,
      vpc: network.vpc,
      securityGroup: network.lambdaSecurityGroup,
      logRetention,
      environment: {
        [ENV.databaseHost]: data.endpoint,
        [ENV.databaseName]: data.databaseName,
        [ENV.coordinationTable]: state.coordinationTable.tableName,
        [ENV.deadLetterQueueUrl]: state.deadLetterQueue.queueUrl,
        [ENV.mskClusterArn]: streaming.cluster.attrArn,
        // Its absence turns live mode off unless live mode is on Stripe: the API refuses live payments
        // (live_mode_unavailable).
        ...(stage.bankApiUrl === '' ? {} : { [ENV.bankApiUrl]: stage.bankApiUrl }),
        [ENV.liveProcessor]: (stage.processors ?? { live: 'http' }).live,
        // An ARN, no right: only the functions granted below can use the key.
        [ENV.webhookSecretsKeyId]: state.webhookSecretsKey.keyArn,
      },
    };

    // Each mode on Stripe has its credentials secret, its value set by the operator (docs/bank-processor.md).
    const processors = stage.processors ?? { test: 'simulator', live: 'http' };
    const stripeSecrets = (Object.keys(PROCESSORS) as (keyof typeof PROCESSORS)[])
      .filter((mode) => processors[mode] === 'stripe')
      .map((mode) => ({
        mode,
        secret: new secretsmanager.Secret(this, `Stripe${mode === 'test' ? 'Test' : 'Live'}Credentials`, {
          description: `ASPay ${stage.name}: the ${mode} mode Stripe account, JSON { "secretKey", "webhookSecret" }`,
        }),
      }));

    const functions = new Map<string, lambda.Function>();
    const addFunction = (settings: FunctionSettings & Access) => {
      const id = settings.handler.replace(/(^|-)(\w)/g, (_, _dash, letter: string) => letter.toUpperCase());
      const { fn } = new AspayFunction(this, id, shared, settings);
      if (settings.database || settings.migrator) {
        const secret = data.secretOf(settings.handler, { migrator: settings.migrator });
        secret.grantRead(fn);
        fn.addEnvironment(ENV.databaseSecretArn, secret.secretArn);
        fn.addEnvironment(ENV.databasePoolSize, String(settings.databasePoolSize ?? REQUEST_POOL_SIZE));
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
      if (settings.coordinationTable) state.coordinationTable.grantReadWriteData(fn);
      else if (settings.merchantRateLimited)
        state.coordinationTable.grant(fn, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
      if (settings.deadLetters) state.deadLetterQueue.grantSendMessages(fn);
      if (settings.bank) {
        for (const [name, value] of Object.entries(bankEnvironment)) fn.addEnvironment(name, value);
        sandbox?.allow(fn);
      }
      if (settings.processors || settings.bank) {
        for (const mode of Object.keys(PROCESSORS) as (keyof typeof PROCESSORS)[])
          fn.addEnvironment(PROCESSORS[mode].variable, processors[mode]);
        for (const { mode, secret } of stripeSecrets) {
          secret.grantRead(fn);
          fn.addEnvironment(STRIPE_ACCOUNTS[mode].secretArnVariable, secret.secretArn);
        }
      }
      if (settings.kafka) streaming.grant(fn, settings.kafka);
      if (settings.receipts && stage.receiptsFromAddress) {
        const from = stage.receiptsFromAddress;
        fn.addEnvironment(ENV.receiptsFromAddress, from);
        fn.addToRolePolicy(receiptsSendingStatement(this, from));
      }
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
        reservedConcurrency: reserved.api,
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

    if (sandbox) {
      const url = sandbox.servedBy(
        addFunction({
          handler: 'sandbox-bank',
          memorySize: 256,
          timeout: Duration.seconds(SANDBOX_BANK_FUNCTION.timeoutSeconds),
          environment: { [ENV.sandboxBankTable]: sandbox.table.tableName },
        }),
      );
      bankEnvironment = { [ENV.bankSandboxApiUrl]: url.url, [ENV.bankSandboxApiAuth]: 'aws-iam' };
      new CfnOutput(this, 'SandboxBankUrl', { value: url.url });
    }

    for (const scheduled of SCHEDULED_FUNCTIONS) {
      const fn = addFunction({
        handler: scheduled.handler,
        database: true,
        coordinationTable: scheduled.handler === 'retry-sweep',
        bank: scheduled.handler === 'retry-sweep',
        webhookSecrets: scheduled.handler === 'retry-sweep' ? 'open' : undefined,
        kafka: scheduled.handler === 'outbox-relay' ? { produce: true } : undefined,
        timeout: Duration.seconds(scheduled.timeoutSeconds),
        reservedConcurrency: reserved.scheduled,
      });
      const rule = new events.Rule(this, `${scheduled.handler}-schedule`, {
        schedule: events.Schedule.rate(Duration.minutes(scheduled.everyMinutes)),
        targets: [new targets.LambdaFunction(fn)],
      });
      // The scheduled functions log in as database roles the schema resource creates.
      rule.node.addDependency(schema);
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
    // A stage that keeps no data leaves nothing behind: keys, log groups and the API Gateway account role too
    // (their CDK default is to be kept).
    if (!stage.retainData) RemovalPolicies.of(this).destroy();

    new CfnOutput(this, 'ApiUrl', { value: api.restApi.url });
    new CfnOutput(this, 'CreateMerchantFunctionName', {
      value: functions.get('create-merchant')!.functionName,
    });
    new CfnOutput(this, 'CoordinationTableName', { value: state.coordinationTable.tableName });
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
      coordinationTable: consumer === CONSUMERS.bankProcessor,
      bank: consumer === CONSUMERS.bankProcessor,
      webhookSecrets: consumer === CONSUMERS.notifier ? 'open' : undefined,
      receipts: consumer === CONSUMERS.receipts,
      deadLetters: true,
      // It handles this many payments of a batch at once, each on its own connection.
      databasePoolSize: CONSUMER_PAYMENTS_IN_PARALLEL,
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
