import type pg from 'pg';
import type { BankClaim, BankClaimLease } from '../../use-cases/ports/bank-claims';
import { namedQuery } from './sql';

/** The tables whose rows wait on the bank: both carry the same bank-attempt columns (migrations/). */
type WaitingOnTheBank = 'payments' | 'refunds';

/** The columns a claim sets, and clears when the row leaves it (a transition, a deferral, a release). */
export const CLEARED_CLAIM =
  'bank_attempt_started_at = NULL, bank_claim_holder = NULL, bank_claim_expires_at = NULL';

/**
 * The SQL that claims a PENDING row of `alias` for `lease` (named parameters :holder, :now, :lease_ms): its SET
 * list and its condition. PostgreSQL re-checks the condition on the row it locks, so of two concurrent claims
 * only one applies (the other sees the first's claim once it commits).
 */
export function claimSql(alias: string): { set: string; unclaimed: string } {
  return {
    set: `bank_attempt_started_at = :now, bank_claim_holder = :holder,
          bank_claim_expires_at = :now::timestamptz + make_interval(secs => :lease_ms / 1000.0)`,
    unclaimed: `${alias}.status = 'PENDING'
          AND (${alias}.bank_claim_expires_at IS NULL OR ${alias}.bank_claim_expires_at <= :now)`,
  };
}

/** The named parameters of `claimSql`. */
export function claimParameters(lease: BankClaimLease) {
  return { holder: lease.holder, now: lease.now, lease_ms: lease.leaseMs };
}

/** A row's claim: `claim` is the table's own (what it returns differs), the rest is common to both tables. */
export function bankClaimOf<C>(
  pool: pg.Pool,
  table: WaitingOnTheBank,
  id: string,
  claim: (lease: BankClaimLease) => Promise<C | undefined>,
): BankClaim<C> {
  return {
    claim,
    renew: (lease) => renewBankAttempt(pool, table, id, lease),
    expiry: () => bankClaimExpiry(pool, table, id),
    release: (holder) => releaseBankAttempt(pool, table, id, holder),
  };
}

/** Extends a PENDING row's claim, if `lease.holder` still holds it. */
async function renewBankAttempt(
  pool: pg.Pool,
  table: WaitingOnTheBank,
  id: string,
  lease: BankClaimLease,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    namedQuery(
      `UPDATE ${table} SET bank_claim_expires_at = :now::timestamptz + make_interval(secs => :lease_ms / 1000.0)
       WHERE id = :id AND status = 'PENDING' AND bank_claim_holder = :holder`,
      { id, ...claimParameters(lease) },
    ),
  );
  return rowCount === 1;
}

/** When a PENDING row's current claim expires. */
async function bankClaimExpiry(
  pool: pg.Pool,
  table: WaitingOnTheBank,
  id: string,
): Promise<Date | undefined> {
  const { rows } = await pool.query<{ expires_at: Date }>(
    `SELECT bank_claim_expires_at AS expires_at FROM ${table}
     WHERE id = $1 AND status = 'PENDING' AND bank_claim_expires_at IS NOT NULL`,
    [id],
  );
  return rows[0]?.expires_at;
}

/**
 * Leaves a PENDING row waiting until `at` and releases its claim, if `holder` still holds it (a holder whose
 * claim was taken over must not release the new holder's); `counted`: the bank was asked, which counts
 * towards the attempt limit.
 */
export async function deferBankAttempt(
  pool: pg.Pool,
  table: WaitingOnTheBank,
  id: string,
  holder: string,
  at: Date,
  counted: boolean,
): Promise<void> {
  await pool.query(
    `UPDATE ${table} SET next_bank_attempt_at = $3, bank_attempts = bank_attempts + $4, ${CLEARED_CLAIM}
     WHERE id = $1 AND status = 'PENDING' AND bank_claim_holder = $2`,
    [id, holder, at, counted ? 1 : 0],
  );
}

/** Gives a PENDING row's claim back without an outcome, if `holder` still holds it. */
async function releaseBankAttempt(
  pool: pg.Pool,
  table: WaitingOnTheBank,
  id: string,
  holder: string,
): Promise<void> {
  await pool.query(
    `UPDATE ${table} SET ${CLEARED_CLAIM} WHERE id = $1 AND status = 'PENDING' AND bank_claim_holder = $2`,
    [id, holder],
  );
}
