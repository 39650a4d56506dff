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

function port(envName: string, fallback: number): number {
  const raw = process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new StackError(`${envName} must be a TCP port number (1-65535), got "${raw}"`);
  }
  return value;
}

/** Every port is overridable; docs/configuration.md lists these variables. */
export function localPorts() {
  return {
    api: port('ASPAY_API_PORT', 3000),
    kafka: port('ASPAY_KAFKA_PORT', 9092),
    kafkaController: port('ASPAY_KAFKA_CONTROLLER_PORT', 9093),
    dynamodb: port('ASPAY_DYNAMODB_PORT', 8000),
    sqs: port('ASPAY_SQS_PORT', 9324),
    embeddedPostgres: port('ASPAY_EMBEDDED_PG_PORT', 5433),
    dbProxy: port('ASPAY_DB_PROXY_PORT', 5434),
    bank: port('ASPAY_BANK_PORT', 3100),
    webhookSink: port('ASPAY_WEBHOOK_SINK_PORT', 3200),
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
