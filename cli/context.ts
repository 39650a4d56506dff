import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../lambdas/core/config/environment';
import { setting } from '../lambdas/core/config/settings';

/** A usage or input problem: one line to stderr, exit code 2. */
export class UsageError extends Error {}
/** The command ran and found something wrong (e.g. a broken ledger invariant): exit code 1. */
export class CheckFailedError extends Error {}

export interface CliEndpoints {
  databaseUrl: string;
  kafkaBrokers?: string;
  deadLetterQueueUrl?: string;
  sqsEndpoint?: string;
  /** The local stack's webhook secrets key file and sink allow-list: only when the CLI targets the local stack. */
  webhookSecretsKeyFile?: string;
  webhookAllowedHosts?: string;
}

/** What the CLI reads of the local stack's .aspay/local.json: nothing when no local stack was started. */
export function localStackEndpoints(): Partial<CliEndpoints & { apiUrl: string; webhookSinkUrl: string }> {
  const localJson = join(import.meta.dirname, '..', '.aspay', 'local.json');
  return existsSync(localJson) ? JSON.parse(readFileSync(localJson, 'utf8')) : {};
}

/**
 * Endpoints from the environment (works against AWS), under the names the functions read (`ENV`; the old
 * KAFKA_BROKERS, DLQ_URL and SQS_ENDPOINT still work for a release), else from the local stack's
 * .aspay/local.json.
 */
export function cliEndpoints(): CliEndpoints {
  const local = localStackEndpoints();
  const databaseUrl = setting(ENV.databaseUrl) ?? local.databaseUrl;
  if (!databaseUrl)
    throw new UsageError(`no database: set ${ENV.databaseUrl} or start the local stack (npm run local:up)`);
  return {
    databaseUrl,
    kafkaBrokers: setting(ENV.kafkaBrokers) ?? local.kafkaBrokers,
    deadLetterQueueUrl: setting(ENV.deadLetterQueueUrl) ?? local.deadLetterQueueUrl,
    sqsEndpoint: setting(ENV.sqsEndpoint) ?? local.sqsEndpoint,
    ...(setting(ENV.databaseUrl) === undefined && {
      webhookSecretsKeyFile: local.webhookSecretsKeyFile,
      webhookAllowedHosts: local.webhookSinkUrl && new URL(local.webhookSinkUrl).host,
    }),
  };
}

export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '')
    throw new UsageError(`${what} is not configured (environment or .aspay/local.json)`);
  return value;
}

export interface Output {
  json: boolean;
  /** Prints `value` as JSON with --json, else the human text. */
  print(value: unknown, text: () => string): void;
}

export function output(json: boolean): Output {
  return {
    json,
    print(value, text) {
      console.log(json ? JSON.stringify(value, null, 2) : text());
    },
  };
}
