import { join, resolve } from 'node:path';
import { StackError } from './support/stack-error';

/** Repository root: every local path hangs off it so the scripts work from any working directory. */
export const ROOT = resolve(import.meta.dirname, '..', '..');
/** Git-ignored state of the local stack: pid files, logs, engine data, the jar cache and local.json. */
export const STATE_DIR = join(ROOT, '.aspay');
export const RUN_DIR = join(STATE_DIR, 'run');
export const LOG_DIR = join(STATE_DIR, 'logs');
export const DATA_DIR = join(STATE_DIR, 'data');
export const ENGINE_CACHE_DIR = join(STATE_DIR, 'cache', 'engines');
export const LOCAL_JSON = join(STATE_DIR, 'local.json');

export const HOST = '127.0.0.1';

/**
 * The local stack's own environment variables, ASPAY_* like every name ASPay owns; the names the handlers read
 * are lambdas/core/config/environment.ts `ENV`'s (the database's name, `ENV.databaseName`, is shared: the
 * local stack creates the database it names). docs/configuration.md lists them.
 */
export const LOCAL_STACK_ENV = {
  /** Every port is overridable. */
  ports: {
    api: 'ASPAY_API_PORT',
    kafka: 'ASPAY_KAFKA_PORT',
    kafkaController: 'ASPAY_KAFKA_CONTROLLER_PORT',
    dynamodb: 'ASPAY_DYNAMODB_PORT',
    sqs: 'ASPAY_SQS_PORT',
    embeddedPostgres: 'ASPAY_EMBEDDED_PG_PORT',
    dbProxy: 'ASPAY_DB_PROXY_PORT',
    bank: 'ASPAY_BANK_PORT',
    webhookSink: 'ASPAY_WEBHOOK_SINK_PORT',
    /** The mail catcher (mail/server.ts): its SMTP server, and its HTTP API that reads the messages back. */
    mailSmtp: 'ASPAY_MAIL_SMTP_PORT',
    mailHttp: 'ASPAY_MAIL_HTTP_PORT',
    stripeSimulator: 'ASPAY_STRIPE_SIMULATOR_PORT',
  },
  /** The bank simulator's answer time: "5000-10000" (the default), "250", or "0" for instant. */
  bankLatencyMs: 'ASPAY_BANK_LATENCY_MS',
  /** The Stripe simulator (stripe/server.ts): its answer time (as the bank's, default "0"), where it sends its
   * signed events and with which signing secret (none sent when unset), and after how many ms Stripe's later
   * decisions happen (refund failures and settlements, disputes; default 2000, "never" for only on request). */
  stripeSimulatorLatencyMs: 'ASPAY_STRIPE_SIMULATOR_LATENCY_MS',
  stripeSimulatorWebhookUrl: 'ASPAY_STRIPE_SIMULATOR_WEBHOOK_URL',
  stripeSimulatorWebhookSecret: 'ASPAY_STRIPE_SIMULATOR_WEBHOOK_SECRET',
  stripeSimulatorLaterMs: 'ASPAY_STRIPE_SIMULATOR_LATER_MS',
  /**
   * How long the local gateway keeps an authorizer answer, in seconds (default: AWS's,
   * `AUTHORIZER_CACHE_TTL_SECONDS`); shorter in the test timings, so a test sees a revoked key refused.
   */
  authorizerCacheSeconds: 'ASPAY_AUTHORIZER_CACHE_SECONDS',
  /** The schedules' interval, for tests and demos that cannot wait a minute (localstack/src/runner/schedule.ts). */
  scheduleEveryMs: 'ASPAY_SCHEDULE_EVERY_MS',
  /** JSON object: each function role's database URL (see lambda-runtime.ts). */
  functionDatabaseUrls: 'ASPAY_FUNCTION_DATABASE_URLS',
  /** `host:port` of the PostgreSQL server the local RDS Proxy forwards to. */
  rdsProxyTarget: 'ASPAY_DB_PROXY_TARGET',
  /** Which checkout's stack a process belongs to, and which process started it (support/processes.ts). */
  stackCheckout: 'ASPAY_STACK_CHECKOUT',
  stackStarter: 'ASPAY_STACK_STARTER',
  /** The Kafka cluster and the database the stack was started with (runner/stack-identity.ts). */
  stackKafkaClusterId: 'ASPAY_STACK_KAFKA_CLUSTER_ID',
  stackDatabaseIdentity: 'ASPAY_STACK_DATABASE_IDENTITY',
} as const;

function port(envName: string, fallback: number): number {
  const raw = process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new StackError(`${envName} must be a TCP port number (1-65535), got "${raw}"`);
  }
  return value;
}

/** The local stack's ports: each `LOCAL_STACK_ENV.ports` variable, else its default. */
export function localPorts() {
  const names = LOCAL_STACK_ENV.ports;
  return {
    api: port(names.api, 3000),
    kafka: port(names.kafka, 9092),
    kafkaController: port(names.kafkaController, 9093),
    dynamodb: port(names.dynamodb, 8000),
    sqs: port(names.sqs, 9324),
    embeddedPostgres: port(names.embeddedPostgres, 5433),
    dbProxy: port(names.dbProxy, 5434),
    bank: port(names.bank, 3100),
    webhookSink: port(names.webhookSink, 3200),
    mailSmtp: port(names.mailSmtp, 3250),
    mailHttp: port(names.mailHttp, 3251),
    stripeSimulator: port(names.stripeSimulator, 3300),
  };
}

export type LocalPorts = ReturnType<typeof localPorts>;

/** Credentials the AWS SDK needs to sign requests; DynamoDB Local and ElasticMQ accept any. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;

/** AWS SDK client settings for a local engine (DynamoDB Local, ElasticMQ): its endpoint, no retries. */
export function localAwsClientConfig(endpoint: string) {
  return {
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: {
      accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
      secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
    },
    maxAttempts: 1,
  };
}
