/**
 * The asynchronous pipeline under load: payments offered at fixed rates through the API, each followed to
 * SUCCESS with the database's own timestamps (payments.created_at, when the create transaction began, to the
 * SUCCESS history row's occurred_at), and the round trips a payment's whole life costs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { waitForQuiet } from '../chaos/quiet';
import { RDS_PROXY_MESSAGE_COUNTS } from '../localstack/src/engines/rds-proxy';
import { RUNNER_INVOCATION_COUNTS } from '../localstack/src/runner/invocation-counts';
import { LOG_DIR, localAwsClientConfig, ROOT } from '../localstack/src/settings';
import type { LocalEndpoints } from '../localstack/src/stack';
import { createPayments, type LoadResult } from './load';
import { cpuPerPayment, stackCpuMs } from './process-cpu';
import { type PipelineStep, percentile, perSecond } from './stats';

/** The bench's own database connections say who they are, so that their backends' CPU is counted apart. */
export const BENCH_APPLICATION_NAME = 'aspay-bench';

/** The PostgreSQL backends of the bench's own connections. */
async function benchBackends(pool: pg.Pool): Promise<ReadonlySet<number>> {
  const { rows } = await pool.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [BENCH_APPLICATION_NAME],
  );
  return new Set(rows.map((row) => row.pid));
}

/** How long a measurement waits for the previous one's payments to finish before it gives up. */
const BACKLOG_TIMEOUT_MS = 300_000;

export interface StepResult extends PipelineStep {
  readonly durationSeconds: number;
  /** Payments that reached SUCCESS per second of the step (those that finished after it do not count). */
  readonly completedPerSecond: number;
  /** Requests that were not answered 202 (statuses, transport errors). */
  readonly refused: number;
  /** How long the backlog took to reach SUCCESS after the step's load ended. */
  readonly drainedAfterMs: number;
  /**
   * CPU per accepted payment, by part of the stack and by kind, from the step's start until all its payments'
   * work was done (posted, notified, receipts): what the stack burns while idle meanwhile is included.
   */
  readonly cpuMsPerPayment: ReturnType<typeof cpuPerPayment>;
  /** What the functions (the API and the runner) logged per accepted payment, at the stack's log level. */
  readonly functionLogBytesPerPayment: number;
}

/**
 * Bytes in the functions' logs (the API's and the runner's, rotated files included): what CloudWatch Logs would
 * ingest from the handlers. A rotation that drops the oldest file mid-step makes the growth read low.
 */
function functionLogBytes(): number {
  if (!existsSync(LOG_DIR)) return 0;
  return readdirSync(LOG_DIR)
    .filter((name) => /^(api|runner)\.log/.test(name))
    .reduce((sum, name) => sum + statSync(join(LOG_DIR, name)).size, 0);
}

interface Timing {
  created_at: Date;
  succeeded_at: Date | null;
}

async function timingsOf(pool: pg.Pool, keyPrefix: string): Promise<Timing[]> {
  const { rows } = await pool.query<Timing>(
    `SELECT p.created_at, h.occurred_at AS succeeded_at FROM payments p
     LEFT JOIN payment_status_history h ON h.payment_id = p.id AND h.to_status = 'SUCCESS'
     WHERE p.idempotency_key LIKE $1`,
    [`${keyPrefix}%`],
  );
  return rows;
}

/** Waits until every payment of the step succeeded, or nothing progressed for `stallMs`. */
async function waitForSuccess(pool: pg.Pool, keyPrefix: string, stallMs: number): Promise<Timing[]> {
  let best = -1;
  let progressAt = Date.now();
  for (;;) {
    const timings = await timingsOf(pool, keyPrefix);
    const done = timings.filter((t) => t.succeeded_at).length;
    if (done === timings.length) return timings;
    if (done > best) {
      best = done;
      progressAt = Date.now();
    } else if (Date.now() - progressAt > stallMs) return timings;
    await sleep(250);
  }
}

