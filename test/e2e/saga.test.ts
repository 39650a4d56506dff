import { describe, expect, it } from 'vitest';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { bankRefundsOf, chargesFor } from '../support/bank';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { localEndpoints } from '../support/local-stack';
import { deliveriesTo } from '../support/webhooks';

const db = testDatabase();

describe('the saga', () => {
  it('compensates a payment the ledger cannot post: refund at the bank, REFUNDED, and a notification', async () => {
    const merchant = await createTestMerchant(db);
    await db.query(
      "INSERT INTO ledger.frozen_merchants (merchant_id, reason) VALUES ($1, 'compliance review')",
      [merchant.id],
    );
    const created = await callApi('/v1/payments', {
      apiKey: merchant.apiKey,
      body: validPayment({ amount: '42.00' }),
    });

    const refunded = await paymentSettledAs(created.body.id, ['REFUNDED'], {
      apiKey: merchant.apiKey,
      timeoutMs: 30_000,
    });
    expect(refunded.body.history.map((change: { to: string }) => change.to)).toEqual([
      'INITIATED',
      'PENDING',
      'SUCCESS',
      'REFUNDED',
    ]);
    expect(refunded.body.history.at(-1).reason).toBe(
      'compensation: merchant account frozen: compliance review',
    );
    expect(refunded.body.refundedAmount).toBe('42.00');

    const [charge] = await chargesFor(created.body.id);
    const bankRefunds = await eventually(
      () => bankRefundsOf(charge?.id ?? ''),
      (found) => found.length > 0,
    );
    expect(bankRefunds).toEqual([expect.objectContaining({ amount: '42.00' })]);

    const notified = await eventually(
      () => deliveriesTo(merchant.id),
      (received) => received.some((delivery) => JSON.parse(delivery.rawBody).type === 'payment.refunded'),
    );
    expect(notified.map((delivery) => JSON.parse(delivery.rawBody).type)).toContain('payment.refunded');
    const entries = await db.query(
      'SELECT count(*)::int AS n FROM ledger.journal_entries WHERE payment_id = $1',
      [created.body.id],
    );
    expect(entries.rows[0].n).toBe(0);
  });

  it('never compensates a payment because its notification failed', async () => {
    const merchant = await createTestMerchant(db);
    await fetch(`${localEndpoints().webhookSinkUrl}/admin/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ merchantId: merchant.id, times: 100 }),
    });
    const created = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    await eventually(
      () =>
        db.query('SELECT status FROM webhook_deliveries WHERE payment_id = $1 AND last_error IS NOT NULL', [
          created.body.id,
        ]),
      (result) => result.rows.length === 1,
    );
    const payment = await callApi(`/v1/payments/${created.body.id}`, { apiKey: merchant.apiKey });
    expect(payment.body).toMatchObject({ status: 'SUCCESS', refundedAmount: '0.00' });
  });
});
