import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { postgresPaymentLifecycle } from '../../../lambdas/core/adapters/postgres/payment-lifecycle';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { createEvent, type EventEnvelope, paymentSnapshot } from '../../../lambdas/core/domain/events';
import { moneyFromStored } from '../../../lambdas/core/domain/money';
import { invokeFunction, loadHandler } from '../../../localstack/src/lambda-runtime';
import { bringUp, handlerEnvironment } from '../../../localstack/src/stack';
import { stopProcess } from '../../../localstack/src/support/processes';
import { bankCallsWith, bankRefundsOf, chargesFor } from '../../support/bank';
import { testDatabase } from '../../support/database';
import { localEndpoints } from '../../support/local-stack';
import { mskEventCarrying } from '../../support/msk-events';

const db = testDatabase();
const testEnvironment = { DATABASE_URL: process.env.DATABASE_URL };
/** Longer than `tok_slow_answer`'s 3 s: both answers reach the bank processor while the database is away. */
const OUTAGE_MS = 8_000;
/**
 * The bank processor's lease, far longer than the outage: a payment or refund that waited for a lease to
 * expire, instead of being recorded by the holder that knows the bank's answer, would show.
 */
const LEASE_MS = '60000';
const SLOW = 'tok_slow_answer';

/** A payment as the API records it, INITIATED, charged with `source`. */
async function initiatedPayment(source: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, source)
     VALUES ($1, 'mer_demo_acme', 'test', $2, 'fixture', 25, 'USD', 'INITIATED', $3)`,
    [id, randomUUID(), source],
  );
  return id;
}

/** Invokes the bank processor with one event, as the event source mapping would. */
type Invoke = (event: EventEnvelope) => Promise<unknown>;

/** The `payment.initiated` event of a payment recorded INITIATED (it may have moved on since). */
async function initiatedEventOf(paymentId: string) {
  const payment = await postgresPaymentLifecycle(db).find(paymentId);
  if (!payment) throw new Error('fixture missing');
  return createEvent(
    'payment.initiated',
    { paymentId, merchantId: payment.merchantId, mode: payment.mode },
    paymentSnapshot({ ...payment, status: 'INITIATED' }),
    new Date(),
  );
}

/**
 * A payment charged (slowly answering, so its refund is slow too) and settled by the bank processor, so the
 * ledger posts it as any other, then refunded in full: the refund recorded, waiting for the bank. Its
 * `payment.refunded` event is left out and the retry sweep never finds it due: only the test executes it.
 */
async function refundWaitingForTheBank(invoke: Invoke): Promise<{ paymentId: string; refundId: string }> {
  const paymentId = await initiatedPayment(SLOW);
  await invoke(await initiatedEventOf(paymentId));
  const refundId = randomUUID();
  await db.query(
    `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency,
       next_bank_attempt_at)
     VALUES ($1, $2, 'mer_demo_acme', 'test', $3, 'fixture', 25, 'USD', 'infinity')`,
    [refundId, paymentId, randomUUID()],
  );
  await db.query('UPDATE payments SET pending_refund_amount = 25 WHERE id = $1', [paymentId]);
  return { paymentId, refundId };
}

/** When `query` (one boolean column `done`) first held, polled every 100 ms; undefined after `timeoutMs`. */
async function whenTrue(query: string, values: unknown[], timeoutMs: number): Promise<number | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { rows } = await db.query<{ done: boolean }>(query, values);
    if (rows[0]?.done) return Date.now();
    await sleep(100);
  }
  return undefined;
}

describe('bank calls in flight when the database goes away', () => {
  it('records the charge and the refund within 10 s of its return, with one bank call each', async () => {
    // The bank processor as Lambda runs it, reaching the database through the local RDS Proxy.
    Object.assign(process.env, handlerEnvironment(localEndpoints()), {
      ASPAY_BANK_CLAIM_LEASE_MS: LEASE_MS,
      ASPAY_BANK_TIMEOUT_MS: '15000',
    });
    const handler = await loadHandler('bank-processor');
    const invoke: Invoke = (event) =>
      invokeFunction(handler, 'bank-processor', mskEventCarrying(CONSUMERS.bankProcessor.topic, event), 120);
    const refund = await refundWaitingForTheBank(invoke);
    const { rows } = await db.query<{ charge: string }>(
      'SELECT bank_charge_id AS charge FROM payments WHERE id = $1',
      [refund.paymentId],
    );
    const chargeId = rows[0]?.charge ?? '';
    // Left PENDING (as a processor that moved it there and died would), so that the retry sweep never finds it due:
    // only the bank processor invoked here settles it.
    const paymentId = await initiatedPayment(SLOW);
    await db.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [paymentId]);
    await db.query("UPDATE payments SET next_bank_attempt_at = 'infinity' WHERE id = $1", [paymentId]);
    const refunded = createEvent(
      'payment.refunded',
      { paymentId: refund.paymentId, merchantId: 'mer_demo_acme', mode: 'test' },
      {
        refundId: refund.refundId,
        amount: moneyFromStored('25', 'USD'),
        currency: 'USD',
        refundedTotal: moneyFromStored('0', 'USD'),
        pendingTotal: moneyFromStored('25', 'USD'),
        statusAfter: 'SUCCESS',
      },
      new Date(),
    );
    const invocations = Promise.allSettled([invoke(await initiatedEventOf(paymentId)), invoke(refunded)]);

    // Both claimed, so both calls are at the bank (which answers in 3 s): now the database goes away.
    const claimed = await whenTrue(
      `SELECT (SELECT bank_attempt_started_at IS NOT NULL FROM payments WHERE id = $1)
          AND (SELECT bank_attempt_started_at IS NOT NULL FROM refunds WHERE id = $2) AS done`,
      [paymentId, refund.refundId],
      10_000,
    );
    expect(claimed).toBeDefined();
    await stopProcess('rds-proxy');
    await sleep(OUTAGE_MS);
    // The stack starts again with the test's environment, not the function's (whose DATABASE_URL is the proxy).
    Object.assign(process.env, { DATABASE_URL: testEnvironment.DATABASE_URL });
    if (testEnvironment.DATABASE_URL === undefined) delete process.env.DATABASE_URL;
    await bringUp();
    const returnedAt = Date.now();
    const [settledAt, executedAt] = await Promise.all([
      whenTrue("SELECT status = 'SUCCESS' AS done FROM payments WHERE id = $1", [paymentId], 10_000),
      whenTrue("SELECT status = 'EXECUTED' AS done FROM refunds WHERE id = $1", [refund.refundId], 10_000),
    ]);

    const afterReturn = (at: number | undefined) => (at === undefined ? 'not within 10 s' : at - returnedAt);
    console.log(
      JSON.stringify({ chargeRecordedMs: afterReturn(settledAt), refundRecordedMs: afterReturn(executedAt) }),
    );
    expect({ settled: settledAt !== undefined, executed: executedAt !== undefined }).toEqual({
      settled: true,
      executed: true,
    });
    expect(await chargesFor(paymentId)).toHaveLength(1);
    expect(await bankRefundsOf(chargeId)).toHaveLength(1);
    // One call each: recorded by the processor that had the answer, never repeated by a caller taking over.
    expect(await bankCallsWith(paymentId)).toEqual({ charges: 1, refunds: 0 });
    expect(await bankCallsWith(refund.refundId)).toEqual({ charges: 0, refunds: 1 });
    expect((await invocations).map((invocation) => invocation.status)).toEqual(['fulfilled', 'fulfilled']);
  }, 120_000);
});
