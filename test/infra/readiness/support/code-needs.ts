import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const FUNCTIONS_DIR = join(ROOT, 'lambdas', 'functions');
const ADAPTERS_DIR = join(ROOT, 'lambdas', 'core', 'adapters');

/** The resources a function addresses through its environment (see lambdas/core/config/environment.ts). */
export type Target =
  | 'databaseSecret'
  | 'databaseRoleSecrets'
  | 'coordinationTable'
  | 'deadLetterQueue'
  | 'deadLetterKey'
  | 'webhookSecretsKey'
  | 'cluster'
  | 'topic'
  | 'sandboxBank'
  | 'sandboxBankTable';

/** An AWS API call the code makes, as IAM authorizes it. */
export interface Permission {
  readonly action: string;
  readonly on: Target;
  /** The request's condition keys as AWS sets them for this call. */
  readonly context?: Readonly<Record<string, string>>;
}

/** Somewhere the code opens connections to: the database, the Kafka brokers, an AWS API, the internet. */
export type Destination = 'database' | 'brokers' | 'internet' | 'functionUrl' | { readonly service: string };

interface Needs {
  readonly permissions: readonly Permission[];
  readonly reaches: readonly Destination[];
}

const allow = (on: Target, ...actions: string[]): Permission[] => actions.map((action) => ({ action, on }));

/**
 * What each adapter's calls require in AWS, keyed by its file under lambdas/core/adapters. A function needs
 * the union over the adapters its entry file imports (directly or not).
 */
const ADAPTER_NEEDS: Readonly<Record<string, Needs>> = {
  // GetSecretValueCommand on ENV.databaseSecretArn, then a TLS connection to ENV.databaseHost.
  'postgres/connection.ts': {
    permissions: allow('databaseSecret', 'secretsmanager:GetSecretValue'),
    reaches: ['database', { service: 'secretsmanager' }],
  },
  // GetSecretValueCommand on each of ENV.databaseRoleSecretArns (the migrate function sets the roles' passwords).
  'postgres/role-credentials.ts': {
    permissions: allow('databaseRoleSecrets', 'secretsmanager:GetSecretValue'),
    reaches: ['database', { service: 'secretsmanager' }],
  },
  // Powertools idempotency: "GetItem, PutItem, UpdateItem and DeleteItem" on the table.
  // https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/#iam-permissions
  'dynamodb/idempotency-store.ts': {
    permissions: allow(
      'coordinationTable',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ),
    reaches: [{ service: 'dynamodb' }],
  },
  // GetCommand and PutCommand on the breaker's item.
  // The per-merchant request rate: conditional UpdateItem, and GetItem when both conditions fail.
  'dynamodb/rate-limit-store.ts': {
    permissions: allow('coordinationTable', 'dynamodb:GetItem', 'dynamodb:UpdateItem'),
    reaches: [{ service: 'dynamodb' }],
  },
  'dynamodb/circuit-breaker-state.ts': {
    permissions: allow('coordinationTable', 'dynamodb:GetItem', 'dynamodb:PutItem'),
    reaches: [{ service: 'dynamodb' }],
  },
  // SendMessage to a queue encrypted with a customer managed key also needs GenerateDataKey and Decrypt on it.
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
  'sqs/dead-letter-queue.ts': {
    permissions: [
      ...allow('deadLetterQueue', 'sqs:SendMessage'),
      ...allow('deadLetterKey', 'kms:GenerateDataKey', 'kms:Decrypt'),
    ],
    reaches: [{ service: 'sqs' }],
  },
  // GetBootstrapBrokers (MSK API), then SASL/OAUTHBEARER on the IAM listener: kafka-cluster:Connect.
  // https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
  'kafka/connection.ts': {
    permissions: allow(
      'cluster',
      'kafka:GetBootstrapBrokers',
      'kafka-cluster:Connect',
      'kafka-cluster:DescribeCluster',
    ),
    reaches: ['brokers', { service: 'kafka' }],
  },
  // An idempotent producer: WriteData and DescribeTopic on the topic, WriteDataIdempotently on the cluster.
  // https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
  'kafka/event-publisher.ts': {
    permissions: [
      ...allow('topic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'),
      ...allow('cluster', 'kafka-cluster:WriteDataIdempotently'),
    ],
    reaches: ['brokers'],
  },
  // listTopics then createTopics.
  'kafka/topics.ts': {
    permissions: allow('topic', 'kafka-cluster:DescribeTopic', 'kafka-cluster:CreateTopic'),
    reaches: ['brokers'],
  },
  // Envelope encryption of webhook secrets: storing one takes a data key, reading one unwraps it.
  // https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
  'secrets/kms.ts': { permissions: [], reaches: [{ service: 'kms' }] },
  'secrets/secret-sealer.ts': { permissions: allow('webhookSecretsKey', 'kms:GenerateDataKey'), reaches: [] },
  'secrets/secret-opener.ts': { permissions: allow('webhookSecretsKey', 'kms:Decrypt'), reaches: [] },
  // The sandbox bank's items: conditional puts, updates and deletes of calls, a transaction of two puts for a
  // charge (TransactWriteItems is authorized as the PutItem it contains), consistent reads.
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
  'dynamodb/sandbox-bank-store.ts': {
    permissions: allow(
      'sandboxBankTable',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ),
    reaches: [{ service: 'dynamodb' }],
  },
  // A SigV4-signed request to the sandbox bank's function URL (AuthType AWS_IAM): since October 2025 it needs
  // lambda:InvokeFunctionUrl and lambda:InvokeFunction, each with the condition keys Lambda sets on a function
  // URL request. https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
  // A function URL answers on the public internet only.
  // https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html
  'bank/aws-iam-signer.ts': {
    permissions: [
      {
        action: 'lambda:InvokeFunctionUrl',
        on: 'sandboxBank',
        context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
      },
      {
        action: 'lambda:InvokeFunction',
        on: 'sandboxBank',
        context: { 'lambda:InvokedViaFunctionUrl': 'true' },
      },
    ],
    reaches: ['functionUrl'],
  },
  // The bank's API and the merchants' webhooks are on the public internet.
  'bank/http-bank.ts': { permissions: [], reaches: ['internet'] },
  'webhooks/http-sender.ts': { permissions: [], reaches: ['internet'] },
};

/** The handlers: one entry file per function in lambdas/functions. */
export const HANDLERS = readdirSync(FUNCTIONS_DIR)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''));

/** Source files a module bundles: its relative, non-type-only imports, transitively. */
function bundledFiles(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(entry, 'utf8');
  for (const match of source.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'(\.[^']+)'/gms)) {
    const base = resolve(dirname(entry), match[1]!);
    const file = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate));
    if (file?.endsWith('.ts')) bundledFiles(file, seen);
  }
  return seen;
}

/** The adapters a handler's bundle contains, as paths under lambdas/core/adapters. */
export function adaptersOf(handler: string): string[] {
  return [...bundledFiles(join(FUNCTIONS_DIR, `${handler}.ts`))]
    .filter((file) => file.startsWith(ADAPTERS_DIR))
    .map((file) => relative(ADAPTERS_DIR, file));
}

/** What a handler's code needs in AWS, from the adapters it bundles. */
export function codeNeeds(handler: string): Needs {
  const needs = adaptersOf(handler).flatMap((adapter) => ADAPTER_NEEDS[adapter] ?? []);
  return {
    permissions: needs.flatMap((n) => n.permissions),
    reaches: needs.flatMap((n) => n.reaches),
  };
}
