import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type BankSettings, bankSettings } from '../../lambdas/core/config/bank';
import { COORDINATION_TABLE } from '../../lambdas/core/config/coordination-table';
import { DATABASE_ROLES } from '../../lambdas/core/config/database-roles';
import { ENV } from '../../lambdas/core/config/environment';
import { DEAD_LETTER_QUEUE, retryBaseMs, SCHEDULED_FUNCTIONS } from '../../lambdas/core/config/messaging';
import { type LatencyRange, parseLatency } from '../../lambdas/core/config/sandbox-bank';
import { type WebhookSettings, webhookSettings } from '../../lambdas/core/config/webhooks';
import { LIVE_BANK_PATH } from './bank/bank-simulator';
import { functionRoleDatabaseUrls } from './database-roles';
import { DEMO_MERCHANTS, seedDemoMerchants } from './demo-merchants';
import { dynamodbEngine } from './engines/dynamodb';
import { elasticmqEngine } from './engines/elasticmq';
import type { Engine } from './engines/engine';
import { kafkaEngine } from './engines/kafka';
import { postgresEngine } from './engines/postgres';
import { ensureRdsProxyCertificate, functionsDatabaseUrl, serverOf } from './engines/rds-proxy';
import { scheduleIntervalMs } from './runner/schedule';
import { databaseIdentity, identityKafka, kafkaClusterId, type StackIdentity } from './runner/stack-identity';
import {
  HOST,
  LOCAL_AWS_ENV,
  LOCAL_JSON,
  LOCAL_STACK_ENV,
  type LocalPorts,
  localPorts,
  ROOT,
  STATE_DIR,
} from './settings';
import { localStripeAccount, STRIPE_EVENTS_PATH } from './stripe/local-account';
import {
  type ManagedProcess,
  runningProcesses,
  type StrayProcess,
  startSupervisedProcess,
  stopProcess,
  stopStrayProcesses,
  tailOf,
} from './support/processes';
import { StackError } from './support/stack-error';
import { isPortOpen, waitUntil } from './support/wait';
import { ensureWebhookSecretsKey } from './webhook-secrets-key';

/** What `.aspay/local.json` holds: everything a client, a test or the CLI needs to reach the local stack. */
export interface LocalEndpoints {
  apiUrl: string;
  /** Straight to PostgreSQL: the CLI, migrations and tests. */
  databaseUrl: string;
  /** Through the local RDS Proxy, with TLS verified, as the migrator. */
  functionsDatabaseUrl: string;
  /** Through the local RDS Proxy as each function role (lambdas/core/config/database-roles.ts): what the handlers get. */
  functionRoleDatabaseUrls: Record<string, string>;
  kafkaBrokers: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  coordinationTable: string;
  deadLetterQueueUrl: string;
  /** The bank's sandbox: where test-mode payments go. */
  bankUrl: string;
  /** The live bank (the same simulator under another path): where live-mode payments go. */
  liveBankUrl: string;
  webhookSinkUrl: string;
  /** The mail catcher's SMTP server (`smtp://127.0.0.1:<port>`): where the functions send customer receipts. */
  mailSmtpUrl: string;
  /** The mail catcher's HTTP API: `GET /messages?to=<address>` reads back what it caught (mail/server.ts). */
  mailCatcherUrl: string;
  /**
   * The Stripe simulator: test mode's Stripe when `ASPAY_TEST_PROCESSOR=stripe` (docs/bank-processor.md), and
   * the API test mode's connector calls unless the user gave a Stripe test key of their own.
   */
  stripeSimulatorUrl: string;
  /** The local key that seals webhook secrets where AWS uses KMS. */
  webhookSecretsKeyFile: string;
  /** The demo merchants: `apiKey` is the test key, `liveApiKey` the live one. */
  merchants: { id: string; apiKey: string; liveApiKey: string }[];
  /** The timings the stack's processes run with, so a tool (the chaos run) can tell how long things take. */
  settings: StackSettings;
}

/**
 * The settings the stack's processes were started with: the `ASPAY_*` variables as set, and what they
 * resolve to through the configuration modules (their defaults where a variable is unset).
 */
export interface StackSettings {
  environment: Record<string, string>;
  bank: BankSettings;
  /** The bank simulator's answer delay. */
  bankLatencyMs: LatencyRange;
  webhooks: Omit<WebhookSettings, 'allowedHosts'>;
  /** How often the local runner invokes each scheduled function. */
  schedulesEveryMs: Record<string, number>;
  /** A consumer's first retry backoff of a failing record. */
  consumerRetryBaseMs: number;
}

