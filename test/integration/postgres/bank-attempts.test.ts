import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresPaymentLifecycle } from '../../../lambdas/core/adapters/postgres/payment-lifecycle';
import { postgresRefundExecutions } from '../../../lambdas/core/adapters/postgres/refund-executions';
import { chargeAndSettle } from '../../../lambdas/core/use-cases/settle-payment';
import { privateBankSimulator, testHttpBank } from '../../support/bank-simulator';
import { sandboxOnly } from '../../support/bank-use-cases';
import {
  expectRejected,
  inRolledBackTransaction,
  insertQuietPayment,
  insertQuietRefund,
  testDatabase,
} from '../../support/database';

const db = testDatabase();
const SETTINGS = {
  pendingRetryAfterMs: 1000,
  pendingRetryMaxMs: 4000,
  giveUpAfterAttempts: 5,
  claimLeaseMs: 60_000,
};
/** A sweep's way of claiming: no waiting for a claim held elsewhere, a minute to record an outcome. */
const sweeping = () => ({ deadline: new Date(Date.now() + 60_000), waitForHolder: false });

/** A PENDING payment the retry sweep leaves alone (its next attempt is never due): only the test calls the bank. */
async function pendingPaymentOnlyTheTestSees(client: pg.Pool | pg.ClientBase): Promise<string> {
  const id = await insertQuietPayment(client);
  await client.query(
    "UPDATE payments SET status = 'PENDING', next_bank_attempt_at = 'infinity' WHERE id = $1",
    [id],
  );
  return id;
}