export async function pipelineStep(
  endpoints: LocalEndpoints,
  pool: pg.Pool,
  offeredPerSecond: number,
  durationSeconds: number,
  runId: string,
  clockTicksPerSecond: number,
): Promise<StepResult> {
  const keyPrefix = `bench-${runId}-r${offeredPerSecond}-`;
  await waitForBenchBacklog(pool, runId, BACKLOG_TIMEOUT_MS);
  const cpuBefore = stackCpuMs(ROOT, clockTicksPerSecond, await benchBackends(pool));
  const logBytesBefore = functionLogBytes();
  const startedAt = Date.now();
  const load: LoadResult = await createPayments(endpoints, {
    // Enough connections that a slow answer does not lower the offered rate.
    connections: Math.max(8, Math.ceil(offeredPerSecond / 5)),
    durationSeconds,
    overallRate: offeredPerSecond,
    keyPrefix,
  });
  const loadEndedAt = Date.now();
  const timings = await waitForSuccess(pool, keyPrefix, 20_000);
  const latencies = timings
    .filter((t) => t.succeeded_at)
    .map((t) => (t.succeeded_at as Date).getTime() - t.created_at.getTime());
  const completedInStep = timings.filter(
    (t) => t.succeeded_at && t.succeeded_at.getTime() <= loadEndedAt,
  ).length;
  const lastSuccess = Math.max(loadEndedAt, ...timings.map((t) => t.succeeded_at?.getTime() ?? 0));
  // Every payment's whole life: the ledger's posting, the notice and the receipt come after its SUCCESS.
  await waitForBenchBacklog(pool, runId, BACKLOG_TIMEOUT_MS);
  const cpuMsPerPayment = cpuPerPayment(
    cpuBefore,
    stackCpuMs(ROOT, clockTicksPerSecond, await benchBackends(pool)),
    Math.max(1, timings.length),
  );
  return {
    offeredPerSecond,
    durationSeconds,
    accepted: timings.length,
    completed: latencies.length,
    completedPerSecond: perSecond(completedInStep, loadEndedAt - startedAt),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    refused: load.requests - load.accepted + load.errors,
    drainedAfterMs: lastSuccess - loadEndedAt,
    cpuMsPerPayment,
    functionLogBytesPerPayment:
      Math.max(0, functionLogBytes() - logBytesBefore) / Math.max(1, timings.length),
  };
}

/**
 * Waits until the bench's earlier payments have finished their lives (events published, SUCCESS, ledger posted,
 * notice delivered), so that a measurement does not pay for the backlog of the one before it. Only this run's
 * payments count: a reused stack may hold payments that wait on purpose (a bank error's retries), and an earlier
 * run's may wait for good, their events gone with a Kafka log that `npm test` started afresh.
 */
export async function waitForBenchBacklog(pool: pg.Pool, runId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ moving: string }>(
      `WITH bench AS (SELECT id, status FROM payments WHERE idempotency_key LIKE $1)
       SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)
         + (SELECT count(*) FROM bench WHERE status IN ('INITIATED', 'PENDING'))
         + (SELECT count(*) FROM bench b WHERE b.status = 'SUCCESS' AND NOT EXISTS
             (SELECT 1 FROM ledger.journal_entries e WHERE e.payment_id = b.id AND e.kind = 'payment'))
         + (SELECT count(*) FROM outbox o JOIN bench b ON b.id = o.aggregate_id
             WHERE o.event_type = 'payment.succeeded' AND NOT EXISTS
               (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.event_id AND d.status <> 'pending'))
         AS moving`,
      [`bench-${runId}-%`],
    );
    const moving = Number(rows[0]?.moving ?? 0);
    if (moving === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `the pipeline still had ${moving} events or payments in motion after ${timeoutMs / 1_000} s`,
      );
    await sleep(500);
  }
}

/** Counters read before and after a measured batch of payments. */
interface Counters {
  /** Client messages the local RDS Proxy counted, per database role and message type (empty if it counts none). */
  readonly proxyMessages: Record<string, Record<string, number>>;
  readonly transactions: number;
  readonly commits: number;
  /** The next transaction id: PostgreSQL gives one only to a transaction that writes. */
  readonly nextXid: number;
  /** WAL written since the server started. */
  readonly walBytes: number;
  readonly kafkaRecords: number;
  readonly dynamodbItems: number;
  /** Invocations per function the runner has made (consumer batches, schedules); empty if it counts none. */
  readonly runnerInvocations: Record<string, number>;
  readonly at: number;
}

