import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postgresPaymentLifecycle } from '../../../lambdas/core/adapters/postgres/payment-lifecycle';
import { CONSUMERS } from '../../../lambdas/core/config/messaging';
import { createEvent, paymentSnapshot } from '../../../lambdas/core/domain/events';
import { invokeFunction, loadHandler } from '../../../localstack/src/lambda-runtime';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { bankCallsWith, chargesFor } from '../../support/bank';
import { testDatabase } from '../../support/database';
import { localEndpoints } from '../../support/local-stack';
import { mskEventCarrying } from '../../support/msk-events';

const db = testDatabase();

describe('the bank processor on a payment whose claim holder was killed', () => {
  it('takes the claim over as soon as its lease ends, when the event is delivered again', async () => {
    // Claimed by a processor killed mid-call 6 s into its 10 s lease: the claim stays, nobody renews it.
    // The retry sweep never finds the payment due, so only the redelivered event can settle it. A live payment:
    // the live bank has a breaker of its own, which the sandbox's outage tests never open.
    const paymentId = randomUUID();
    await db.query(
      `INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, source)
       VALUES ($1, 'mer_demo_acme', 'live', $2, 'fixture', 25, 'USD', 'INITIATED', 'tok_success')`,
      [paymentId, randomUUID()],
    );
    await db.query("UPDATE payments SET status = 'PENDING' WHERE id = $1", [paymentId]);
    const { rows } = await db.query<{ expires_at: Date }>(
      `UPDATE payments SET bank_attempt_started_at = now() - interval '6 seconds',
         bank_claim_holder = $2, bank_claim_expires_at = now() + interval '4 seconds',
         next_bank_attempt_at = 'infinity'
       WHERE id = $1 RETURNING bank_claim_expires_at AS expires_at`,
      [paymentId, randomUUID()],
    );
    const expiresAt = (rows[0] as { expires_at: Date }).expires_at.getTime();
    const payment = await postgresPaymentLifecycle(db).find(paymentId);
    if (!payment) throw new Error('fixture missing');
    const initiated = createEvent(
      'payment.initiated',
      { paymentId, merchantId: payment.merchantId, mode: payment.mode },
      paymentSnapshot({ ...payment, status: 'INITIATED' }),
      new Date(),
    );
    Object.assign(process.env, handlerEnvironment(localEndpoints()), { ASPAY_BANK_CLAIM_LEASE_MS: '10000' });
    const handler = await loadHandler('bank-processor');

    await invokeFunction(
      handler,
      'bank-processor',
      mskEventCarrying(CONSUMERS.bankProcessor.topic, initiated),
      60,
    );
    const settledAt = Date.now();

    expect((await postgresPaymentLifecycle(db).find(paymentId))?.status).toBe('SUCCESS');
    // Not before the lease the killed holder wrote, and within seconds of it.
    expect(settledAt).toBeGreaterThanOrEqual(expiresAt);
    expect(settledAt - expiresAt).toBeLessThan(3_000);
    expect(await chargesFor(paymentId, 'live')).toHaveLength(1);
    expect(await bankCallsWith(paymentId, 'live')).toEqual({ charges: 1, refunds: 0 });
  });
});
