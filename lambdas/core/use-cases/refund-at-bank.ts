import { RefundExceedsAvailableError, RefundNotAllowedError } from '../domain/errors';
import type { EventEnvelope } from '../domain/events';
import { formatAmount, moneyFromStored } from '../domain/money';
import { type Clock, refundPayment } from './payments';
import type { Bank, PaymentStore, RefundExecutions } from './ports';

/** The bank refused a refund: the record is retried, then sidelined to the dead-letter queue for a human. */
export class BankRefundFailedError extends Error {
  override readonly name = 'BankRefundFailedError';
}

/**
 * The saga's compensation (choreography): the ledger could not post a SUCCESS payment, so the processor
 * refunds it in full — recorded like any refund, `SUCCESS → REFUNDED`, with its `payment.refunded` event,
 * which in turn drives the bank refund and the merchant's notification. Keyed by the failed event, so a
 * redelivered failure compensates once.
 */
export async function compensatePayment(
  store: PaymentStore,
  failure: EventEnvelope<'ledger.posting_failed'>,
  clock: Clock,
): Promise<'compensated' | 'not_refundable'> {
  try {
    await refundPayment(
      store,
      {
        merchantId: failure.merchantId,
        paymentId: failure.paymentId,
        idempotencyKey: `compensation:${failure.data.failedEventId}`,
        requestHash: `compensation:${failure.data.failedEventId}`,
        reason: `compensation: ${failure.data.reason}`,
        kind: 'compensation',
      },
      clock,
    );
    return 'compensated';
  } catch (error) {
    // Already refunded in full by the merchant: nothing is left to compensate.
    if (error instanceof RefundNotAllowedError || error instanceof RefundExceedsAvailableError)
      return 'not_refundable';
    throw error;
  }
}

/**
 * Executes a recorded refund at the bank (idempotency key = refund id), once. While the bank is unavailable
 * the refund waits for the pending-payments sweeper; a refund the bank rejects is an error for a human.
 */
export async function executeRefundAtBank(
  executions: RefundExecutions,
  bank: Bank,
  refundId: string,
): Promise<'executed' | 'already_executed' | 'deferred'> {
  const refund = await executions.pending(refundId);
  if (!refund) return 'already_executed';
  const outcome = await bank.refund({
    chargeId: refund.chargeId,
    refundId,
    amount: formatAmount(moneyFromStored(refund.amount, refund.currency)),
    currency: refund.currency,
  });
  if (outcome.kind !== 'refunded')
    throw new BankRefundFailedError(`refund ${refundId}: ${outcome.kind} (${outcome.reason})`);
  await executions.markExecuted(refundId, outcome.bankRefundId);
  return 'executed';
}
