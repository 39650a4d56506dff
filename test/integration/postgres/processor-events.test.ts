import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresLedger } from '../../../lambdas/core/adapters/postgres/ledger';
import { postgresProcessorEvents } from '../../../lambdas/core/adapters/postgres/processor-events';
import { readEvent } from '../../../lambdas/core/domain/events';
import type { ProcessorEvent, ProcessorEventMeaning } from '../../../lambdas/core/domain/processor-events';
import { systemClock } from '../../../lambdas/core/use-cases/ports/clock';
import { postToLedger } from '../../../lambdas/core/use-cases/post-to-ledger';
import { applyProcessorEvent } from '../../../lambdas/core/use-cases/processor-events';
import { insertQuietPayment, testDatabase, withRolledBackPool } from '../../support/database';

const db = testDatabase();
const MERCHANT = 'mer_demo_acme';

const stripeEvent = (
  type: string,
  meaning: ProcessorEventMeaning,
  id = `evt_${randomUUID()}`,
): ProcessorEvent => ({
  id,
  type,
  mode: 'test',
  objectId: null,
  meaning,
});

async function pendingPayment(pool: pg.Pool, amount = '25.00'): Promise<string> {
  const id = await insertQuietPayment(pool, amount);
  await pool.query(`UPDATE payments SET status = 'PENDING' WHERE id = $1`, [id]);
  return id;
}

