import { describe, expect, it, vi } from 'vitest';
import { createEvent, type EventEnvelope } from '../../../lambdas/core/domain/events';
import { formatAmount } from '../../../lambdas/core/domain/money';
import type { Bank, BankRefundOutcome } from '../../../lambdas/core/use-cases/ports/bank';
import type { RefundExecutions } from '../../../lambdas/core/use-cases/ports/bank-attempts';
import type { PaymentRecord } from '../../../lambdas/core/use-cases/ports/payments';
import { compensatePayment, executeRefundAtBank } from '../../../lambdas/core/use-cases/refund-at-bank';
import { refundPayment } from '../../../lambdas/core/use-cases/refunds';
import { BANK_RETRY_SETTINGS, NOW, paymentRecord, sandboxOnly, usd } from '../../support/bank-use-cases';
import { inMemoryPayments } from '../../support/in-memory-payments';

const SETTINGS = BANK_RETRY_SETTINGS;
const REFUND_ID = 'b1d1c7a4-6f55-4a59-8f1e-0c1b6e2d9a01';

/** A payment refunded in full by one refund of 25.00, waiting for the bank. */
function refundedPayment(): PaymentRecord {
  return paymentRecord({ status: 'REFUNDED', refundedAmount: '25.0000' });
}

function inMemoryRefund(bankAttempts = 0) {
  const stored = {
    payment: refundedPayment(),
    status: 'PENDING' as 'PENDING' | 'EXECUTED' | 'FAILED',
    failureReason: undefined as string | undefined,
    bankAttempts,
    nextAttemptAt: undefined as Date | undefined,
    events: [] as EventEnvelope[],
    released: 0,
  };
  const executions: RefundExecutions = {
    bankClaim: () => ({
      async claim() {
        if (stored.status !== 'PENDING') return undefined;
        return {
          paymentId: stored.payment.id,
          merchantId: stored.payment.merchantId,
          mode: stored.payment.mode,
          chargeId: 'ch_1',
          amount: usd('25.0000'),
          bankAttempts: stored.bankAttempts,
        };
      },
      renew: async () => stored.status === 'PENDING',
      expiry: async () => undefined,
      async release() {
        stored.released += 1;
      },
    }),
    async markExecuted(_id, _bankRefundId, event) {
      stored.status = 'EXECUTED';
      stored.events.push(event);
    },
    inTransaction: (work) =>
      work({
        async markFailed(_id, reason) {
          if (stored.status !== 'PENDING') return undefined;
          stored.status = 'FAILED';
          stored.failureReason = reason;
          return { payment: stored.payment, amount: usd('25.0000') };
        },
        async giveBack(_payment, decision) {
          stored.payment = {
            ...stored.payment,
            refundedAmount: decision.refundedAfter,
            status: decision.statusAfter,
          };
          stored.events.push(decision.event);
        },
      }),
    async defer(_id, _holder, at, counted) {
      stored.bankAttempts += counted ? 1 : 0;
      stored.nextAttemptAt = at;
    },
    overdue: async () => [],
  };
  return { executions, stored };
}

const bankRefunding = (outcome: BankRefundOutcome): Bank => ({
  charge: async () => {
    throw new Error('no charges here');
  },
  refund: async () => outcome,
  lookupCharge: async () => ({ kind: 'not_found' }),
});

const run = (executions: RefundExecutions, outcome: BankRefundOutcome) =>
  executeRefundAtBank(
    { executions, banks: sandboxOnly(bankRefunding(outcome)), settings: SETTINGS, clock: () => NOW },
    REFUND_ID,
    // No time to retry a write, and no waiting for a claim held elsewhere.
    { deadline: NOW, waitForHolder: false },
  );

