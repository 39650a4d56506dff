import type pg from 'pg';
import { CheckFailedError, type Output } from '../context';

interface Invariant {
  name: string;
  /** Rows that break the invariant; each row says what is wrong. */
  sql: string;
}

/** The ledger's invariants, each a query returning what breaks it. */
const INVARIANTS: readonly Invariant[] = [
  {
    name: 'every entry is balanced, in one currency',
    sql: `SELECT e.id AS entry, sum(CASE p.direction WHEN 'debit' THEN p.amount ELSE -p.amount END)::text AS imbalance,
                 count(DISTINCT p.currency) AS currencies
          FROM ledger.journal_entries e LEFT JOIN ledger.postings p ON p.entry_id = e.id
          GROUP BY e.id
          HAVING count(p.id) < 2 OR sum(CASE p.direction WHEN 'debit' THEN p.amount ELSE -p.amount END) <> 0
              OR count(DISTINCT p.currency) <> 1 OR bool_or(p.currency <> e.currency)`,
  },
  {
    name: 'one payment entry per SUCCESS or REFUNDED payment (unless the ledger refused it)',
    sql: `SELECT p.id AS payment, p.status, count(e.id) AS payment_entries
          FROM payments p
          LEFT JOIN ledger.journal_entries e ON e.payment_id = p.id AND e.kind = 'payment'
          WHERE p.status IN ('SUCCESS', 'REFUNDED')
            AND NOT EXISTS (SELECT 1 FROM ledger.posting_failures f WHERE f.payment_id = p.id)
          GROUP BY p.id, p.status
          HAVING count(e.id) <> 1`,
  },
  {
    // The ledger reverses what the bank refunded: refunds still waiting for the bank or failed are not in it
    // (one that failed after it was executed is reversed, then its reversal reversed: net nothing).
    name: 'reversals match executed refunds',
    sql: `SELECT p.id AS payment,
                 (SELECT COALESCE(sum(x.amount), 0) FROM refunds x
                   WHERE x.payment_id = p.id AND x.status = 'EXECUTED')::text AS refunded,
                 COALESCE(sum(r.amount), 0)::text AS reversed
          FROM payments p
          JOIN ledger.journal_entries pe ON pe.payment_id = p.id AND pe.kind = 'payment'
          LEFT JOIN LATERAL (
            SELECT CASE re.kind WHEN 'refund' THEN po.amount ELSE -po.amount END AS amount
            FROM ledger.journal_entries re
            JOIN ledger.postings po ON po.entry_id = re.id AND po.direction = 'debit'
            WHERE re.payment_id = p.id AND re.kind IN ('refund', 'refund_reversal')) r ON true
          GROUP BY p.id
          HAVING COALESCE(sum(r.amount), 0) <> (SELECT COALESCE(sum(x.amount), 0) FROM refunds x
                   WHERE x.payment_id = p.id AND x.status = 'EXECUTED')`,
  },
  {
    name: 'no orphan entry',
    sql: `SELECT e.id AS entry, e.payment_id AS payment FROM ledger.journal_entries e
          LEFT JOIN payments p ON p.id = e.payment_id
          WHERE p.id IS NULL OR p.merchant_id <> e.merchant_id OR p.mode <> e.mode OR p.currency <> e.currency`,
  },
];

/** `aspay ledger verify`: checks every invariant; exits non-zero naming what is broken. */
export async function verifyLedger(pool: pg.Pool, out: Output): Promise<void> {
  const results: { invariant: string; ok: boolean; violations: unknown[]; count: number }[] = [];
  for (const invariant of INVARIANTS) {
    const { rows } = await pool.query(invariant.sql);
    results.push({
      invariant: invariant.name,
      ok: rows.length === 0,
      violations: rows.slice(0, 20),
      count: rows.length,
    });
  }
  const broken = results.filter((result) => !result.ok);
  out.print({ ok: broken.length === 0, invariants: results }, () =>
    results
      .map((result) =>
        result.ok
          ? `ok      ${result.invariant}`
          : `BROKEN  ${result.invariant}: ${result.count} violation(s), e.g. ${JSON.stringify(result.violations[0])}`,
      )
      .join('\n'),
  );
  if (broken.length > 0) {
    throw new CheckFailedError(
      `ledger verification failed: ${broken.map((result) => result.invariant).join('; ')}`,
    );
  }
}
