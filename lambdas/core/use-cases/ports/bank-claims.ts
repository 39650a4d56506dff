/**
 * Work waiting on the bank: payments (payment-lifecycle.ts) and refunds (refund-executions.ts) are claimed for
 * one bank call at a time (the use case: use-cases/bank-claims.ts).
 */

/**
 * A claim's lease as its holder asks for it: `holder` names this claim (a random id per claim), and the
 * claim lasts until `now + leaseMs` unless the holder renews it.
 */
export interface BankClaimLease {
  readonly holder: string;
  readonly now: Date;
  readonly leaseMs: number;
}

/**
 * One payment's or refund's bank-attempt claim, as its store takes, renews, reads and gives it back: only the
 * holder of an unexpired claim may call the bank for it.
 */
export interface BankClaim<C> {
  /**
   * Claims it for `lease.holder`, unless another caller holds a claim whose lease has not expired. Undefined
   * when it no longer waits on the bank (settled) or is claimed. Recording its outcome releases the claim.
   */
  claim(lease: BankClaimLease): Promise<C | undefined>;
  /** Extends the holder's claim to `now + leaseMs`; false when it is no longer the holder's (or settled). */
  renew(lease: BankClaimLease): Promise<boolean>;
  /** When the current claim expires; undefined when it is unclaimed or settled. */
  expiry(): Promise<Date | undefined>;
  /**
   * Gives the holder's claim back without an outcome (the work after the claim failed), so a retry may claim
   * at once; nothing when another caller has taken it over.
   */
  release(holder: string): Promise<void>;
}
