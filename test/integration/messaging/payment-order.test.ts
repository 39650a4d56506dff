import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresLedger } from '../../../lambdas/core/adapters/postgres/ledger';
import { postgresParkedPayments } from '../../../lambdas/core/adapters/postgres/parked-payments';
import { sqsDeadLetterQueue } from '../../../lambdas/core/adapters/sqs/dead-letter-queue';
import { ENV } from '../../../lambdas/core/config/environment';
import { CONSUMERS, type ConsumerSettings } from '../../../lambdas/core/config/messaging';
import { createEvent } from '../../../lambdas/core/domain/events';
import { consumerHandler } from '../../../lambdas/core/messaging/consumer-handler';
import { LEDGER_EVENTS, postToLedger } from '../../../lambdas/core/use-cases/post-to-ledger';
import { localSqsClient } from '../../../localstack/src/engines/elasticmq';
import {
  type EventSourceMapping,
  sqsOnFailureDestination,
  startEventSourceMapping,
} from '../../../localstack/src/runner/event-source-mapping';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { insertQuietPayment, testDatabase } from '../../support/database';
import { eventually } from '../../support/eventually';
import { testKafka } from '../../support/kafka';
import { localEndpoints } from '../../support/local-stack';
import { runScript } from '../../support/run-script';
import { testDeadLetterQueue } from '../../support/test-queue';

const db = testDatabase();
const kafka = testKafka();
const endpoints = localEndpoints();
// The functions' environment (region and credentials of the local SQS among it), as the runner gives it.
Object.assign(process.env, handlerEnvironment(endpoints));
const running: EventSourceMapping[] = [];
afterAll(async () => {
  await Promise.all(running.map((mapping) => mapping.stop()));
});

const entriesOf = async (paymentId: string) =>
  (
    await db.query<{ kind: string; amount: string }>(
      `SELECT e.kind, p.amount::text AS amount FROM ledger.journal_entries e
       JOIN ledger.postings p ON p.entry_id = e.id AND p.direction = 'debit'
       WHERE e.payment_id = $1 ORDER BY e.posted_at`,
      [paymentId],
    )
  ).rows;

describe("a payment's events across a dead letter", () => {
  it('parks the refund behind its dead-lettered capture; the redrive posts the capture, then the reversal', async () => {
    const id = randomUUID().slice(0, 8);
    const queue = await testDeadLetterQueue();
    const settings: ConsumerSettings = {
      ...CONSUMERS.ledger,
      groupId: `aspay-tests-order-${id}`,
      topic: `aspay-tests-order-${id}`,
    };
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: settings.topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    // A ledger build with a bug that fails every capture, until the fix is deployed.
    let fixDeployed = false;
    const ledger = consumerHandler(
      settings,
      sqsDeadLetterQueue(queue.url, endpoints.sqsEndpoint),
      LEDGER_EVENTS,
      async (event) => {
        if (!fixDeployed && event.type === 'payment.succeeded') throw new TypeError('a bug in this build');
        await postToLedger(postgresLedger(db), event, () => new Date());
      },
      postgresParkedPayments(async () => db),
    );
    running.push(
      await startEventSourceMapping(kafka, settings, {
        handler: ledger,
        bootstrapServers: endpoints.kafkaBrokers,
        onFailure: sqsOnFailureDestination(localSqsClient(endpoints.sqsEndpoint), queue.url),
      }),
    );

    const paymentId = await insertQuietPayment(db, '25.00');
    const ids = { paymentId, merchantId: 'mer_demo_acme', mode: 'test' } as const;
    const capture = createEvent(
      'payment.succeeded',
      ids,
      { amount: '25.00', currency: 'USD', status: 'SUCCESS', source: 'tok_success' },
      new Date(),
    );
    const refundId = randomUUID();
    const refund = createEvent(
      'payment.refund_executed',
      ids,
      { refundId, amount: '25.00', currency: 'USD', bankRefundId: 're_payment_order_test' },
      new Date(),
    );
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: settings.topic,
      acks: -1,
      messages: [capture, refund].map((event) => ({ key: paymentId, value: JSON.stringify(event) })),
    });
    await producer.disconnect();

    const letters = await eventually(
      () => queue.letters(),
      (found) => found.length === 2,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const captureLetter = letters.find((letter) => letter.body.offset === 0);
    const refundLetter = letters.find((letter) => letter.body.offset === 1);
    expect(captureLetter?.body).toMatchObject({
      consumer: 'ledger',
      attempts: 3,
      lastError: 'TypeError: a bug in this build',
    });
    expect(refundLetter?.body).toMatchObject({
      consumer: 'ledger',
      attempts: 0,
      lastError: `ParkedBehindDeadLetterError: payment ${paymentId} is parked behind dead letter ${captureLetter?.id} (partition 0); redrive that letter first`,
    });
    expect(await entriesOf(paymentId)).toEqual([]);

    fixDeployed = true;
    const redriven = await runScript('cli/aspay.ts', ['dlq', 'redrive', captureLetter?.id ?? '', '--json'], {
      [ENV.deadLetterQueueUrl]: queue.url,
    });
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout).redriven).toEqual([captureLetter?.id, refundLetter?.id]);

    expect(
      await eventually(
        () => entriesOf(paymentId),
        (entries) => entries.length === 2,
        { timeoutMs: 30_000, intervalMs: 500 },
      ),
    ).toEqual([
      { kind: 'payment', amount: '25.0000' },
      { kind: 'refund', amount: '25.0000' },
    ]);
    expect(await queue.letters()).toEqual([]);
    const parked = await db.query('SELECT 1 FROM parked_payments WHERE payment_id = $1', [paymentId]);
    expect(parked.rowCount).toBe(0);

    // The payment as the events describe it, so the ledger's invariants hold for it (aspay ledger verify).
    await db.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [paymentId]);
    await db.query("UPDATE payments SET status = 'SUCCESS' WHERE id = $1", [paymentId]);
    await db.query(
      `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, executed_at)
       VALUES ($1, $2, 'mer_demo_acme', 'test', $3, 'test', 25.00, 'USD', 'EXECUTED', now())`,
      [refundId, paymentId, `payment-order-${refundId}`],
    );
    await db.query("UPDATE payments SET status = 'REFUNDED', refunded_amount = amount WHERE id = $1", [
      paymentId,
    ]);
  }, 120_000);
});