async function readCounters(
  endpoints: LocalEndpoints,
  pool: pg.Pool,
  kafka: Kafka,
  dynamodb: DynamoDBClient,
) {
  const database = new URL(endpoints.databaseUrl).pathname.slice(1);
  const { rows } = await pool.query<{
    commits: string;
    rollbacks: string;
    next_xid: string;
    wal_bytes: string;
  }>(
    `SELECT xact_commit::text AS commits, xact_rollback::text AS rollbacks,
            pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid,
            (SELECT wal_bytes::text FROM pg_stat_wal) AS wal_bytes
       FROM pg_stat_database WHERE datname = $1`,
    [database],
  );
  const admin = kafka.admin();
  await admin.connect();
  let kafkaRecords = 0;
  try {
    const topics = (await admin.listTopics()).filter((topic) => !topic.startsWith('__'));
    for (const topic of topics)
      for (const partition of await admin.fetchTopicOffsets(topic)) kafkaRecords += Number(partition.high);
  } finally {
    await admin.disconnect();
  }
  let dynamodbItems = 0;
  let startKey: Record<string, never> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: endpoints.coordinationTable,
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    dynamodbItems += page.Count ?? 0;
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  const commits = Number(rows[0]?.commits ?? 0);
  // The proxy rewrites its counts every second: wait for the messages sent so far to be in the file.
  await sleep(1_100);
  const proxyMessages = existsSync(RDS_PROXY_MESSAGE_COUNTS)
    ? (JSON.parse(readFileSync(RDS_PROXY_MESSAGE_COUNTS, 'utf8')) as Counters['proxyMessages'])
    : {};
  const runnerInvocations = existsSync(RUNNER_INVOCATION_COUNTS)
    ? (JSON.parse(readFileSync(RUNNER_INVOCATION_COUNTS, 'utf8')) as Counters['runnerInvocations'])
    : {};
  return {
    proxyMessages,
    commits,
    transactions: commits + Number(rows[0]?.rollbacks ?? 0),
    nextXid: Number(rows[0]?.next_xid ?? 0),
    walBytes: Number(rows[0]?.wal_bytes ?? 0),
    kafkaRecords,
    dynamodbItems,
    runnerInvocations,
    at: Date.now(),
  } satisfies Counters;
}

export interface PerPayment {
  readonly payments: number;
  /** PostgreSQL transactions (commits + rollbacks, autocommitted statements included) per payment, idle polling removed. */
  readonly transactions: number;
  readonly commits: number;
  /**
   * Transactions that wrote (each got a transaction id), per payment, idle writes removed: what pushes log
   * records to Aurora's storage (its write I/Os), where a read-only commit pushes none.
   */
  readonly writingTransactions: number;
  /** WAL bytes per payment, idle removed: how much each writing transaction logs. */
  readonly walBytes: number;
  /** What the stack does with no load, per second (the relay's idle polls, the schedules): subtracted above. */
  readonly idleTransactionsPerSecond: number;
  /**
   * Round trips to PostgreSQL (a simple Query or an extended query's Sync, each waits for the server) and
   * statements (Query + Execute), per database role, as the local RDS Proxy counted them, idle traffic
   * removed; undefined when the running proxy does not count (started before it could).
   */
  readonly roundTrips: Record<string, number> | undefined;
  readonly statements: Record<string, number> | undefined;
  readonly kafkaRecords: number;
  /** DynamoDB items a payment's life leaves (idempotency records of the API and the consumers). */
  readonly dynamodbItems: number;
  /**
   * The runner's invocations per payment by function (consumer batches and schedules), idle ones removed, and
   * their total; undefined when the running runner does not count (started before it could).
   */
  readonly runnerInvocations: Record<string, number> | undefined;
  readonly elapsedMs: number;
}

/**
 * A payment's life in counted work: `payments` payments at a gentle rate, measured from before the first to
 * the moment the system is quiet again (every event published, ledger posted, notice delivered), minus the
 * stack's idle activity over the same time (measured first, with no load).
 */
