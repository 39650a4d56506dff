import { type BankRetrySettings, nextBankAttemptAt } from '../config/bank';
import { createEvent, eventIdsOf, paymentSnapshot } from '../domain/events';
import { assertTransition } from '../domain/payment';
import { CLAIM_LAPSED, type ClaimOptions, type HeldClaim, underBankClaim } from './bank-claims';
import type { Banks, ChargeRequest } from './ports/bank';
import type { Clock } from './ports/clock';
import type { BankAttemptClaim, PaymentLifecycle } from './ports/payment-lifecycle';
import type { PaymentRecord } from './ports/payments';

export type SettlementResult =
  | 'succeeded'
  | 'failed'
  | 'deferred'
  /** The attempt limit is reached and the bank could not say what happened: waits, and raises an alarm. */
  | 'stuck'
  | 'already_settled'
  /** Another processor or the retry sweep is calling the bank for this payment right now. */
  | 'claimed_elsewhere'
  | 'unknown_payment';

export interface SettlementDeps {
  readonly lifecycle: PaymentLifecycle;
  /** Chosen by the payment's mode: a test payment never reaches the live bank. */
  readonly banks: Banks;
  readonly settings: BankRetrySettings;
  readonly clock: Clock;
}

/**
 * The settlement's outcome, with the event the ledger and the notifier act on, recorded until the deadline.
 * Recording after the claim lapsed is safe: the transition applies only while the payment is PENDING, so of
 * this holder and one that took over (whose call, under the same idempotency key, got the same answer from
 * the bank) only the first records it, once.
 */
async function move(
  deps: SettlementDeps,
  held: HeldClaim,
  payment: PaymentRecord,
  to: 'SUCCESS' | 'FAILED',
  change: { reason?: string; bankChargeId?: string } = {},
): Promise<PaymentRecord | undefined> {
  const event = settlementEvent(payment, to, change, deps.clock());
  return held.record(() => deps.lifecycle.transition(payment.id, payment.status, to, { ...change, event }));
}

/**
 * The event of a PENDING payment's outcome, `payment.succeeded` or `payment.failed`, whoever learnt it (the
 * bank's answer, or the processor's event later): the lifecycle must allow the move.
 */
export function settlementEvent(
  payment: PaymentRecord,
  to: 'SUCCESS' | 'FAILED',
  change: { reason?: string; bankChargeId?: string },
  now: Date,
) {
  assertTransition(payment.status, to);
  const type = to === 'SUCCESS' ? 'payment.succeeded' : 'payment.failed';
  return createEvent(
    type,
    eventIdsOf(payment),
    {
      ...paymentSnapshot({ ...payment, status: to }),
      ...(change.reason ? { reason: change.reason } : {}),
      ...(change.bankChargeId ? { bankChargeId: change.bankChargeId } : {}),
    },
    now,
  );
}

/**
 * Waits for the next attempt; only an attempt that reached the bank counts towards the limit. Applies only
 * while this holder still holds the claim (one that took over decides instead), recorded until the deadline.
 */
async function defer(
  deps: SettlementDeps,
  held: HeldClaim,
  claim: BankAttemptClaim,
  counted = true,
): Promise<void> {
  const attempts = claim.bankAttempts + (counted ? 1 : 0);
  const at = nextBankAttemptAt(deps.settings, deps.clock(), Math.max(1, attempts));
  await held.record(() => deps.lifecycle.deferBankAttempt(claim.payment.id, held.holder, at, counted));
}

/** The one charge request of a payment: the charge and its lookup (a replay, for some processors) send it alike. */
function chargeRequestOf(payment: PaymentRecord): ChargeRequest {
  return {
    paymentId: payment.id,
    merchantId: payment.merchantId,
    amount: payment.amount,
    source: payment.source,
  };
}

/**
 * Reconciliation before giving up: the charge is looked up by its idempotency key (some processors replay the
 * charge to find out, which is why the lookup takes the whole request). Approved or declined
 * settles the payment as the bank did; a charge the bank never made fails the payment (nothing was taken
 * from the customer); while the bank cannot answer, the payment keeps waiting.
 */
