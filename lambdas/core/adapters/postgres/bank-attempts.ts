import type pg from 'pg';

/** The tables whose rows wait on the bank: both carry the same bank-attempt columns (migrations/). */
type WaitingOnTheBank = 'payments' | 'refunds';

/**
 * Leaves a PENDING row waiting until `at` and releases its claim; `counted`: the bank was asked, which counts
 * towards the attempt limit.
 */
export async function deferBankAttempt(
  pool: pg.Pool,
  table: WaitingOnTheBank,
  id: string,
  at: Date,
  counted: boolean,
): Promise<void> {
  await pool.query(
    `UPDATE ${table} SET next_bank_attempt_at = $2, bank_attempts = bank_attempts + $3,
       bank_attempt_started_at = NULL
     WHERE id = $1 AND status = 'PENDING'`,
    [id, at, counted ? 1 : 0],
  );
}

/** Gives a PENDING row's claim back without an outcome. */
export async function releaseBankAttempt(pool: pg.Pool, table: WaitingOnTheBank, id: string): Promise<void> {
  await pool.query(
    `UPDATE ${table} SET bank_attempt_started_at = NULL WHERE id = $1 AND status = 'PENDING'`,
    [id],
  );
}
