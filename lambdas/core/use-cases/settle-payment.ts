import { createEvent } from '../domain/events';
import { formatAmount, moneyFromStored } from '../domain/money';
import { assertTransition } from '../domain/payment';
import type { Clock } from './payments';
import { paymentSnapshot } from './payments';
import type { Bank, PaymentLifecycle, PaymentRecord } from './ports';

export type SettlementResult = 'succeeded' | 'failed' | 'deferred' | 'already_settled' | 'unknown_payment';

export interface SettlementDeps {
  readonly lifecycle: PaymentLifecycle;
  readonly bank: Bank;
  /** How long a payment waits for its next attempt when the bank is unavailable. */
  readonly retryAfterMs: number;
  readonly clock: Clock;
}

async function move(
  deps: SettlementDeps,
  payment: PaymentRecord,
  to: 'PENDING' | 'SUCCESS' | 'FAILED',
  change: { reason?: string; bankChargeId?: string } = {},
): Promise<PaymentRecord | undefined> {
  assertTransition(payment.status, to);
  const type =
    to === 'PENDING' ? 'payment.pending' : to === 'SUCCESS' ? 'payment.succeeded' : 'payment.failed';
  return deps.lifecycle.transition(payment.id, payment.status, to, {
    ...change,
    event: (updated) =>
      createEvent(
        type,
        { paymentId: updated.id, merchantId: updated.merchantId },
        {
          ...paymentSnapshot(updated),
          ...(change.reason ? { reason: change.reason } : {}),
          ...(change.bankChargeId ? { bankChargeId: change.bankChargeId } : {}),
        },
        deps.clock(),
      ),
  });
}

/**
 * Charges a PENDING payment at the bank and records the outcome: SUCCESS, FAILED for a decline (final), or
 * still PENDING with a later attempt when the bank is unavailable (never FAILED because the bank is down).
 * The payment id is the bank's idempotency key, so repeating this can never charge twice.
 */
export async function chargeAndSettle(
  deps: SettlementDeps,
  payment: PaymentRecord,
): Promise<SettlementResult> {
  const outcome = await deps.bank.charge({
    paymentId: payment.id,
    amount: formatAmount(moneyFromStored(payment.amount, payment.currency)),
    currency: payment.currency,
    source: payment.source,
  });
  switch (outcome.kind) {
    case 'approved':
      return (await move(deps, payment, 'SUCCESS', { bankChargeId: outcome.chargeId }))
        ? 'succeeded'
        : 'already_settled';
    case 'declined':
      return (await move(deps, payment, 'FAILED', { reason: outcome.reason })) ? 'failed' : 'already_settled';
    case 'unavailable':
      await deps.lifecycle.deferBankAttempt(payment.id, new Date(deps.clock().getTime() + deps.retryAfterMs));
      return 'deferred';
  }
}

/**
 * Handles `payment.initiated`: INITIATED → PENDING, then the bank. Each step is its own transaction with its
 * own event; a redelivered event finds the payment further along and repeats nothing that was done.
 */
export async function settlePayment(deps: SettlementDeps, paymentId: string): Promise<SettlementResult> {
  let payment = await deps.lifecycle.find(paymentId);
  if (!payment) return 'unknown_payment';
  if (payment.status === 'INITIATED') {
    payment = (await move(deps, payment, 'PENDING')) ?? (await deps.lifecycle.find(paymentId));
  }
  if (payment?.status !== 'PENDING') return 'already_settled';
  return chargeAndSettle(deps, payment);
}