describe('executing a refund at the bank', () => {
  it('records an executed refund with the event the ledger reverses on', async () => {
    const { executions, stored } = inMemoryRefund();

    expect(await run(executions, { kind: 'refunded', bankRefundId: 're_1' })).toBe('executed');

    expect(stored.status).toBe('EXECUTED');
    expect(stored.events).toEqual([
      expect.objectContaining({
        type: 'payment.refund_executed',
        data: { refundId: REFUND_ID, amount: '25.00', currency: 'USD', bankRefundId: 're_1' },
      }),
    ]);
  });

  it('gives the claim back when recording the executed refund fails, so a retry may claim it at once', async () => {
    const { executions, stored } = inMemoryRefund();
    executions.markExecuted = async () => {
      throw new Error('Connection terminated unexpectedly');
    };

    await expect(run(executions, { kind: 'refunded', bankRefundId: 're_1' })).rejects.toThrow('Connection');

    expect(stored.released).toBe(1);
    expect(stored.status).toBe('PENDING');
  });

  it("records the bank's refund once the database is back, within the deadline, instead of giving up", async () => {
    const { executions, stored } = inMemoryRefund();
    const markExecuted = executions.markExecuted;
    let failuresLeft = 2;
    executions.markExecuted = async (...args) => {
      if (failuresLeft-- > 0) throw new Error('Connection terminated unexpectedly');
      return markExecuted(...args);
    };
    const bank = bankRefunding({ kind: 'refunded', bankRefundId: 're_1' });
    const refunds = vi.spyOn(bank, 'refund');

    const result = await executeRefundAtBank(
      { executions, banks: sandboxOnly(bank), settings: SETTINGS, clock: () => new Date() },
      REFUND_ID,
      { deadline: new Date(Date.now() + 60_000), waitForHolder: false },
    );

    expect(result).toBe('executed');
    expect(stored.status).toBe('EXECUTED');
    expect(stored.released).toBe(0);
    expect(refunds).toHaveBeenCalledTimes(1);
  });

  it('fails a refund the bank rejects at once and gives its amount back to the payment', async () => {
    const { executions, stored } = inMemoryRefund();

    expect(await run(executions, { kind: 'rejected', reason: 'refund_rejected' })).toBe('failed');

    expect(stored).toMatchObject({
      status: 'FAILED',
      failureReason: 'rejected by the bank: refund_rejected',
    });
    expect(stored.payment.status).toBe('SUCCESS');
    expect(stored.payment.refundedAmount).toEqual(usd('0.00'));
    expect(stored.events).toEqual([
      expect.objectContaining({
        type: 'payment.refund_failed',
        data: {
          refundId: REFUND_ID,
          amount: '25.00',
          currency: 'USD',
          refundedTotal: '0.00',
          statusAfter: 'SUCCESS',
          reason: 'rejected by the bank: refund_rejected',
        },
      }),
    ]);
  });

  it('waits with backoff while the bank gives no decision', async () => {
    const { executions, stored } = inMemoryRefund(1);

    expect(await run(executions, { kind: 'unavailable', reason: 'bank answered 503' })).toBe('deferred');

    expect(stored).toMatchObject({ status: 'PENDING', bankAttempts: 2 });
    expect(stored.nextAttemptAt).toEqual(new Date(NOW.getTime() + 2000));
  });

  it('gives up after the attempt limit: FAILED with the reason, never retried forever', async () => {
    const { executions, stored } = inMemoryRefund(SETTINGS.giveUpAfterAttempts - 1);

    expect(await run(executions, { kind: 'unavailable', reason: 'bank answered 503' })).toBe('failed');

    expect(stored).toMatchObject({
      status: 'FAILED',
      failureReason: 'bank unavailable after 3 attempts: bank answered 503',
    });
    expect(stored.payment.status).toBe('SUCCESS');
  });

  it('does not give up on a refund for attempts the open circuit breaker never sent', async () => {
    const { executions, stored } = inMemoryRefund(SETTINGS.giveUpAfterAttempts - 1);

    expect(await run(executions, { kind: 'circuit_open' })).toBe('deferred');

    expect(stored).toMatchObject({ status: 'PENDING', bankAttempts: SETTINGS.giveUpAfterAttempts - 1 });
  });

  it('does nothing for a refund it cannot claim (executed, failed, or claimed elsewhere)', async () => {
    const { executions, stored } = inMemoryRefund();
    stored.status = 'FAILED';

    expect(await run(executions, { kind: 'refunded', bankRefundId: 're_1' })).toBe('not_claimed');
    expect(stored.events).toEqual([]);
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
    expect(payments.payments.get(paymentId)?.record).toMatchObject({ status: 'REFUNDED' });
    expect(payments.outbox.map((event) => event.type)).toEqual(['payment.refunded']);
  });

  it('has nothing to compensate for a payment the merchant already refunded in full', async () => {
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