export function stackSettings(env: NodeJS.ProcessEnv): StackSettings {
  const { allowedHosts: _local, ...webhooks } = webhookSettings(env);
  return {
    environment: Object.fromEntries(
      Object.entries(env).filter(
        (entry): entry is [string, string] => entry[0].startsWith('ASPAY_') && entry[1] !== undefined,
      ),
    ),
    bank: bankSettings(env),
    bankLatencyMs: parseLatency(env[LOCAL_STACK_ENV.bankLatencyMs]),
    webhooks,
    schedulesEveryMs: Object.fromEntries(
      SCHEDULED_FUNCTIONS.map((scheduled) => [
        scheduled.handler,
        scheduleIntervalMs(scheduled.everyMinutes, env),
      ]),
    ),
    consumerRetryBaseMs: retryBaseMs(env),
  };
}

/**
 * The settings to record: this environment's when this call started a process that reads them, else those
 * recorded when the running processes were started (a later `local:up` in another shell changes none of them).
 */
function settingsOfProcesses(started: readonly ManagedProcess[]): StackSettings {
  const recorded = existsSync(LOCAL_JSON)
    ? (JSON.parse(readFileSync(LOCAL_JSON, 'utf8')) as Partial<LocalEndpoints>).settings
    : undefined;
  const startedNow = started.some((process) =>
    ['api', 'runner', 'bank', 'stripe-simulator'].includes(process.name),
  );
  return recorded && !startedNow ? recorded : stackSettings(process.env);
}

export interface RunningStack {
  endpoints: LocalEndpoints;
  /** Processes this call started (engines already running are reused and not listed). */
  started: ManagedProcess[];
  /** Processes of an earlier stack of this checkout that no pid file named any more, stopped first. */
  strays: StrayProcess[];
}

/** `fresh`: start from empty state (a dropped database, an empty Kafka log) for the engines this run starts. */
export function engines(ports: LocalPorts, { fresh = false } = {}) {
  return {
    postgres: postgresEngine(ports, { fresh }),
    kafka: kafkaEngine(ports, { fresh }),
    dynamodb: dynamodbEngine(ports),
    sqs: elasticmqEngine(ports),
  };
}

/**
 * For the processes that host functions outside a Lambda runtime (the local API and the event runner), where
 * Powertools' tracer is off (it traces only in a Lambda runtime): the X-Ray SDK's automatic mode would still
 * track its context with async hooks on every promise (cls-hooked), about 1 ms of CPU per API request for
 * nothing; manual mode does not install them
 * (https://docs.aws.amazon.com/xray-sdk-for-nodejs/latest/reference, "Automatic and manual mode"). In AWS
 * the functions trace actively, in automatic mode, and pay that cost.
 */
const UNTRACED_HOST_ENV = { AWS_XRAY_MANUAL_MODE: 'true' } as const;

/**
 * The environment the Lambda handlers receive locally (in AWS, the CDK stack sets the same names). Each
 * invocation sees its own role's DATABASE_URL (see lambda-runtime.ts), as each function in AWS has its own.
 */
export function handlerEnvironment(endpoints: LocalEndpoints): Record<string, string> {
  return {
    ...LOCAL_AWS_ENV,
    [LOCAL_STACK_ENV.functionDatabaseUrls]: JSON.stringify(endpoints.functionRoleDatabaseUrls),
    [ENV.kafkaBrokers]: endpoints.kafkaBrokers,
    [ENV.dynamodbEndpoint]: endpoints.dynamodbEndpoint,
    [ENV.sqsEndpoint]: endpoints.sqsEndpoint,
    [ENV.coordinationTable]: endpoints.coordinationTable,
    [ENV.deadLetterQueueUrl]: endpoints.deadLetterQueueUrl,
    [ENV.bankApiUrl]: endpoints.liveBankUrl,
    [ENV.bankSandboxApiUrl]: endpoints.bankUrl,
    [ENV.webhookSecretsKeyFile]: endpoints.webhookSecretsKeyFile,
    ...stripeEnvironment(endpoints),
    // The sink is plain http on 127.0.0.1, which the webhook URL rules refuse everywhere else.
    [ENV.webhookAllowHosts]: new URL(endpoints.webhookSinkUrl).host,
    // Customer receipts go by SMTP to the mail catcher, where AWS sends them through Amazon SES.
    [ENV.receiptsSmtpUrl]: endpoints.mailSmtpUrl,
    [ENV.receiptsFromAddress]: 'receipts@aspay.local',
    [ENV.stage]: 'local',
    POWERTOOLS_SERVICE_NAME: 'aspay',
    POWERTOOLS_METRICS_NAMESPACE: 'ASPay',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    TZ: 'UTC',
  };
}

