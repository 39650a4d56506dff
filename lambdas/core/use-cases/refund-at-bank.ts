import { type BankRetrySettings, nextBankAttemptAt } from '../config/bank';
import { RefundExceedsAvailableError, RefundNotAllowedError } from '../domain/errors';
import { createEvent, type EventEnvelope, eventIdsOf, modeOf } from '../domain/events';
import type { Money } from '../domain/money';
import {
  planRefundExecution,
  planRefundFailure,
  type RefundFailure,
  refundFailureReason,
} from '../domain/payment';
import { CLAIM_LAPSED, type ClaimOptions, type HeldClaim, underBankClaim } from './bank-claims';
import type { BankRefundRequest, Banks } from './ports/bank';
import type { Clock } from './ports/clock';
import type { PaymentRecord } from './ports/payments';
import type {
  RefundClaim,
  RefundExecutions,
  RefundOutcomeDecision,
  RefundOutcomeTransaction,
} from './ports/refund-executions';
import type { RefundStore } from './ports/refunds';
import { refundPayment, refundTotalsOf } from './refunds';

/**
 * The saga's compensation (choreography): the ledger could not post a SUCCESS payment, so the processor
 * refunds it in full — recorded like any refund (pending; REFUNDED once the bank executed it), with its
 * `payment.refunded` event, which in turn drives the bank refund and the merchant's notification. Keyed by the failed event, so a
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
 * A refund that did not happen: FAILED with its reason and its amount available again, with its
 * `payment.refund_failed` event, in one transaction, recorded until the deadline (it applies only to a
 * PENDING refund: see `executeRefundAtBank`).
 */
async function failRefund(
  deps: RefundExecutionDeps,
  held: HeldClaim,
  refundId: string,
  failure: RefundFailure,
): Promise<void> {
  const reason = refundFailureReason(failure);
  await held.record(() =>
    deps.executions.inTransaction((tx) => recordRefundFailed(tx, refundId, reason, deps.clock())),
  );
}

/**
 * In `tx`: the PENDING refund FAILED with `reason`, and what that does to its payment (`refundGivenBack`).
 * False when it was no longer PENDING (nothing is written).
 */
export async function recordRefundFailed(
  tx: RefundOutcomeTransaction,
  refundId: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  const failed = await tx.markFailed(refundId, reason);
  if (!failed) return false;
  const decision = refundGivenBack(failed.payment, { id: refundId, amount: failed.amount }, reason, now);
  await tx.applyOutcome(failed.payment, decision, `refund failed: ${reason}`);
  return true;
}

/**
 * In `tx`: the PENDING refund EXECUTED by the bank's `bankRefundId`, and what that does to its payment (the
 * domain's `planRefundExecution`), with its `payment.refund_executed` event, on which the ledger reverses the
 * payment's entry by its amount. False when it was no longer PENDING (nothing is written).
 */
export async function recordRefundExecuted(
  tx: RefundOutcomeTransaction,
  refundId: string,
  bankRefundId: string,
  now: Date,
): Promise<boolean> {
  const executed = await tx.markExecuted(refundId, bankRefundId);
  if (!executed) return false;
  const { payment, amount, reason } = executed;
  const totals = planRefundExecution({ ...refundTotalsOf(payment), executed: amount });
  const event = createEvent(
    'payment.refund_executed',
    eventIdsOf(payment),
    {
      refundId,
      amount,
      currency: payment.currency,
      bankRefundId,
      refundedTotal: totals.refundedAfter,
      pendingTotal: totals.pendingAfter,
      statusAfter: totals.statusAfter,
    },
    now,
  );
  // The status change says why the refund was asked for, when it says, as before the bank executed refunds.
  await tx.applyOutcome(payment, { ...totals, event }, reason ?? 'refund executed by the bank');
  return true;
}

/**
 * What a failed refund gives back to its payment (the domain's `planRefundFailure`), with its event:
 * `payment.refund_failed` for a refund the bank never executed (it leaves the pending total);
 * `payment.refund_reversed` for one it had executed (`reversed` names the bank's refund: it leaves the refunded
 * total, and the ledger reverses the refund's entry).
 */
export function refundGivenBack(
  payment: PaymentRecord,
  refund: { id: string; amount: Money },
  reason: string,
  now: Date,
  reversed?: { bankRefundId: string },
): RefundOutcomeDecision {
  const totals = planRefundFailure({
    ...refundTotalsOf(payment),
    failed: refund.amount,
    wasExecuted: reversed !== undefined,
  });
  const ids = eventIdsOf(payment);
  const data = {
    refundId: refund.id,
    amount: refund.amount,
    currency: payment.currency,
    refundedTotal: totals.refundedAfter,
    pendingTotal: totals.pendingAfter,
    statusAfter: totals.statusAfter,
    reason,
  };
  return {
    ...totals,
    event: reversed
      ? createEvent('payment.refund_reversed', ids, { ...data, bankRefundId: reversed.bankRefundId }, now)
      : createEvent('payment.refund_failed', ids, data, now),
  };
}

