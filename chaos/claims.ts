import type pg from 'pg';

/** A payment or refund left waiting behind a bank claim that expired and was not taken over. */
export interface ExpiredClaim {
  what: 'payment' | 'refund';
  id: string;
  claimedAt: Date;
  expiredAt: Date;
  /** How long past its claim's expiry (or past the end of the fault that kept the sweep away) it waited, at most. */
  overdueMs: number;
}

/**
 * Samples the run's PENDING payments and refunds whose bank claim expired (its holder stopped renewing it).
 * Once a claim expires, the next sweep takes the payment over; one still held by that claim a sweep (plus a
 * few seconds) later waits on a claim nobody holds. Time with a fault in progress does not count: a sweep
 * that cannot reach its database takes nothing over.
 */
export class ExpiredClaimWatch {
  private readonly found = new Map<string, ExpiredClaim>();

  constructor(
    private readonly pool: pg.Pool | pg.ClientBase,
    private readonly runKeys: string,
    private readonly timing: { takeoverMs: number },
  ) {}

  /** `undisturbedSince`: when the last fault's dependency returned (the sweep could work from then). */
  async sample(undisturbedSince: Date): Promise<void> {
    const { rows } = await this.pool.query(
      `SELECT 'payment' AS what, id, bank_attempt_started_at AS claimed_at, bank_claim_expires_at AS expires_at
       FROM payments
       WHERE idempotency_key LIKE $1 AND status = 'PENDING' AND bank_claim_expires_at < now()
       UNION ALL
       SELECT 'refund', r.id, r.bank_attempt_started_at, r.bank_claim_expires_at
       FROM refunds r JOIN payments p ON p.id = r.payment_id
       WHERE p.idempotency_key LIKE $1 AND r.status = 'PENDING' AND r.bank_claim_expires_at < now()`,
      [this.runKeys],
    );
    const now = Date.now();
    for (const row of rows) {
      const expiredAt = row.expires_at as Date;
      const overdueMs = now - Math.max(expiredAt.getTime(), undisturbedSince.getTime());
      if (overdueMs <= this.timing.takeoverMs) continue;
      const known = this.found.get(row.id);
      this.found.set(row.id, {
        what: row.what,
        id: row.id,
        claimedAt: row.claimed_at as Date,
        expiredAt,
        overdueMs: Math.max(overdueMs, known?.overdueMs ?? 0),
      });
    }
  }

  get expired(): ExpiredClaim[] {
    return [...this.found.values()];
  }
}