/**
 * Each mode's processor as the user chose it when starting the stack (unset: the simulator for test mode, the
 * live bank simulator for live), and test mode's Stripe account: the local Stripe simulator's, or the user's
 * own test key (then Stripe itself). Live mode never reaches Stripe locally unless the user sets its variables.
 */
function stripeEnvironment(endpoints: LocalEndpoints): Record<string, string> {
  const account = localStripeAccount(endpoints.stripeSimulatorUrl);
  const passThrough = [
    ENV.testProcessor,
    ENV.liveProcessor,
    ENV.stripeLiveSecretKey,
    ENV.stripeLiveWebhookSecret,
  ];
  return {
    ...Object.fromEntries(
      passThrough.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
    ),
    [ENV.stripeTestSecretKey]: account.secretKey,
    [ENV.stripeTestWebhookSecret]: account.webhookSecret,
    ...(account.apiUrl ? { [ENV.stripeTestApiUrl]: account.apiUrl } : {}),
  };
}

/**
 * Brings up every engine that is not already running, prepares it (schema, topics, table, queue, demo
 * merchants) and starts the local API. On failure it stops what it started and throws a one-line StackError.
 */
export async function bringUp({ fresh = false } = {}): Promise<RunningStack> {
  // A stray service would work for the engines this call starts (or reuses) beside the new one.
  const strays = await stopStrayProcesses();
  const ports = localPorts();
  const all = engines(ports, { fresh });
  const list: Engine[] = Object.values(all);
  const started: ManagedProcess[] = [];
  try {
    const outcomes = await Promise.allSettled(list.map((engine) => engine.start()));
    for (const outcome of outcomes)
      if (outcome.status === 'fulfilled' && outcome.value) started.push(outcome.value);
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    await Promise.all(list.map((engine) => engine.bootstrap()));
    await ensureRdsProxyCertificate();

    const throughProxy = functionsDatabaseUrl(all.postgres.databaseUrl(), ports.dbProxy);
    const endpoints: LocalEndpoints = {
      apiUrl: `http://${HOST}:${ports.api}`,
      databaseUrl: all.postgres.databaseUrl(),
      functionsDatabaseUrl: throughProxy,
      functionRoleDatabaseUrls: functionRoleDatabaseUrls(throughProxy),
      kafkaBrokers: all.kafka.endpoint,
      dynamodbEndpoint: all.dynamodb.endpoint,
      sqsEndpoint: all.sqs.endpoint,
      coordinationTable: COORDINATION_TABLE.defaultName,
      deadLetterQueueUrl: `${all.sqs.endpoint}/000000000000/${DEAD_LETTER_QUEUE.name}`,
      bankUrl: `http://${HOST}:${ports.bank}`,
      liveBankUrl: `http://${HOST}:${ports.bank}${LIVE_BANK_PATH}`,
      webhookSinkUrl: `http://${HOST}:${ports.webhookSink}`,
      mailSmtpUrl: `smtp://${HOST}:${ports.mailSmtp}`,
      mailCatcherUrl: `http://${HOST}:${ports.mailHttp}`,
      stripeSimulatorUrl: `http://${HOST}:${ports.stripeSimulator}`,
      webhookSecretsKeyFile: ensureWebhookSecretsKey(),
      merchants: DEMO_MERCHANTS.map(({ id, apiKey, liveApiKey }) => ({ id, apiKey, liveApiKey })),
      settings: stackSettings(process.env),
    };
    await seedDemoMerchants(endpoints);
    const identity: StackIdentity = {
      kafkaClusterId: await kafkaClusterId(identityKafka([all.kafka.endpoint])),
      database: await databaseIdentity(endpoints.databaseUrl),
    };
    const services = [
      rdsProxyService(ports, endpoints),
      bankService(ports, endpoints),
      webhookSinkService(ports, endpoints),
      mailCatcherService(ports, endpoints),
      stripeSimulatorService(ports, endpoints),
      apiService(ports, endpoints),
      runnerService(endpoints, identity),
    ];
    for (const service of services) {
      const process = await startService(service);
      if (process) started.push(process);
    }
    endpoints.settings = settingsOfProcesses(started);
    mkdirSync(STATE_DIR, { recursive: true });
    writeFileSync(LOCAL_JSON, `${JSON.stringify(endpoints, null, 2)}\n`);
    return { endpoints, started, strays };
  } catch (error) {
    await stopProcesses(started.map((process) => process.name));
    if (error instanceof StackError) throw error;
    throw new StackError(`the local stack did not start: ${(error as Error).message}`);
  }
}

