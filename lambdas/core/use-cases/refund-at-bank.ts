import { type BankRetrySettings, nextBankAttemptAt } from '../config/bank';
import { RefundExceedsAvailableError, RefundNotAllowedError } from '../domain/errors';
import { createEvent, type EventEnvelope, modeOf } from '../domain/events';
import { planRefundFailure, type RefundFailure, refundFailureReason } from '../domain/payment';
import { releasingClaimOnFailure } from './bank-claims';
import type { Clock } from './payments';
import type { Banks } from './ports/bank';
import type { RefundClaim, RefundExecutions } from './ports/bank-attempts';
import type { RefundStore } from './ports/refunds';
import { refundPayment } from './refunds';

/**
 * The saga's compensation (choreography): the ledger could not post a SUCCESS payment, so the processor
 * refunds it in full — recorded like any refund, `SUCCESS → REFUNDED`, with its `payment.refunded` event,
 * which in turn drives the bank refund and the merchant's notification. Keyed by the failed event, so a
 * redelivered failure compensates once.
 */
export async function compensatePayment(
  store: RefundStore,
  failure: EventEnvelope<'ledger.posting_failed'>,
  clock: Clock,
): Promise<'compensated' | 'not_refundable'> {
  try {
    await refundPayment(
      store,
      {
        merchantId: failure.merchantId,
        mode: modeOf(failure),
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

export interface RefundExecutionDeps {
  readonly executions: RefundExecutions;
  /** Chosen by the payment's mode: a test refund never reaches the live bank. */
  readonly banks: Banks;
  readonly settings: BankRetrySettings;
  readonly clock: Clock;
}

export type RefundExecutionResult =
  | 'executed'
  | 'failed'
  | 'deferred'
  /** Executed, failed, or another caller is calling the bank for it right now. */
  | 'not_claimed';

/**
 * A refund that did not happen gives its amount back to the payment (REFUNDED → SUCCESS when it had
 * completed the refunds), with its `payment.refund_failed` event, in one transaction.
 */
async function failRefund(
  deps: RefundExecutionDeps,
  refundId: string,
  failure: RefundFailure,
): Promise<void> {
  const reason = refundFailureReason(failure);
  await deps.executions.inTransaction(async (tx) => {
    const failed = await tx.markFailed(refundId, reason);
    if (!failed) return;
    const { payment } = failed;
    const plan = planRefundFailure({
      status: payment.status,
      amount: payment.amount,
      refunded: payment.refundedAmount,
      failed: failed.amount,
    });
    const decision = {
      refundedAfter: plan.refundedAfter,
      statusAfter: plan.statusAfter,
      event: createEvent(
        'payment.refund_failed',
        { paymentId: payment.id, merchantId: payment.merchantId, mode: payment.mode },
        {
          refundId,
          amount: failed.amount,
          currency: payment.currency,
          refundedTotal: plan.refundedAfter,
          statusAfter: plan.statusAfter,
          reason,
        },
        deps.clock(),
      ),
    };
    await tx.giveBack(payment, decision, `refund failed: ${reason}`);
  });
}

/**
 * Executes a recorded refund at the bank (idempotency key = refund id), once, by the holder of its claim.
 * Executed: recorded with its `payment.refund_executed` event (on which the ledger reverses the payment).
 * Rejected by the bank: FAILED at once. No decision (bank unavailable, an answer for an operator): waits for
 * the pending-payments sweeper with backoff, and after `giveUpAfterAttempts` attempts is FAILED too, so no
 * refund waits forever; a failed refund is visible (refund status and reason, RefundsFailed alarm).
 */
export async function executeRefundAtBank(
  deps: RefundExecutionDeps,
  refundId: string,
): Promise<RefundExecutionResult> {
  const claim = await deps.executions.claim(refundId, deps.clock(), deps.settings.claimLeaseMs);
  if (!claim) return 'not_claimed';
  return releasingClaimOnFailure(
    () => executeClaimed(deps, refundId, claim),
    () => deps.executions.release(refundId),
  );
}

async function executeClaimed(
  deps: RefundExecutionDeps,
  refundId: string,
  claim: RefundClaim,
): Promise<RefundExecutionResult> {
  const outcome = await deps.banks[claim.mode].refund({
    chargeId: claim.chargeId,
    refundId,
    amount: claim.amount,
  });
  switch (outcome.kind) {
    case 'refunded':
      await deps.executions.markExecuted(
        refundId,
        outcome.bankRefundId,
        createEvent(
          'payment.refund_executed',
          { paymentId: claim.paymentId, merchantId: claim.merchantId, mode: claim.mode },
          {
            refundId,
            amount: claim.amount,
            currency: claim.amount.currency.code,
            bankRefundId: outcome.bankRefundId,
          },
          deps.clock(),
        ),
      );
      return 'executed';
    case 'rejected':
      await failRefund(deps, refundId, { kind: 'rejected', reason: outcome.reason });
      return 'failed';
    case 'unavailable': {
      const attempts = claim.bankAttempts + 1;
      if (attempts >= deps.settings.giveUpAfterAttempts) {
        await failRefund(deps, refundId, { kind: 'gave_up', attempts, lastReason: outcome.reason });
        return 'failed';
      }
      await deps.executions.defer(refundId, nextBankAttemptAt(deps.settings, deps.clock(), attempts), true);
      return 'deferred';
    }
    case 'circuit_open':
      // The bank was not asked: waits without counting towards the limit.
      await deps.executions.defer(
        refundId,
        nextBankAttemptAt(deps.settings, deps.clock(), Math.max(1, claim.bankAttempts)),
        false,
      );
      return 'deferred';
  }
}
