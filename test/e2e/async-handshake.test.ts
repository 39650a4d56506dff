import { describe, expect, it } from 'vitest';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { chargesFor } from '../support/bank';
import { testDatabase } from '../support/database';
import { eventually } from '../support/eventually';

const db = testDatabase();

describe('the asynchronous handshake', () => {
  it('answers 202 at once, then the payment reaches SUCCESS with exactly one bank charge', async () => {
    const started = Date.now();
    const created = await callApi('/v1/payments', { body: validPayment({ source: 'tok_success' }) });
    expect(created.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(['INITIATED', 'PENDING']).toContain(created.body.status);

    const settled = await paymentSettledAs(created.body.id, ['SUCCESS', 'FAILED']);
    expect(settled.body.status).toBe('SUCCESS');
    expect(settled.body.history.map((change: { to: string }) => change.to)).toEqual([
      'INITIATED',
      'PENDING',
      'SUCCESS',
    ]);
    expect(await chargesFor(created.body.id)).toHaveLength(1);
    const events = await db.query(
      'SELECT event_type FROM outbox WHERE aggregate_id = $1 ORDER BY aggregate_version',
      [created.body.id],
    );
    expect(events.rows.map((row) => row.event_type)).toEqual(['payment.initiated', 'payment.succeeded']);
  });

  it('fails a declined payment for good, without a charge', async () => {
    const created = await callApi('/v1/payments', { body: validPayment({ source: 'tok_decline' }) });
    const settled = await paymentSettledAs(created.body.id, ['SUCCESS', 'FAILED']);
    expect(settled.body).toMatchObject({ status: 'FAILED', failureReason: 'card_declined' });
    expect(await chargesFor(created.body.id)).toHaveLength(0);
  });

  it.each(['tok_bank_error', 'tok_timeout'])(
    'leaves a %s payment PENDING for a later attempt',
    async (source) => {
      const created = await callApi('/v1/payments', { body: validPayment({ source }) });
      // The bank kept failing or never answered: the payment is deferred to another attempt, not failed.
      const deferred = await eventually(
        () => db.query('SELECT status, bank_attempts FROM payments WHERE id = $1', [created.body.id]),
        (result) => result.rows[0].bank_attempts >= 1,
      );
      expect(deferred.rows[0].status).toBe('PENDING');
      expect(await chargesFor(created.body.id)).toHaveLength(0);
    },
  );
});