export interface Service {
  name: string;
  /** Under localstack/src. */
  script: string;
  env: NodeJS.ProcessEnv;
  /** True when an instance already serves; undefined for a service that cannot be probed (always started). */
  isHealthy: (() => Promise<boolean>) | undefined;
  isReady: (process: ManagedProcess) => Promise<boolean>;
  port?: { number: number; env: string };
  /** How long it may take to become ready (60 s unless told). */
  readyWithinMs?: number;
}

const answers = (url: string) => async () => {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.status < 500 || response.status === 503;
};

function apiService(ports: LocalPorts, endpoints: LocalEndpoints): Service {
  const isHealthy = answers(`${endpoints.apiUrl}/health`);
  return {
    name: 'api',
    script: 'gateway/server.ts',
    env: {
      ...handlerEnvironment(endpoints),
      ...UNTRACED_HOST_ENV,
      // Its /health checks PostgreSQL as its functions reach it: through the local RDS Proxy, as their role.
      DATABASE_URL: endpoints.functionRoleDatabaseUrls[DATABASE_ROLES.api.name] ?? '',
      [LOCAL_STACK_ENV.ports.api]: String(ports.api),
    },
    isHealthy,
    isReady: isHealthy,
    port: { number: ports.api, env: LOCAL_STACK_ENV.ports.api },
  };
}

/** Whether a PostgreSQL session opens through `url` (the proxy answers, verifies TLS, and lets it through). */
const opensSession = (url: string) => async () => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
};

function rdsProxyService(ports: LocalPorts, endpoints: LocalEndpoints): Service {
  const { host, port } = serverOf(endpoints.databaseUrl);
  const isHealthy = opensSession(endpoints.functionsDatabaseUrl);
  return {
    name: 'rds-proxy',
    script: 'engines/rds-proxy-server.ts',
    env: {
      [LOCAL_STACK_ENV.ports.dbProxy]: String(ports.dbProxy),
      [LOCAL_STACK_ENV.rdsProxyTarget]: `${host}:${port}`,
    },
    isHealthy,
    isReady: () => isHealthy().catch(() => false),
    port: { number: ports.dbProxy, env: LOCAL_STACK_ENV.ports.dbProxy },
  };
}

function bankService(ports: LocalPorts, endpoints: LocalEndpoints): Service {
  const isHealthy = answers(`${endpoints.bankUrl}/admin/charges?reference=health`);
  return {
    name: 'bank',
    script: 'bank/server.ts',
    env: { [LOCAL_STACK_ENV.ports.bank]: String(ports.bank) },
    isHealthy,
    isReady: isHealthy,
    port: { number: ports.bank, env: LOCAL_STACK_ENV.ports.bank },
  };
}

function webhookSinkService(ports: LocalPorts, endpoints: LocalEndpoints): Service {
  const isHealthy = answers(`${endpoints.webhookSinkUrl}/deliveries?merchantId=health`);
  return {
    name: 'webhook-sink',
    script: 'webhooks/server.ts',
    env: { [LOCAL_STACK_ENV.ports.webhookSink]: String(ports.webhookSink) },
    isHealthy,
    isReady: isHealthy,
    port: { number: ports.webhookSink, env: LOCAL_STACK_ENV.ports.webhookSink },
  };
}

/**
 * The mail catcher: an SMTP server that keeps what it is sent, and an HTTP API to read it back. It answers
 * /health only once its SMTP server listens; it refuses to run (and says so in its log) when its SMTP port is
 * taken.
 */
function mailCatcherService(ports: LocalPorts, endpoints: LocalEndpoints): Service {
  const isHealthy = async () => {
    const response = await fetch(`${endpoints.mailCatcherUrl}/health`, {
      signal: AbortSignal.timeout(2_000),
    });
    return response.status === 200;
  };
  return {
    name: 'mail-catcher',
    script: 'mail/server.ts',
    env: {
      [LOCAL_STACK_ENV.ports.mailSmtp]: String(ports.mailSmtp),
      [LOCAL_STACK_ENV.ports.mailHttp]: String(ports.mailHttp),
    },
    isHealthy,
    isReady: isHealthy,
    port: { number: ports.mailHttp, env: LOCAL_STACK_ENV.ports.mailHttp },
  };
}