export async function perPaymentCost(
  endpoints: LocalEndpoints,
  pool: pg.Pool,
  kafka: Kafka,
  {
    payments,
    rate,
    runId,
    idleSeconds,
  }: { payments: number; rate: number; runId: string; idleSeconds: number },
): Promise<PerPayment> {
  const dynamodb = new DynamoDBClient(localAwsClientConfig(endpoints.dynamodbEndpoint));
  try {
    await waitForBenchBacklog(pool, runId, BACKLOG_TIMEOUT_MS);
    const idleStart = await readCounters(endpoints, pool, kafka, dynamodb);
    await sleep(idleSeconds * 1_000);
    const idleEnd = await readCounters(endpoints, pool, kafka, dynamodb);
    // The counter reads themselves are transactions (2 per read): leave them out of the idle rate.
    const idleRate = (delta: number) => perSecond(Math.max(0, delta - 2), idleEnd.at - idleStart.at);
    const idleTransactionsPerSecond = idleRate(idleEnd.transactions - idleStart.transactions);
    const idleCommitsPerSecond = idleRate(idleEnd.commits - idleStart.commits);
    const keyPrefix = `bench-${runId}-cost-`;
    const before = await readCounters(endpoints, pool, kafka, dynamodb);
    await createPayments(endpoints, {
      connections: 4,
      durationSeconds: Math.ceil(payments / rate),
      overallRate: rate,
      keyPrefix,
    });
    const { rows } = await pool.query<{ id: string }>(
      'SELECT id FROM payments WHERE idempotency_key LIKE $1',
      [`${keyPrefix}%`],
    );
    const ids = rows.map((row) => row.id);
    const quiet = await waitForQuiet(pool, ids, { timeoutMs: 120_000 });
    if (!quiet.quiet) throw new Error(`the pipeline did not settle: ${JSON.stringify(quiet.motion)}`);
    const after = await readCounters(endpoints, pool, kafka, dynamodb);
    const elapsedMs = after.at - before.at;
    // Bench queries in between: one per quiet poll and per id lookup; a quiet poll every 500 ms.
    const benchQueries = 2 + 1 + Math.ceil(quiet.waitedMs / 500) + 1;
    const idle = (perSecondRate: number) => (perSecondRate * elapsedMs) / 1_000;
    const n = ids.length;
    const idleWindowSeconds = (idleEnd.at - idleStart.at) / 1_000;
    const perRole = (types: readonly string[]) => {
      if (Object.keys(after.proxyMessages).length === 0) return undefined;
      const sum = (counters: Counters, role: string) =>
        types.reduce((total, type) => total + (counters.proxyMessages[role]?.[type] ?? 0), 0);
      const result: Record<string, number> = {};
      for (const role of Object.keys(after.proxyMessages)) {
        const idlePerSecond = (sum(idleEnd, role) - sum(idleStart, role)) / idleWindowSeconds;
        const perPayment = (sum(after, role) - sum(before, role) - idle(idlePerSecond)) / n;
        if (perPayment > 0.05) result[role] = perPayment;
      }
      result.total = Object.values(result).reduce((total, value) => total + value, 0);
      return result;
    };
    const perFunction = () => {
      if (Object.keys(after.runnerInvocations).length === 0) return undefined;
      const count = (counters: Counters, fn: string) => counters.runnerInvocations[fn] ?? 0;
      const result: Record<string, number> = {};
      for (const fn of Object.keys(after.runnerInvocations)) {
        const idlePerSecond = (count(idleEnd, fn) - count(idleStart, fn)) / idleWindowSeconds;
        const perPayment = (count(after, fn) - count(before, fn) - idle(idlePerSecond)) / n;
        if (perPayment > 0.005) result[fn] = perPayment;
      }
      result.total = Object.values(result).reduce((total, value) => total + value, 0);
      return result;
    };
    return {
      payments: n,
      roundTrips: perRole(['Q', 'S']),
      statements: perRole(['Q', 'E']),
      transactions:
        (after.transactions - before.transactions - benchQueries - idle(idleTransactionsPerSecond)) / n,
      commits: (after.commits - before.commits - benchQueries - idle(idleCommitsPerSecond)) / n,
      writingTransactions:
        (after.nextXid - before.nextXid - idle(idleRate(idleEnd.nextXid - idleStart.nextXid))) / n,
      walBytes:
        (after.walBytes - before.walBytes - idle(idleRate(idleEnd.walBytes - idleStart.walBytes))) / n,
      idleTransactionsPerSecond,
      kafkaRecords: (after.kafkaRecords - before.kafkaRecords) / n,
      dynamodbItems: (after.dynamodbItems - before.dynamodbItems) / n,
      runnerInvocations: perFunction(),
      elapsedMs,
    };
  } finally {
    dynamodb.destroy();
  }
}