describe('bank attempts in PostgreSQL', () => {
  it('lets only one of two overlapping sweeps call the bank, so a 409 can never fail a charged payment', async () => {
    const bankUrl = await privateBankSimulator(400);
    const { bank } = testHttpBank(bankUrl);
    const lifecycle = postgresPaymentLifecycle(db);
    const id = await pendingPaymentOnlyTheTestSees(db);
    const payment = await lifecycle.find(id);
    if (!payment) throw new Error('fixture missing');

    const results = await Promise.all([
      chargeAndSettle(
        { lifecycle, banks: sandboxOnly(bank), settings: SETTINGS, clock: () => new Date() },
        payment,
        sweeping(),
      ),
      chargeAndSettle(
        { lifecycle, banks: sandboxOnly(bank), settings: SETTINGS, clock: () => new Date() },
        payment,
        sweeping(),
      ),
    ]);

    expect(results.sort()).toEqual(['claimed_elsewhere', 'succeeded']);
    expect((await lifecycle.find(id))?.status).toBe('SUCCESS');
    const listed = await fetch(`${bankUrl}/admin/charges?reference=${id}`);
    expect(((await listed.json()) as { charges: unknown[] }).charges).toHaveLength(1);
  });

  it('lets a claim expire after its lease unless its holder renews it, and releases it with the deferral', async () => {
    const lifecycle = postgresPaymentLifecycle(db);
    const id = await pendingPaymentOnlyTheTestSees(db);
    const start = new Date();
    const at = (ms: number) => new Date(start.getTime() + ms);
    const [first, second] = [randomUUID(), randomUUID()];
    const claim = lifecycle.bankClaim(id);

    expect(await claim.claim({ holder: first, now: start, leaseMs: 10_000 })).toMatchObject({
      bankAttempts: 0,
    });
    expect(await claim.expiry()).toEqual(at(10_000));
    expect(await claim.claim({ holder: second, now: at(9_000), leaseMs: 10_000 })).toBeUndefined();
    // Renewed by its holder only: the lease now ends at 18 s.
    expect(await claim.renew({ holder: second, now: at(8_000), leaseMs: 10_000 })).toBe(false);
    expect(await claim.renew({ holder: first, now: at(8_000), leaseMs: 10_000 })).toBe(true);
    expect(await claim.claim({ holder: second, now: at(17_000), leaseMs: 10_000 })).toBeUndefined();
    expect(await claim.claim({ holder: second, now: at(18_000), leaseMs: 10_000 })).toBeDefined();
    // The first holder's claim was taken over: its renewal, deferral and release change nothing.
    expect(await claim.renew({ holder: first, now: at(18_500), leaseMs: 10_000 })).toBe(false);
    await lifecycle.deferBankAttempt(id, first, new Date('9999-01-01T00:00:00Z'), true);
    await claim.release(first);
    expect(await claim.expiry()).toEqual(at(28_000));
    await lifecycle.deferBankAttempt(id, second, new Date('9999-01-01T00:00:00Z'), true);
    expect(await claim.expiry()).toBeUndefined();
    expect(await claim.claim({ holder: first, now: at(19_000), leaseMs: 10_000 })).toMatchObject({
      bankAttempts: 1,
    });
  });

  it('holds the refunded and pending totals to the refunds: REFUNDED only once the bank executed them', () =>
    inRolledBackTransaction(db, async (client) => {
      const id = await pendingPaymentOnlyTheTestSees(client);
      await client.query("UPDATE payments SET status = 'SUCCESS' WHERE id = $1", [id]);
      const refundId = await insertQuietRefund(client, id, '25');
      const refunded =
        "UPDATE payments SET status = 'REFUNDED', refunded_amount = 25, pending_refund_amount = 0 WHERE id = $1";
      const giveBack = "UPDATE payments SET status = 'SUCCESS', refunded_amount = 0 WHERE id = $1";

      await expectRejected(
        client,
        refunded,
        [id],
        'must total its executed (0) and pending (25.0000) refunds',
      );
      await client.query('UPDATE payments SET pending_refund_amount = 25 WHERE id = $1', [id]);
      await client.query("UPDATE refunds SET status = 'EXECUTED', executed_at = now() WHERE id = $1", [
        refundId,
      ]);
      await client.query(refunded, [id]);
      await expectRejected(
        client,
        giveBack,
        [id],
        'must total its executed (25.0000) and pending (0) refunds',
      );
      // The processor failed it after executing it: the one way back to SUCCESS.
      await client.query("UPDATE refunds SET status = 'FAILED', failure_reason = 'rejected' WHERE id = $1", [
        refundId,
      ]);
      await client.query(giveBack, [id]);

      const after = await client.query(
        'SELECT status, refunded_amount::text AS refunded, pending_refund_amount::text AS pending FROM payments WHERE id = $1',
        [id],
      );
      expect(after.rows[0]).toEqual({ status: 'SUCCESS', refunded: '0.0000', pending: '0.0000' });
    }));

  it('takes due refunds by their next attempt time, so backed-off ones never block newer ones', () =>
    inRolledBackTransaction(db, async (client) => {
      const id = await pendingPaymentOnlyTheTestSees(client);
      await client.query("UPDATE payments SET status = 'SUCCESS' WHERE id = $1", [id]);
      const now = new Date();
      const insertRefund = async (createdMinutesAgo: number, nextAttemptMinutesAgo: number | null) => {
        const refundId = randomUUID();
        await client.query(
          `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency,
             created_at, next_bank_attempt_at)
           VALUES ($1, $2, 'mer_demo_acme', 'test', $3, 'fixture', 1, 'USD', $4::timestamptz - make_interval(mins => $5),
             $4::timestamptz - make_interval(mins => $6))`,
          [refundId, id, randomUUID(), now, createdMinutesAgo, nextAttemptMinutesAgo],
        );
        return refundId;
      };
      // The oldest refund keeps failing: its backoff put its next attempt after the newer ones' due time.
      const stuckOldest = await insertRefund(600, 1);
      const newer = await insertRefund(10, null);
      const notYetDue = await insertRefund(700, -5);
      const executions = postgresRefundExecutions({ query: client.query.bind(client) } as unknown as pg.Pool);

      const due = await executions.overdue(now, 60_000, 10_000);

      const mine: string[] = [stuckOldest, newer, notYetDue];
      expect(due.filter((refundId) => mine.includes(refundId))).toEqual([newer, stuckOldest]);
    }));
});
