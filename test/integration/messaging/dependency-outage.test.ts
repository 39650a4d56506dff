import { afterAll, describe, expect, it } from 'vitest';
import { postgresLedger } from '../../../lambdas/core/adapters/postgres/ledger';
import { postgresParkedPayments } from '../../../lambdas/core/adapters/postgres/parked-payments';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { sqsDeadLetterQueue } from '../../../lambdas/core/adapters/sqs/dead-letter-queue';
import { CONSUMERS, type ConsumerSettings } from '../../../lambdas/core/config/messaging';
import { createEvent } from '../../../lambdas/core/domain/events';
import { consumerHandler } from '../../../lambdas/core/messaging/consumer-handler';
import { DependencyStillUnavailableError } from '../../../lambdas/core/use-cases/errors';
import { LEDGER_EVENTS, postToLedger } from '../../../lambdas/core/use-cases/post-to-ledger';
import { FunctionInvocationError, invokeFunction } from '../../../localstack/src/lambda-runtime';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { insertQuietPayment, testDatabase } from '../../support/database';
import { localEndpoints } from '../../support/local-stack';
import { mskEventCarrying } from '../../support/msk-events';
import { tcpProxy, throughProxy } from '../../support/tcp-proxy';
import { testDeadLetterQueue } from '../../support/test-queue';

const db = testDatabase();
const endpoints = localEndpoints();
// The functions' environment (region and credentials of the local SQS among it), as the runner gives it.
Object.assign(process.env, handlerEnvironment(endpoints));
const database = new URL(endpoints.databaseUrl);
const proxy = await tcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
// Behind the proxy: the ledger function's own pool, which sees the outage.
const proxiedPool = createPool(throughProxy(endpoints.databaseUrl, proxy.port));
afterAll(async () => {
  await proxy.up();
  await proxiedPool.end();
  await proxy.down();
});

const settings: ConsumerSettings = {
  ...CONSUMERS.ledger,
  transientRetry: { baseMs: 200, maxMs: 1_000, stopBeforeTimeoutMs: 1_000 },
};

/** The ledger function as deployed, with its database behind the proxy and a dead-letter queue of its own. */
async function ledgerBehindProxy() {
  const queue = await testDeadLetterQueue();
  const handler = consumerHandler(
    settings,
    sqsDeadLetterQueue(queue.url, endpoints.sqsEndpoint),
    LEDGER_EVENTS,
    async (event) => {
      await postToLedger(postgresLedger(proxiedPool), event, () => new Date());
    },
    postgresParkedPayments(async () => proxiedPool),
  );
  return { queue, handler };
}

/** A payment.succeeded of a payment no event announced, as the ledger would receive it. */
async function captureEvent() {
  const paymentId = await insertQuietPayment(db, '31.00');
  const event = createEvent(
    'payment.succeeded',
    { paymentId, merchantId: 'mer_demo_acme', mode: 'test' },
    { amount: '31.00', currency: 'USD', status: 'SUCCESS', source: 'tok_success' },
    new Date(),
  );
  const msk = mskEventCarrying(settings.topic, event);
  return { paymentId, msk };
}

const paymentEntries = async (paymentId: string) =>
  (
    await db.query("SELECT 1 FROM ledger.journal_entries WHERE payment_id = $1 AND kind = 'payment'", [
      paymentId,
    ])
  ).rowCount;

describe('a consumer while its database is down', () => {
  it('waits for PostgreSQL to come back and posts the event, with no dead letter', async () => {
    const { queue, handler } = await ledgerBehindProxy();
    const { paymentId, msk } = await captureEvent();
    await proxy.down();
    const comesBack = setTimeout(() => void proxy.up(), 6_000);
    try {
      const startedAt = Date.now();
      await invokeFunction(handler, settings.handler, msk, 60);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(5_000);
    } finally {
      clearTimeout(comesBack);
      await proxy.up();
    }
    expect(await paymentEntries(paymentId)).toBe(1);
    expect(await queue.letters()).toEqual([]);
  }, 60_000);

  it('fails the batch without a dead letter when the outage outlasts the invocation; the retry posts it', async () => {
    const { queue, handler } = await ledgerBehindProxy();
    const { paymentId, msk } = await captureEvent();
    await proxy.down();
    let failure: unknown;
    try {
      await invokeFunction(handler, settings.handler, msk, 5);
    } catch (error) {
      failure = error;
    } finally {
      await proxy.up();
    }
    expect(failure).toBeInstanceOf(FunctionInvocationError);
    expect((failure as FunctionInvocationError).cause).toBeInstanceOf(DependencyStillUnavailableError);
    expect(await queue.letters()).toEqual([]);
    expect(await paymentEntries(paymentId)).toBe(0);

    // The event source mapping delivers the same batch again once the database is back.
    await invokeFunction(handler, settings.handler, msk, 60);
    expect(await paymentEntries(paymentId)).toBe(1);
    expect(await queue.letters()).toEqual([]);
  }, 60_000);
});
