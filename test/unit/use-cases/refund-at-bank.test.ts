import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../lambdas/core/domain/events';
import { formatAmount } from '../../../lambdas/core/domain/money';
import type { Bank } from '../../../lambdas/core/use-cases/ports/bank';
import type { PaymentRecord } from '../../../lambdas/core/use-cases/ports/payments';
import type { RefundExecutions } from '../../../lambdas/core/use-cases/ports/refund-executions';
import { compensatePayment, executeRefundAtBank } from '../../../lambdas/core/use-cases/refund-at-bank';
import { refundPayment } from '../../../lambdas/core/use-cases/refunds';
import {
  BANK_RETRY_SETTINGS,
  bankRefunding,
  NOW,
  paymentRecord,
  sandboxOnly,
  usd,
} from '../../support/bank-use-cases';
import { inMemoryPayments } from '../../support/in-memory-payments';

const SETTINGS = BANK_RETRY_SETTINGS;

/**
 * A payment of 25.00 refunded in full by one refund waiting for the bank, after `bankAttempts` undecided
 * attempts: the shared in-memory payments, so the refund, the payment and the outbox move as in the database.
 */
async function pendingRefund(bankAttempts = 0) {
  const payments = inMemoryPayments(() => NOW);
  const seeded = payments.seed(paymentRecord({ status: 'SUCCESS', refundedAmount: '0.0000' }));
  seeded.bankChargeId = 'ch_1';
  const { refund } = await refundPayment(
    payments.store,
    {
      merchantId: 'mer_test',
      mode: 'test',
      paymentId: seeded.record.id,
      idempotencyKey: 'k',
      requestHash: 'h',
    },
    () => NOW,
  );
  const stored = payments.refunds.find(
    (candidate) => candidate.id === refund.id,
  ) as (typeof payments.refunds)[number];
  stored.bankAttempts = bankAttempts;
  // Only what the execution writes: the refund's `payment.refunded` is the recording's.
  payments.outbox.length = 0;
  const payment = () => payments.payments.get(seeded.record.id)?.record as PaymentRecord;
  return { payments, refund: stored, payment };
}

const run = (executions: RefundExecutions, bank: Bank, refundId: string) =>
  executeRefundAtBank(
    { executions, banks: sandboxOnly(bank), settings: SETTINGS, clock: () => NOW },
    refundId,
    // No time to retry a write, and no waiting for a claim held elsewhere.
    { deadline: NOW, waitForHolder: false },
  );

const refundFailedEvent = (refundId: string, reason: string) =>
  expect.objectContaining({
    type: 'payment.refund_failed',
    data: {
      refundId,
      amount: '25.00',
      currency: 'USD',
      refundedTotal: '0.00',
      pendingTotal: '0.00',
      statusAfter: 'SUCCESS',
      reason,
    },
  });

const refundExecutedEvent = (refundId: string, bankRefundId: string) =>
  expect.objectContaining({
    type: 'payment.refund_executed',
    data: {
      refundId,
      amount: '25.00',
      currency: 'USD',
      bankRefundId,
      refundedTotal: '25.00',
      pendingTotal: '0.00',
      statusAfter: 'REFUNDED',
    },
  });

