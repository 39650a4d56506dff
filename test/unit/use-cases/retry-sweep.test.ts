import { describe, expect, it, vi } from 'vitest';
import type { Bank } from '../../../lambdas/core/use-cases/ports/bank';
import type { PaymentLifecycle } from '../../../lambdas/core/use-cases/ports/payment-lifecycle';
import type { PaymentRecord } from '../../../lambdas/core/use-cases/ports/payments';
import type { RefundExecutions } from '../../../lambdas/core/use-cases/ports/refund-executions';
import { retrySweep } from '../../../lambdas/core/use-cases/retry-sweep';
import { BANK_RETRY_SETTINGS, NOW, paymentRecord, sandboxOnly, usd } from '../../support/bank-use-cases';
import { inMemoryWebhookDeliveries, scriptedSender } from '../../support/in-memory-webhook-deliveries';

const BATCH = 25;
const WEBHOOK_SETTINGS = {
  inInvocationAttempts: 3,
  inInvocationBackoffMs: 0,
  retryBaseMs: 60_000,
  retryMaxMs: 60_000,
  giveUpAfterMs: 60_000,
  sweepBatch: 10,
  sweepPerMerchant: 2,
  timeoutMs: 10_000,
  recordingGraceMs: 5_000,
};
const CLAIMED_UNTIL = new Date(NOW.getTime() + 60_000);

/** A bank that cannot answer: a charge waits, a lookup cannot reconcile, a refund is rejected. */
const silentBank: Bank = {
  charge: async () => ({ kind: 'unavailable', reason: 'bank answered 503' }),
  lookupCharge: async () => ({ kind: 'unavailable', reason: 'bank answered 503' }),
  refund: async () => ({ kind: 'rejected', reason: 'charge_already_refunded' }),
  lookupRefund: async () => ({ kind: 'unavailable', reason: 'bank answered 503' }),
};

/** Payments due with their attempts so far, and refunds due; records what the sweep asked for. */
function waitingWork(due: { payment: PaymentRecord; bankAttempts: number }[], refunds: string[]) {
  const asked: unknown[][] = [];
  const lifecycle = {
    async duePending(...args: unknown[]) {
      asked.push(['payments', ...args]);
      return due.map(({ payment }) => payment);
    },
    bankClaim: (id: string) => ({
      async claim() {
        const found = due.find(({ payment }) => payment.id === id);
        return found && { payment: found.payment, bankAttempts: found.bankAttempts };
      },
      async release() {},
    }),
    async deferBankAttempt() {},
  } as unknown as PaymentLifecycle;
  const executions = {
    async overdue(...args: unknown[]) {
      asked.push(['refunds', ...args]);
      return refunds;
    },
    bankClaim: () => ({
      async claim() {
        return { mode: 'test', chargeId: 'ch_1', amount: usd('5.0000'), bankAttempts: 0 };
      },
      async release() {},
    }),
    inTransaction: async () => undefined,
  } as unknown as RefundExecutions;
  return { lifecycle, executions, asked };
}

describe('the retry sweep of what waits on the bank and the merchants', () => {
  it('asks for the due payments and refunds, retries each, and counts what needs an alarm', async () => {
    const pending = (id: string) => ({ ...paymentRecord({ status: 'PENDING', refundedAmount: '0' }), id });
    const { lifecycle, executions, asked } = waitingWork(
      [
        { payment: pending('pay_retried'), bankAttempts: 0 },
        { payment: pending('pay_at_limit'), bankAttempts: BANK_RETRY_SETTINGS.giveUpAfterAttempts },
      ],
      ['ref_rejected'],
    );
    const { deliveries } = inMemoryWebhookDeliveries({});
    const { sender } = scriptedSender();
    const clock = () => NOW;

    const result = await retrySweep(
      {
        bank: { lifecycle, executions, banks: sandboxOnly(silentBank), settings: BANK_RETRY_SETTINGS, clock },
        webhooks: {
          deliveries,
          sender,
          clock,
          settings: WEBHOOK_SETTINGS,
        },
      },
      { batch: BATCH, claimedUntil: CLAIMED_UNTIL },
    );

    expect(asked).toEqual([
      ['payments', NOW, BANK_RETRY_SETTINGS.pendingRetryAfterMs, BATCH],
      ['refunds', NOW, BANK_RETRY_SETTINGS.pendingRetryAfterMs, BATCH],
    ]);
    expect(result).toEqual({
      payments: ['deferred', 'stuck'],
      refunds: ['failed'],
      webhooks: { delivered: 0, pending: 0, failed: 0 },
      stuck: 1,
      failedRefunds: 1,
    });
  });

  it('retries a due refund without waiting for the webhook retries of the same sweep', async () => {
    const { lifecycle, executions } = waitingWork([], ['ref_due']);
    const refunded: string[] = [];
    const bank: Bank = {
      ...silentBank,
      refund: async (request) => {
        refunded.push(request.refundId);
        return { kind: 'rejected', reason: 'charge_already_refunded' };
      },
    };
    const { deliveries } = inMemoryWebhookDeliveries({});
    // A merchant's endpoint that takes its time: this sweep's webhook retries do not end until it answers.
    let answer: (() => void) | undefined;
    const slowEndpoint = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const claimDue = deliveries.claimDue.bind(deliveries);
    deliveries.claimDue = async (...args) => {
      await slowEndpoint;
      return claimDue(...args);
    };
    const { sender } = scriptedSender();
    const clock = () => NOW;

    const sweeping = retrySweep(
      {
        bank: { lifecycle, executions, banks: sandboxOnly(bank), settings: BANK_RETRY_SETTINGS, clock },
        webhooks: { deliveries, sender, clock, settings: WEBHOOK_SETTINGS },
      },
      { batch: BATCH, claimedUntil: CLAIMED_UNTIL },
    );

    await vi.waitFor(() => expect(refunded).toEqual(['ref_due']));
    answer?.();
    expect((await sweeping).refunds).toEqual(['failed']);
  });
});
