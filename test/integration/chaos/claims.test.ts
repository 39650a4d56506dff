import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ExpiredClaimWatch } from '../../../chaos/claims';
import { runKeys } from '../../../chaos/load';
import { inRolledBackTransaction, testDatabase } from '../../support/database';

const db = testDatabase();
const LEASE_MS = 10_000;
const TAKEOVER_MS = 6_000;

/**
 * A PENDING payment of a chaos run, claimed for a bank call whose lease was last renewed `claimedAgoMs` ago
 * (seen only by this transaction).
 */
async function claimedPayment(client: pg.ClientBase, runId: string, claimedAgoMs: number): Promise<string> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, source)
     VALUES ($1, 'mer_demo_acme', 'test', $2, 'fixture', '25.00', 'USD', 'INITIATED', 'tok_success')`,
    [id, `chaos-${runId}-payment-${id}`],
  );
  await client.query(
    `UPDATE payments SET status = 'PENDING', next_bank_attempt_at = 'infinity',
       bank_attempt_started_at = now() - make_interval(secs => $2 / 1000.0),
       bank_claim_expires_at = now() - make_interval(secs => $2 / 1000.0) + make_interval(secs => $3 / 1000.0)
     WHERE id = $1`,
    [id, claimedAgoMs, LEASE_MS],
  );
  return id;
}

describe('the chaos run’s expired-claim watch', () => {
  it('finds a payment still held by a claim a sweep and more past its lease, and no other', async () => {
    await inRolledBackTransaction(db, async (client) => {
      const runId = randomUUID().slice(0, 8);
      const forgotten = await claimedPayment(client, runId, LEASE_MS + TAKEOVER_MS + 5_000);
      await claimedPayment(client, runId, LEASE_MS - 1_000); // renewed: its lease still holds
      await claimedPayment(client, runId, LEASE_MS + 1_000); // expired, but the sweep has had no time yet
      await claimedPayment(client, randomUUID().slice(0, 8), LEASE_MS + TAKEOVER_MS + 5_000); // another run's

      const watch = new ExpiredClaimWatch(client, runKeys(runId), { takeoverMs: TAKEOVER_MS });
      await watch.sample(new Date(0));

      expect(watch.expired.map((claim) => [claim.what, claim.id])).toEqual([['payment', forgotten]]);
      expect(watch.expired[0]?.overdueMs).toBeGreaterThan(TAKEOVER_MS);
    });
  });

  it('counts the wait from the end of the last fault, when the sweep could not run before it', async () => {
    await inRolledBackTransaction(db, async (client) => {
      const runId = randomUUID().slice(0, 8);
      await claimedPayment(client, runId, LEASE_MS + TAKEOVER_MS + 5_000);
      const watch = new ExpiredClaimWatch(client, runKeys(runId), { takeoverMs: TAKEOVER_MS });
      await watch.sample(new Date(Date.now() - 1_000));
      expect(watch.expired).toEqual([]);
    });
  });
});
