import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDEMPOTENCY_TABLE } from '../../lambdas/core/config/idempotency';
import { DEAD_LETTER_QUEUE } from '../../lambdas/core/config/messaging';
import { DEMO_MERCHANTS, seedDemoMerchants } from './demo-merchants';
import { dynamodbEngine } from './engines/dynamodb';
import { elasticmqEngine } from './engines/elasticmq';
import type { Engine } from './engines/engine';
import { kafkaEngine } from './engines/kafka';
import { postgresEngine } from './engines/postgres';
import { HOST, LOCAL_AWS_ENV, LOCAL_JSON, type LocalPorts, localPorts, ROOT, STATE_DIR } from './settings';
import {
  type ManagedProcess,
  runningProcesses,
  startProcess,
  stopProcess,
  tailOf,
} from './support/processes';
import { StackError } from './support/stack-error';
import { isPortOpen, waitUntil } from './support/wait';

/** What `.aspay/local.json` holds: everything a client, a test or the CLI needs to reach the local stack. */
export interface LocalEndpoints {
  apiUrl: string;
  databaseUrl: string;
  kafkaBrokers: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  idempotencyTable: string;
  deadLetterQueueUrl: string;
  merchants: { id: string; apiKey: string }[];
}

export interface RunningStack {
  endpoints: LocalEndpoints;
  /** Processes this call started (engines already running are reused and not listed). */
  started: ManagedProcess[];
}

export function engines(ports: LocalPorts) {
  return {
    postgres: postgresEngine(ports),
    kafka: kafkaEngine(ports),
    dynamodb: dynamodbEngine(ports),
    sqs: elasticmqEngine(ports),
  };
}

/** The environment the Lambda handlers receive locally (in AWS, the CDK stack sets the same names). */
export function handlerEnvironment(endpoints: LocalEndpoints): Record<string, string> {
  return {
    ...LOCAL_AWS_ENV,
    DATABASE_URL: endpoints.databaseUrl,
    KAFKA_BROKERS: endpoints.kafkaBrokers,
    DYNAMODB_ENDPOINT: endpoints.dynamodbEndpoint,
    SQS_ENDPOINT: endpoints.sqsEndpoint,
    IDEMPOTENCY_TABLE_NAME: endpoints.idempotencyTable,
    DLQ_URL: endpoints.deadLetterQueueUrl,
    ASPAY_STAGE: 'local',
    POWERTOOLS_SERVICE_NAME: 'aspay',
    POWERTOOLS_METRICS_NAMESPACE: 'ASPay',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    TZ: 'UTC',
  };
}

/**
 * Brings up every engine that is not already running, prepares it (schema, topics, table, queue, demo
 * merchants) and starts the local API. On failure it stops what it started and throws a one-line StackError.
 */
export async function bringUp(): Promise<RunningStack> {
  const ports = localPorts();
  const all = engines(ports);
  const list: Engine[] = Object.values(all);
  const started: ManagedProcess[] = [];
  try {
    const outcomes = await Promise.allSettled(list.map((engine) => engine.start()));
    for (const outcome of outcomes)
      if (outcome.status === 'fulfilled' && outcome.value) started.push(outcome.value);
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    await Promise.all(list.map((engine) => engine.bootstrap()));
    await seedDemoMerchants(all.postgres.databaseUrl());

    const endpoints: LocalEndpoints = {
      apiUrl: `http://${HOST}:${ports.api}`,
      databaseUrl: all.postgres.databaseUrl(),
      kafkaBrokers: all.kafka.endpoint,
      dynamodbEndpoint: all.dynamodb.endpoint,
      sqsEndpoint: all.sqs.endpoint,
      idempotencyTable: IDEMPOTENCY_TABLE.defaultName,
      deadLetterQueueUrl: `${all.sqs.endpoint}/000000000000/${DEAD_LETTER_QUEUE.name}`,
      merchants: DEMO_MERCHANTS.map(({ id, apiKey }) => ({ id, apiKey })),
    };
    const api = await startApi(ports, endpoints);
    if (api) started.push(api);
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(LOCAL_JSON, `${JSON.stringify(endpoints, null, 2)}\n`);
    return { endpoints, started };
  } catch (error) {
    await stopProcesses(started.map((process) => process.name));
    if (error instanceof StackError) throw error;
    throw new StackError(`the local stack did not start: ${(error as Error).message}`);
  }
}

async function apiAnswers(apiUrl: string): Promise<boolean> {
  const response = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(2_000) });
  return response.status === 200 || response.status === 503;
}

async function startApi(ports: LocalPorts, endpoints: LocalEndpoints): Promise<ManagedProcess | undefined> {
  if (await apiAnswers(endpoints.apiUrl).catch(() => false)) return undefined;
  if (await isPortOpen(ports.api)) {
    throw new StackError(
      `port ${ports.api} for the local API is taken by another program: stop it or set ASPAY_API_PORT`,
    );
  }
  const api = startProcess(
    'api',
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'localstack', 'src', 'gateway', 'server.ts')],
    { env: { ...handlerEnvironment(endpoints), ASPAY_API_PORT: String(ports.api) } },
  );
  const healthy = await waitUntil(() => apiAnswers(endpoints.apiUrl), {
    timeoutMs: 30_000,
    abort: () => {
      const reason = api.exitReason();
      return reason && `the local API ${reason}: ${tailOf(api.logFile)}`;
    },
  }).catch((error: Error) => {
    throw new StackError(error.message);
  });
  if (!healthy)
    throw new StackError(`the local API did not answer on ${endpoints.apiUrl}: ${tailOf(api.logFile)}`);
  return api;
}

/** Stops the named processes, the API first so nothing calls an engine that is going away. */
export async function stopProcesses(names: readonly string[]): Promise<void> {
  const apiFirst = [...names].sort((a, b) => Number(b === 'api') - Number(a === 'api'));
  for (const name of apiFirst) await stopProcess(name);
}

/** Stops everything the local stack started, whichever command started it. */
export async function bringDown(): Promise<string[]> {
  const names = runningProcesses();
  await stopProcesses(names);
  rmSync(LOCAL_JSON, { force: true });
  return names;
}