/** A refund recorded as the API records it: the refund row (PENDING), and the payment's pending total. */
async function recordedRefund(pool: pg.Pool, paymentId: string, amount: string): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency)
     VALUES ($1, $2, $3, 'test', $4, 'fixture', $5, 'USD')`,
    [id, paymentId, MERCHANT, randomUUID(), amount],
  );
  await pool.query('UPDATE payments SET pending_refund_amount = pending_refund_amount + $2 WHERE id = $1', [
    paymentId,
    amount,
  ]);
  return id;
}

async function snapshot(pool: pg.Pool, paymentId: string) {
  const { rows } = await pool.query(
    `SELECT p.status, p.refunded_amount::text AS refunded, p.pending_refund_amount::text AS pending, p.bank_charge_id, p.failure_reason,
       (SELECT json_agg(r.status ORDER BY r.created_at) FROM refunds r WHERE r.payment_id = p.id) AS refunds,
       (SELECT json_agg(o.event_type ORDER BY o.aggregate_version) FROM outbox o WHERE o.aggregate_id = p.id) AS events,
       (SELECT count(*)::int FROM payment_status_history h WHERE h.payment_id = p.id) AS history
     FROM payments p WHERE p.id = $1`,
    [paymentId],
  );
  return rows[0];
}

const ref = (paymentId: string, merchantId = MERCHANT) => ({ paymentId, merchantId });

describe('processor events on PostgreSQL', () => {
  it('settles a PENDING payment once: a repeated event changes nothing and is answered as a duplicate', () =>
    withRolledBackPool(db, async (pool) => {
      const events = postgresProcessorEvents(pool);
      const paymentId = await pendingPayment(pool);
      const succeeded = stripeEvent('payment_intent.succeeded', {
        kind: 'payment_succeeded',
        ref: ref(paymentId),
        chargeId: 'pi_late',
      });
      expect((await applyProcessorEvent(events, succeeded, systemClock)).outcome).toBe('applied');
      const after = await snapshot(pool, paymentId);
      expect(after).toMatchObject({
        status: 'SUCCESS',
        bank_charge_id: 'pi_late',
        events: ['payment.succeeded'],
      });
      expect((await applyProcessorEvent(events, succeeded, systemClock)).outcome).toBe('duplicate');
      expect(await snapshot(pool, paymentId)).toEqual(after);
      const { rows } = await pool.query('SELECT outcome, payment_id FROM processor_events WHERE id = $1', [
        succeeded.id,
      ]);
      expect(rows).toEqual([{ outcome: 'applied', payment_id: paymentId }]);
    }));

  it('never moves a payment or a refund backwards: a stale event is recorded as ignored_stale', () =>
    withRolledBackPool(db, async (pool) => {
      const events = postgresProcessorEvents(pool);
      const paymentId = await pendingPayment(pool);
      await applyProcessorEvent(
        events,
        stripeEvent('payment_intent.succeeded', {
          kind: 'payment_succeeded',
          ref: ref(paymentId),
          chargeId: 'pi_1',
        }),
        systemClock,
      );
      const lateDecline = stripeEvent('payment_intent.payment_failed', {
        kind: 'payment_failed',
        ref: ref(paymentId),
        reason: 'card_declined',
      });
      expect((await applyProcessorEvent(events, lateDecline, systemClock)).outcome).toBe('ignored_stale');
      expect(await snapshot(pool, paymentId)).toMatchObject({ status: 'SUCCESS', failure_reason: null });

      const refundId = await recordedRefund(pool, paymentId, '5.00');
      const refundRef = { ref: ref(paymentId), refundId, bankRefundId: 're_1' };
      const failed = await applyProcessorEvent(
        events,
        stripeEvent('refund.failed', {
          kind: 'refund_failed',
          ...refundRef,
          reason: 'expired_or_canceled_card',
        }),
        systemClock,
      );
      expect(failed.outcome).toBe('applied');
      const succeededLater = await applyProcessorEvent(
        events,
        stripeEvent('refund.updated', { kind: 'refund_succeeded', ...refundRef }),
        systemClock,
      );
      expect(succeededLater.outcome).toBe('ignored_stale');
      expect(await snapshot(pool, paymentId)).toMatchObject({
        status: 'SUCCESS',
        refunded: '0.0000',
        refunds: ['FAILED'],
        events: ['payment.succeeded', 'payment.refund_failed'],
      });
    }));

  it('records an event about no payment of this merchant and mode as unmatched, and changes nothing', () =>
    withRolledBackPool(db, async (pool) => {
      const events = postgresProcessorEvents(pool);
      const paymentId = await pendingPayment(pool);
      for (const meaning of [
        { kind: 'payment_succeeded', ref: ref(randomUUID()), chargeId: 'pi_x' },
        { kind: 'payment_succeeded', ref: ref(paymentId, 'mer_someone_else'), chargeId: 'pi_x' },
        { kind: 'payment_succeeded', ref: {}, chargeId: 'pi_x' },
      ] as const) {
        const result = await applyProcessorEvent(
          events,
          stripeEvent('payment_intent.succeeded', meaning),
          systemClock,
        );
        expect(result.outcome).toBe('unmatched');
      }
      const live = {
        ...stripeEvent('payment_intent.succeeded', {
          kind: 'payment_succeeded',
          ref: ref(paymentId),
          chargeId: 'pi_x',
        }),
        mode: 'live' as const,
      };
      expect((await applyProcessorEvent(events, live, systemClock)).outcome).toBe('unmatched');
      expect(await snapshot(pool, paymentId)).toMatchObject({ status: 'PENDING', events: null });
    }));

  it('gives back a refund Stripe fails after executing it, and the ledger reverses its reversal once', () =>
    withRolledBackPool(db, async (pool) => {
      const events = postgresProcessorEvents(pool);
      const paymentId = await pendingPayment(pool, '25.00');
      await applyProcessorEvent(
        events,
        stripeEvent('payment_intent.succeeded', {
          kind: 'payment_succeeded',
          ref: ref(paymentId),
          chargeId: 'pi_2',
        }),
        systemClock,
      );
      const refundId = await recordedRefund(pool, paymentId, '25.00');
      const refundRef = { ref: ref(paymentId), refundId, bankRefundId: 're_2' };
      await applyProcessorEvent(
        events,
        stripeEvent('refund.updated', { kind: 'refund_succeeded', ...refundRef }),
        systemClock,
      );
      expect(await snapshot(pool, paymentId)).toMatchObject({ status: 'REFUNDED', refunds: ['EXECUTED'] });
      const failedLater = stripeEvent('charge.refund.updated', {
        kind: 'refund_failed',
        ...refundRef,
        reason: 'lost_or_stolen_card',
      });
      expect((await applyProcessorEvent(events, failedLater, systemClock)).outcome).toBe('applied');
      expect((await applyProcessorEvent(events, failedLater, systemClock)).outcome).toBe('duplicate');
      // The same outcome told by another event type: the refund is already FAILED.
      const sameAgain = stripeEvent('refund.failed', {
        kind: 'refund_failed',
        ...refundRef,
        reason: 'lost_or_stolen_card',
      });
      expect((await applyProcessorEvent(events, sameAgain, systemClock)).outcome).toBe('ignored_stale');
      expect(await snapshot(pool, paymentId)).toMatchObject({
        status: 'SUCCESS',
        refunded: '0.0000',
        refunds: ['FAILED'],
        events: ['payment.succeeded', 'payment.refund_executed', 'payment.refund_reversed'],
      });
      const { rows: refundRows } = await pool.query(
        'SELECT executed_at IS NOT NULL AS executed, failure_reason FROM refunds WHERE id = $1',
        [refundId],
      );
      expect(refundRows[0]).toEqual({
        executed: true,
        failure_reason: 'failed at the bank after it was executed: lost_or_stolen_card',
      });

      // The ledger reads the payment's events in order, each delivered twice.
      const ledger = postgresLedger(pool);
      const { rows: outbox } = await pool.query<{ payload: unknown }>(
        'SELECT payload FROM outbox WHERE aggregate_id = $1 ORDER BY aggregate_version',
        [paymentId],
      );
      const outcomes: string[] = [];
      for (const { payload } of [...outbox, ...outbox]) {
        const read = readEvent(payload);
        if (read.kind === 'event') outcomes.push(await postToLedger(ledger, read.event, systemClock));
      }
      expect(outcomes).toEqual(['posted', 'posted', 'posted', 'duplicate', 'duplicate', 'duplicate']);
      const { rows: payable } = await pool.query<{ kind: string; net: string }>(
        `SELECT e.kind, sum(CASE p.direction WHEN 'credit' THEN p.amount ELSE -p.amount END)::text AS net
         FROM ledger.journal_entries e JOIN ledger.postings p ON p.entry_id = e.id
         JOIN ledger.accounts a ON a.id = p.account_id AND a.kind = 'merchant_payable'
         WHERE e.payment_id = $1 GROUP BY e.kind ORDER BY e.kind`,
        [paymentId],
      );
      // The merchant is owed the whole payment again: the refund's reversal is itself reversed, once.
      expect(payable).toEqual([
        { kind: 'payment', net: '25.0000' },
        { kind: 'refund', net: '-25.0000' },
        { kind: 'refund_reversal', net: '25.0000' },
      ]);
    }));

  it('records a dispute against the payment it was charged as', () =>
    withRolledBackPool(db, async (pool) => {
      const events = postgresProcessorEvents(pool);
      const paymentId = await pendingPayment(pool);
      await applyProcessorEvent(
        events,
        stripeEvent('payment_intent.succeeded', {
          kind: 'payment_succeeded',
          ref: ref(paymentId),
          chargeId: 'pi_3',
        }),
        systemClock,
      );
      const details = {
        disputeId: 'dp_1',
        stripeAmount: 2500,
        currency: 'USD',
        reason: 'fraudulent',
        charge: 'ch_3',
      };
      const dispute = stripeEvent('charge.dispute.created', {
        kind: 'dispute_opened',
        chargeId: 'pi_3',
        disputeId: 'dp_1',
        details,
      });
      expect(await applyProcessorEvent(events, dispute, systemClock)).toMatchObject({
        outcome: 'dispute_recorded',
        paymentId,
      });
      const { rows } = await pool.query(
        'SELECT outcome, payment_id, details FROM processor_events WHERE id = $1',
        [dispute.id],
      );
      expect(rows).toEqual([{ outcome: 'dispute_recorded', payment_id: paymentId, details }]);
      expect(await snapshot(pool, paymentId)).toMatchObject({
        status: 'SUCCESS',
        events: ['payment.succeeded'],
      });
    }));
});