describe('executing a refund at the bank', () => {
  it('records an executed refund, moves its payment and writes the event the ledger reverses on', async () => {
    const { payments, refund, payment } = await pendingRefund();
    expect(payment()).toMatchObject({ status: 'SUCCESS', pendingRefundAmount: usd('25.00') });
    const { bank } = bankRefunding({ kind: 'refunded', bankRefundId: 're_1' });

    expect(await run(payments.executions, bank, refund.id)).toBe('executed');

    expect(refund).toMatchObject({ status: 'EXECUTED', bankRefundId: 're_1' });
    expect(payment()).toMatchObject({
      status: 'REFUNDED',
      refundedAmount: usd('25.00'),
      pendingRefundAmount: usd('0.00'),
    });
    expect(payments.outbox).toEqual([refundExecutedEvent(refund.id, 're_1')]);
  });

  it('gives the claim back when recording the executed refund fails, so a retry may claim it at once', async () => {
    const { payments, refund } = await pendingRefund();
    const { bank } = bankRefunding({ kind: 'refunded', bankRefundId: 're_1' });
    const executions: RefundExecutions = {
      ...payments.executions,
      inTransaction: async () => {
        throw new Error('Connection terminated unexpectedly');
      },
    };

    await expect(run(executions, bank, refund.id)).rejects.toThrow('Connection');

    expect(refund).toMatchObject({ status: 'PENDING', claim: null });
  });

  it("records the bank's refund once the database is back, within the deadline, instead of giving up", async () => {
    const { payments, refund } = await pendingRefund();
    let failuresLeft = 2;
    const executions: RefundExecutions = {
      ...payments.executions,
      inTransaction: async (work) => {
        if (failuresLeft-- > 0) throw new Error('Connection terminated unexpectedly');
        return payments.executions.inTransaction(work);
      },
    };
    const { bank, calls } = bankRefunding({ kind: 'refunded', bankRefundId: 're_1' });

    const result = await executeRefundAtBank(
      {
        executions,
        banks: sandboxOnly(bank),
        settings: SETTINGS,
        clock: () => new Date(),
      },
      refund.id,
      { deadline: new Date(Date.now() + 60_000), waitForHolder: false },
    );

    expect(result).toBe('executed');
    expect(refund.status).toBe('EXECUTED');
    expect(calls).toEqual(['refund']);
  });

  it('fails a refund the bank rejects at once and gives its amount back to the payment', async () => {
    const { payments, refund, payment } = await pendingRefund();
    const { bank, calls } = bankRefunding({ kind: 'rejected', reason: 'refund_rejected' });

    expect(await run(payments.executions, bank, refund.id)).toBe('failed');

    expect(refund).toMatchObject({
      status: 'FAILED',
      failureReason: 'rejected by the bank: refund_rejected',
    });
    expect(payment()).toMatchObject({ status: 'SUCCESS', refundedAmount: usd('0.00') });
    expect(payments.outbox).toEqual([refundFailedEvent(refund.id, 'rejected by the bank: refund_rejected')]);
    expect(calls).toEqual(['refund']);
  });

  it('waits with backoff while the bank gives no decision, without looking the refund up yet', async () => {
    const { payments, refund } = await pendingRefund(1);
    const { bank, calls, refunded } = bankRefunding({ kind: 'unavailable', reason: 'bank answered 503' });

    expect(await run(payments.executions, bank, refund.id)).toBe('deferred');
    // A retry: it tells the bank (and so the breaker) that an attempt was left undecided before.
    expect(refunded.map((request) => request.earlierAttempts)).toEqual([1]);

    expect(refund).toMatchObject({ status: 'PENDING', bankAttempts: 2 });
    expect(refund.nextAttemptAt).toEqual(new Date(NOW.getTime() + 2000));
    expect(calls).toEqual(['refund']);
  });

  it('does not give up on a refund for attempts the open circuit breaker never sent', async () => {
    const { payments, refund } = await pendingRefund(SETTINGS.giveUpAfterAttempts - 1);
    const { bank, calls } = bankRefunding({ kind: 'circuit_open' });

    expect(await run(payments.executions, bank, refund.id)).toBe('deferred');

    expect(refund).toMatchObject({ status: 'PENDING', bankAttempts: SETTINGS.giveUpAfterAttempts - 1 });
    expect(calls).toEqual(['refund']);
  });

  it('does nothing for a refund it cannot claim (executed, failed, or claimed elsewhere)', async () => {
    const { payments, refund } = await pendingRefund();
    refund.status = 'FAILED';
    const { bank, calls } = bankRefunding({ kind: 'refunded', bankRefundId: 're_1' });

    expect(await run(payments.executions, bank, refund.id)).toBe('not_claimed');
    expect(payments.outbox).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('giving up on a refund after the attempt limit: looked up at the bank first', () => {
  const lastAttempt = () => pendingRefund(SETTINGS.giveUpAfterAttempts - 1);
  const unavailable = { kind: 'unavailable', reason: 'bank answered 503' } as const;

  it('records a refund the bank did execute (its answer was lost) as executed, never as failed', async () => {
    const { payments, refund, payment } = await lastAttempt();
    const { bank, calls } = bankRefunding(unavailable, { kind: 'refunded', bankRefundId: 're_found' });

    expect(await run(payments.executions, bank, refund.id)).toBe('executed');

    expect(calls).toEqual(['refund', 'lookup']);
    expect(refund).toMatchObject({ status: 'EXECUTED', bankRefundId: 're_found' });
    expect(payment()).toMatchObject({ status: 'REFUNDED' });
    expect(payments.outbox).toEqual([refundExecutedEvent(refund.id, 're_found')]);
  });

  it("fails a refund the bank rejected with the bank's reason", async () => {
    const { payments, refund, payment } = await lastAttempt();
    const { bank } = bankRefunding(unavailable, { kind: 'rejected', reason: 'charge_already_refunded' });

    expect(await run(payments.executions, bank, refund.id)).toBe('failed');

    expect(refund).toMatchObject({
      status: 'FAILED',
      failureReason: 'rejected by the bank: charge_already_refunded',
    });
    expect(payment()).toMatchObject({ status: 'SUCCESS', refundedAmount: usd('0.00') });
    expect(payments.outbox).toEqual([
      refundFailedEvent(refund.id, 'rejected by the bank: charge_already_refunded'),
    ]);
  });

  it('fails a refund the bank never made as given up, and gives its amount back', async () => {
    const { payments, refund, payment } = await lastAttempt();
    const { bank, calls } = bankRefunding(unavailable, { kind: 'not_found' });

    expect(await run(payments.executions, bank, refund.id)).toBe('failed');

    expect(calls).toEqual(['refund', 'lookup']);
    expect(refund).toMatchObject({
      status: 'FAILED',
      failureReason: 'bank unavailable after 3 attempts: bank answered 503',
    });
    expect(payment()).toMatchObject({ status: 'SUCCESS', refundedAmount: usd('0.00') });
    expect(payments.outbox).toEqual([
      refundFailedEvent(refund.id, 'bank unavailable after 3 attempts: bank answered 503'),
    ]);
  });

  it('keeps a refund waiting while the bank cannot say whether it executed it', async () => {
    const { payments, refund, payment } = await lastAttempt();
    const { bank, calls } = bankRefunding(unavailable, unavailable);

    expect(await run(payments.executions, bank, refund.id)).toBe('deferred');

    expect(calls).toEqual(['refund', 'lookup']);
    expect(refund).toMatchObject({ status: 'PENDING', bankAttempts: SETTINGS.giveUpAfterAttempts });
    expect(refund.nextAttemptAt).toEqual(new Date(NOW.getTime() + 4000));
    expect(payment()).toMatchObject({ status: 'SUCCESS', pendingRefundAmount: usd('25.00') });
    expect(payments.outbox).toEqual([]);
  });
});

describe('compensating a payment the ledger could not post (the saga)', () => {
  /** A SUCCESS payment of 25.00 and the ledger's report that its posting was refused. */
  function refusedPosting() {
    const payments = inMemoryPayments(() => NOW);
    const { record } = payments.seed(paymentRecord({ status: 'SUCCESS', refundedAmount: '0.0000' }));
    const failure = createEvent(
      'ledger.posting_failed',
      { paymentId: record.id, merchantId: record.merchantId, mode: record.mode },
      { failedEventId: crypto.randomUUID(), reason: 'merchant account frozen: fraud review' },
      NOW,
    );
    return { payments, failure, paymentId: record.id };
  }

  it('refunds the payment in full, once for a redelivered failure', async () => {
    const { payments, failure, paymentId } = refusedPosting();

    const outcomes = [
      await compensatePayment(payments.store, failure, () => NOW),
      await compensatePayment(payments.store, failure, () => NOW),
    ];

    expect(outcomes).toEqual(['compensated', 'compensated']);
    expect(payments.refunds).toEqual([
      expect.objectContaining({
        amount: expect.toSatisfy((amount) => formatAmount(amount) === '25.00', '25.00'),
        reason: 'compensation: merchant account frozen: fraud review',
        idempotencyKey: `compensation:${failure.data.failedEventId}`,
      }),
    ]);
    expect(payments.payments.get(paymentId)?.record).toMatchObject({
      status: 'SUCCESS',
      pendingRefundAmount: usd('25.00'),
    });
    expect(payments.outbox.map((event) => event.type)).toEqual(['payment.refunded']);
  });

  it('has nothing to compensate for a payment the merchant already refunded in full, even still pending', async () => {
    const { payments, failure, paymentId } = refusedPosting();
    await refundPayment(
      payments.store,
      { merchantId: 'mer_test', mode: 'test', paymentId, idempotencyKey: 'k', requestHash: 'h' },
      () => NOW,
    );

    expect(await compensatePayment(payments.store, failure, () => NOW)).toBe('not_refundable');
    expect(payments.refunds).toHaveLength(1);
  });
});