/** The Stripe simulator, sending test mode's signed events to the local API's inbound Stripe route. */
function stripeSimulatorService(ports: LocalPorts, endpoints: LocalEndpoints): Service {
  const isHealthy = answers(`${endpoints.stripeSimulatorUrl}/_simulator/events`);
  const names = LOCAL_STACK_ENV;
  return {
    name: 'stripe-simulator',
    script: 'stripe/server.ts',
    env: {
      [names.ports.stripeSimulator]: String(ports.stripeSimulator),
      [names.stripeSimulatorWebhookUrl]: `${endpoints.apiUrl}${STRIPE_EVENTS_PATH}`,
      [names.stripeSimulatorWebhookSecret]: localStripeAccount(endpoints.stripeSimulatorUrl).webhookSecret,
      ...(process.env[names.stripeSimulatorLatencyMs]
        ? { [names.stripeSimulatorLatencyMs]: process.env[names.stripeSimulatorLatencyMs] }
        : {}),
      ...(process.env[names.stripeSimulatorLaterMs]
        ? { [names.stripeSimulatorLaterMs]: process.env[names.stripeSimulatorLaterMs] }
        : {}),
    },
    isHealthy,
    isReady: isHealthy,
    port: { number: ports.stripeSimulator, env: names.ports.stripeSimulator },
  };
}

/** The runner consumes only from the broker and the database its stack has now (runner/stack-identity.ts). */
function runnerService(endpoints: LocalEndpoints, identity: StackIdentity): Service {
  return {
    name: 'runner',
    script: 'runner/server.ts',
    env: {
      ...handlerEnvironment(endpoints),
      ...UNTRACED_HOST_ENV,
      [LOCAL_STACK_ENV.stackKafkaClusterId]: identity.kafkaClusterId,
      [LOCAL_STACK_ENV.stackDatabaseIdentity]: identity.database,
    },
    // A runner started earlier (by local:up) is reused as long as it lives.
    isHealthy: async () => runningProcesses().includes('runner'),
    isReady: async (process) => readFileSync(process.logFile, 'utf8').includes('runner started'),
  };
}

/**
 * Starts a Node.js service of the local stack under the supervisor (restarted whenever it crashes) unless one
 * already serves, and waits until it is ready. A service that does not become ready is stopped before the
 * error is thrown: the caller stops only what it was handed, so a failed start must leave nothing running.
 */
export async function startService(service: Service): Promise<ManagedProcess | undefined> {
  if (service.isHealthy && (await service.isHealthy().catch(() => false))) return undefined;
  if (service.port && (await isPortOpen(service.port.number))) {
    throw new StackError(
      `port ${service.port.number} for the ${service.name} is taken by another program: stop it or set ${service.port.env}`,
    );
  }
  const started = startSupervisedProcess(service.name, join(ROOT, 'localstack', 'src', service.script), {
    env: service.env,
  });
  try {
    const ready = await waitUntil(() => service.isReady(started), {
      timeoutMs: service.readyWithinMs ?? 60_000,
      abort: () => {
        const reason = started.exitReason();
        return reason && `the ${service.name} ${reason}: ${tailOf(started.logFile)}`;
      },
    }).catch((error: Error) => {
      throw new StackError(error.message);
    });
    if (!ready) throw new StackError(`the ${service.name} did not become ready: ${tailOf(started.logFile)}`);
    return started;
  } catch (error) {
    await stopProcess(service.name);
    throw error;
  }
}

/**
 * Stops the named processes: the services first so nothing calls an engine that is going away, then the
 * RDS Proxy the handlers reach PostgreSQL through, then the engines.
 */
export async function stopProcesses(names: readonly string[]): Promise<void> {
  const stopOrder: Record<string, number> = {
    api: 0,
    runner: 0,
    bank: 0,
    'webhook-sink': 0,
    'mail-catcher': 0,
    'stripe-simulator': 0,
    'rds-proxy': 1,
  };
  const rank = (name: string) => stopOrder[name] ?? 2;
  const servicesFirst = [...names].sort((a, b) => rank(a) - rank(b));
  for (const name of servicesFirst) await stopProcess(name);
}

/**
 * Stops everything the local stack started, whichever command started it: the processes its pid files name,
 * then any other process of this checkout's stack (a service whose supervisor was killed, say).
 */
export async function bringDown(): Promise<{ stopped: string[]; strays: StrayProcess[] }> {
  const stopped = runningProcesses();
  await stopProcesses(stopped);
  const strays = await stopStrayProcesses();
  rmSync(LOCAL_JSON, { force: true });
  return { stopped, strays };
}