async function reconcile(
  deps: SettlementDeps,
  held: HeldClaim,
  claim: BankAttemptClaim,
): Promise<SettlementResult | typeof CLAIM_LAPSED> {
  const found = await deps.banks[claim.payment.mode].lookupCharge(
    chargeRequestOf(claim.payment),
    held.signal,
  );
  switch (found.kind) {
    case 'approved':
      return (await move(deps, held, claim.payment, 'SUCCESS', { bankChargeId: found.chargeId }))
        ? 'succeeded'
        : 'already_settled';
    case 'declined':
      return (await move(deps, held, claim.payment, 'FAILED', { reason: found.reason }))
        ? 'failed'
        : 'already_settled';
    case 'not_found':
      return (await move(deps, held, claim.payment, 'FAILED', {
        reason: `bank_never_charged: no answer after ${claim.bankAttempts} attempts`,
      }))
        ? 'failed'
        : 'already_settled';
    case 'unavailable':
      if (held.signal.aborted) return CLAIM_LAPSED;
      await defer(deps, held, claim);
      return 'stuck';
  }
}

/**
 * Charges a PENDING payment at the bank and records the outcome: SUCCESS, FAILED for a decline (final), or
 * still PENDING with a later attempt (backoff) when the bank gave no decision — unavailable, another call for
 * the key in flight, or an answer for an operator: never FAILED for those. Only the holder of the payment's
 * claim calls the bank (`underBankClaim`), so two callers can never race each other into contradicting
 * decisions. After `giveUpAfterAttempts` undecided attempts the payment is reconciled instead of charged
 * again. The payment id is the bank's idempotency key, so repeating this can never charge twice.
 */
export async function chargeAndSettle(
  deps: SettlementDeps,
  payment: PaymentRecord,
  options: ClaimOptions,
): Promise<SettlementResult> {
  const settled = await underBankClaim(deps, deps.lifecycle.bankClaim(payment.id), options, (claim, held) =>
    settleClaimed(deps, claim, held),
  );
  return settled ?? 'claimed_elsewhere';
}

async function settleClaimed(
  deps: SettlementDeps,
  claim: BankAttemptClaim,
  held: HeldClaim,
): Promise<SettlementResult | typeof CLAIM_LAPSED> {
  if (claim.bankAttempts >= deps.settings.giveUpAfterAttempts) return reconcile(deps, held, claim);
  const claimed = claim.payment;
  const outcome = await deps.banks[claimed.mode].charge(
    { ...chargeRequestOf(claimed), earlierAttempts: claim.bankAttempts },
    held.signal,
  );
  // A decision is recorded even if the claim lapsed meanwhile: the bank gives it to any caller of this key.
  switch (outcome.kind) {
    case 'approved':
      return (await move(deps, held, claimed, 'SUCCESS', { bankChargeId: outcome.chargeId }))
        ? 'succeeded'
        : 'already_settled';
    case 'declined':
      return (await move(deps, held, claimed, 'FAILED', { reason: outcome.reason }))
        ? 'failed'
        : 'already_settled';
    case 'unavailable':
      if (held.signal.aborted) return CLAIM_LAPSED;
      await defer(deps, held, claim);
      return 'deferred';
    case 'circuit_open':
      await defer(deps, held, claim, false);
      return 'deferred';
  }
}

/**
 * Handles `payment.initiated`: INITIATED → PENDING, then the bank. Each step is its own transaction, the
 * outcome's with its event; a redelivered event finds the payment further along and repeats nothing that was
 * done.
 */
export async function settlePayment(
  deps: SettlementDeps,
  paymentId: string,
  options: ClaimOptions,
): Promise<SettlementResult> {
  // The event almost always finds its payment INITIATED, so the conditional transition comes first and the
  // payment is read only when it did not apply (a redelivery, a payment further along, an unknown id).
  // No event: nobody acts on PENDING (the history row records it), and the outcome's event follows.
  assertTransition('INITIATED', 'PENDING');
  const payment =
    (await deps.lifecycle.transition(paymentId, 'INITIATED', 'PENDING', {})) ??
    (await deps.lifecycle.find(paymentId));
  if (!payment) return 'unknown_payment';
  if (payment.status !== 'PENDING') return 'already_settled';
  return chargeAndSettle(deps, payment, options);
}
