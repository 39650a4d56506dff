import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { postgresPaymentLifecycle } from '../../../lambdas/core/adapters/postgres/payment-lifecycle';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { createEvent } from '../../../lambdas/core/domain/events';
import { moneyFromStored } from '../../../lambdas/core/domain/money';
import { paymentSnapshot } from '../../../lambdas/core/use-cases/payments';
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

/**
 * A payment charged at the bank (slowly answering, so its refund is slow too) and refunded in full: the refund
 * recorded, waiting for the bank. Only the test executes it: the sweeper never finds it due.
 */
async function refundWaitingForTheBank(): Promise<{ paymentId: string; refundId: string; chargeId: string }> {
  const paymentId = await initiatedPayment(SLOW);
  const charged = await fetch(`${localEndpoints().bankUrl}/v1/charges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': paymentId },
    body: JSON.stringify({ amount: '25.00', currency: 'USD', source: SLOW, reference: paymentId }),
  });
  const { chargeId } = (await charged.json()) as { chargeId: string };
  await db.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [paymentId]);
  await db.query("UPDATE payments SET status = 'SUCCESS', bank_charge_id = $2 WHERE id = $1", [
    paymentId,
    chargeId,
  ]);
  const refundId = randomUUID();
  await db.query(
    `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency,
       next_bank_attempt_at)
     VALUES ($1, $2, 'mer_demo_acme', 'test', $3, 'fixture', 25, 'USD', 'infinity')`,
    [refundId, paymentId, randomUUID()],
  );
  await db.query("UPDATE payments SET status = 'REFUNDED', refunded_amount = 25 WHERE id = $1", [paymentId]);
  return { paymentId, refundId, chargeId };
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
    // Left PENDING (as a processor that moved it there and died would), so that the sweeper never finds it due:
    // only the bank processor invoked here settles it.
    const paymentId = await initiatedPayment(SLOW);
    await db.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [paymentId]);
    await db.query("UPDATE payments SET next_bank_attempt_at = 'infinity' WHERE id = $1", [paymentId]);
    const refund = await refundWaitingForTheBank();
    const payment = await postgresPaymentLifecycle(db).find(paymentId);
    if (!payment) throw new Error('fixture missing');
    const ids = { merchantId: 'mer_demo_acme', mode: 'test' as const };
    const initiated = createEvent(
      'payment.initiated',
      { ...ids, paymentId },
      paymentSnapshot(payment),
      new Date(),
    );
    const refunded = createEvent(
      'payment.refunded',
      { ...ids, paymentId: refund.paymentId },
      {
        refundId: refund.refundId,
        amount: moneyFromStored('25', 'USD'),
        currency: 'USD',
        refundedTotal: moneyFromStored('25', 'USD'),
        statusAfter: 'REFUNDED',
      },
      new Date(),
    );

    // The bank processor as Lambda runs it, reaching the database through the local RDS Proxy.
    Object.assign(process.env, handlerEnvironment(localEndpoints()), {
      ASPAY_BANK_CLAIM_LEASE_MS: LEASE_MS,
      ASPAY_BANK_TIMEOUT_MS: '15000',
    });
    const handler = await loadHandler('bank-processor');
    const topic = CONSUMERS.bankProcessor.topic;
    const invocations = Promise.allSettled([
      invokeFunction(handler, 'bank-processor', mskEventCarrying(topic, initiated), 120),
      invokeFunction(handler, 'bank-processor', mskEventCarrying(topic, refunded), 120),
    ]);

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
    expect(await bankRefundsOf(refund.chargeId)).toHaveLength(1);
    // One call each: recorded by the processor that had the answer, never repeated by a caller taking over.
    expect(await bankCallsWith(paymentId)).toEqual({ charges: 1, refunds: 0 });
    expect(await bankCallsWith(refund.refundId)).toEqual({ charges: 0, refunds: 1 });
    expect((await invocations).map((invocation) => invocation.status)).toEqual(['fulfilled', 'fulfilled']);
  }, 120_000);
});