/**
 * Executes a recorded refund at the bank (idempotency key = refund id), once, by the holder of its claim
 * (`underBankClaim`). Executed: recorded with its `payment.refund_executed` event (on which the ledger
 * reverses the payment). Rejected by the bank: FAILED at once. No decision (bank unavailable, an answer for an
 * operator): waits for the retry sweep with backoff, and after `giveUpAfterAttempts` attempts is looked up
 * at the bank and, unless the bank executed or rejected it, FAILED too, so no refund waits forever while the
 * bank answers; a failed refund is visible (refund status and reason, RefundsFailed alarm). Outcomes are recorded until the deadline, even after the claim lapsed: executed and failed apply
 * only to a PENDING refund, so of this holder and one that took over only the first records, once.
 */
export async function executeRefundAtBank(
  deps: RefundExecutionDeps,
  refundId: string,
  options: ClaimOptions,
): Promise<RefundExecutionResult> {
  const executed = await underBankClaim(deps, deps.executions.bankClaim(refundId), options, (claim, held) =>
    executeClaimed(deps, refundId, claim, held),
  );
  return executed ?? 'not_claimed';
}

async function executeClaimed(
  deps: RefundExecutionDeps,
  refundId: string,
  claim: RefundClaim,
  held: HeldClaim,
): Promise<RefundExecutionResult | typeof CLAIM_LAPSED> {
  const request: BankRefundRequest = {
    chargeId: claim.chargeId,
    refundId,
    paymentId: claim.paymentId,
    merchantId: claim.merchantId,
    amount: claim.amount,
    earlierAttempts: claim.bankAttempts,
  };
  const outcome = await deps.banks[claim.mode].refund(request, held.signal);
  switch (outcome.kind) {
    case 'refunded':
      return recordExecuted(deps, held, refundId, outcome.bankRefundId);
    case 'rejected':
      await failRefund(deps, held, refundId, { kind: 'rejected', reason: outcome.reason });
      return 'failed';
    case 'unavailable': {
      if (held.signal.aborted) return CLAIM_LAPSED;
      const attempts = claim.bankAttempts + 1;
      if (attempts >= deps.settings.giveUpAfterAttempts)
        return reconcileBeforeGivingUp(deps, held, request, claim, { attempts, lastReason: outcome.reason });
      await deferRefund(deps, held, refundId, attempts);
      return 'deferred';
    }
    case 'circuit_open': {
      // The bank was not asked: waits without counting towards the limit.
      const at = nextBankAttemptAt(deps.settings, deps.clock(), Math.max(1, claim.bankAttempts));
      await held.record(() => deps.executions.defer(refundId, held.holder, at, false));
      return 'deferred';
    }
  }
}

/** The refund executed at the bank, recorded until the deadline (`recordRefundExecuted`). */
async function recordExecuted(
  deps: RefundExecutionDeps,
  held: HeldClaim,
  refundId: string,
  bankRefundId: string,
): Promise<RefundExecutionResult> {
  await held.record(() =>
    deps.executions.inTransaction((tx) => recordRefundExecuted(tx, refundId, bankRefundId, deps.clock())),
  );
  return 'executed';
}

/** Waits for the next attempt (this one reached the bank, so it counts towards the limit). */
async function deferRefund(
  deps: RefundExecutionDeps,
  held: HeldClaim,
  refundId: string,
  attempts: number,
): Promise<void> {
  const at = nextBankAttemptAt(deps.settings, deps.clock(), attempts);
  await held.record(() => deps.executions.defer(refundId, held.holder, at, true));
}

/**
 * Before a refund is given up after the attempt limit, the bank is asked whether it executed it after all (an
 * answer lost to a time-out): executed is recorded as executed, rejected fails with the bank's reason, one the
 * bank never made fails as given up (nothing left the merchant), and while the bank cannot say, the refund
 * keeps waiting: failing it then could give back an amount the bank did refund.
 */
async function reconcileBeforeGivingUp(
  deps: RefundExecutionDeps,
  held: HeldClaim,
  request: BankRefundRequest,
  claim: RefundClaim,
  gaveUp: { attempts: number; lastReason: string },
): Promise<RefundExecutionResult | typeof CLAIM_LAPSED> {
  const found = await deps.banks[claim.mode].lookupRefund(request, held.signal);
  switch (found.kind) {
    case 'refunded':
      return recordExecuted(deps, held, request.refundId, found.bankRefundId);
    case 'rejected':
      await failRefund(deps, held, request.refundId, { kind: 'rejected', reason: found.reason });
      return 'failed';
    case 'not_found':
      await failRefund(deps, held, request.refundId, { kind: 'gave_up', ...gaveUp });
      return 'failed';
    case 'unavailable':
      if (held.signal.aborted) return CLAIM_LAPSED;
      await deferRefund(deps, held, request.refundId, gaveUp.attempts);
      return 'deferred';
  }
}
