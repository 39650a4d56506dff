import type { EventEnvelope } from '../../domain/events';
import type { PaymentStatus } from '../../domain/payment';
import type { BankClaim } from './bank-claims';
import type { PaymentRecord } from './payments';

/** The payment lifecycle as the background processors drive it (no merchant scoping: internal callers). */
export interface PaymentLifecycle {
  find(paymentId: string): Promise<PaymentRecord | undefined>;
  /**
   * Moves the payment from `from` to `to` only if it is still in `from` (a conditional update), appending the
   * history row and, when there is one, the event (outbox) in the same transaction. Returns undefined when it
   * was not in `from`.
   */
  transition(
    paymentId: string,
    from: PaymentStatus,
    to: PaymentStatus,
    change: { reason?: string; bankChargeId?: string; event?: EventEnvelope },
  ): Promise<PaymentRecord | undefined>;
  /** The payment's claim for one bank call (PENDING payments only). */
  bankClaim(paymentId: string): BankClaim<BankAttemptClaim>;
  /**
   * Leaves the payment PENDING until `at` and releases the claim, if `holder` still holds it; `counted`: the
   * bank was asked (without a decision), which counts towards the attempt limit.
   */
  deferBankAttempt(paymentId: string, holder: string, at: Date, counted: boolean): Promise<void>;
  /** PENDING payments whose next bank attempt is due, or that have waited `staleAfterMs` without one. */
  duePending(now: Date, staleAfterMs: number, limit: number): Promise<PaymentRecord[]>;
}

export interface BankAttemptClaim {
  readonly payment: PaymentRecord;
  /** Bank attempts made so far without a decision. */
  readonly bankAttempts: number;
}
