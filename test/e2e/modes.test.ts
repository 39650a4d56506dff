import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { bankRefundsOf, chargesFor } from '../support/bank';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { deliveriesTo } from '../support/webhooks';

const db = testDatabase();

/** A merchant of the test's own with one SUCCESS payment per mode. */
async function merchantWithPaymentInEachMode() {
  const merchant = await createTestMerchant(db);
  const keys = { test: merchant.apiKey, live: merchant.liveApiKey };
  const pay = async (apiKey: string) => {
    const created = await callApi('/v1/payments', { apiKey, body: validPayment({ amount: '25.00' }) });
    expect(created.status).toBe(202);
    return (await paymentSettledAs(created.body.id, ['SUCCESS'], { apiKey })).body;
  };
  const [test, live] = await Promise.all([pay(keys.test), pay(keys.live)]);
  return { merchant, keys, payments: { test, live } };
}

describe('test and live mode', () => {
  it('charges and refunds a test-mode payment at the bank sandbox only, and a live one at the live bank only', async () => {
    const { keys, payments } = await merchantWithPaymentInEachMode();
    expect(payments.test.livemode).toBe(false);
    expect(payments.live.livemode).toBe(true);

    const [testCharges, testChargesAtLive] = await Promise.all([
      chargesFor(payments.test.id, 'sandbox'),
      chargesFor(payments.test.id, 'live'),
    ]);
    expect(testCharges).toHaveLength(1);
    expect(testChargesAtLive).toEqual([]);
    const [liveCharges, liveChargesAtSandbox] = await Promise.all([
      chargesFor(payments.live.id, 'live'),
      chargesFor(payments.live.id, 'sandbox'),
    ]);
    expect(liveCharges).toHaveLength(1);
    expect(liveChargesAtSandbox).toEqual([]);

    const refunded = await callApi(`/v1/payments/${payments.test.id}/refunds`, {
      apiKey: keys.test,
      body: {},
    });
    expect(refunded.status).toBe(201);
    expect(refunded.body.livemode).toBe(false);
    const chargeId = (testCharges[0] as { id: string }).id;
    await eventually(
      () => bankRefundsOf(chargeId, 'sandbox'),
      (refunds) => refunds.length === 1,
    );
    expect(await bankRefundsOf(chargeId, 'live')).toEqual([]);
  });

  it('hides a test payment from the live key and a live payment from the test key: get, list and refund answer as for an unknown payment', async () => {
    const { keys, payments } = await merchantWithPaymentInEachMode();

    for (const [key, own, other] of [
      [keys.live, payments.live, payments.test],
      [keys.test, payments.test, payments.live],
    ] as const) {
      expect((await callApi(`/v1/payments/${own.id}`, { apiKey: key })).status).toBe(200);
      const read = await callApi(`/v1/payments/${other.id}`, { apiKey: key });
      expect(read.status).toBe(404);
      expect(read.body.code).toBe('not_found');
      const listed = await callApi('/v1/payments?limit=100', { apiKey: key });
      expect(listed.body.data.map((payment: { id: string }) => payment.id)).toEqual([own.id]);
      const refund = await callApi(`/v1/payments/${other.id}/refunds`, { apiKey: key, body: {} });
      expect(refund.status).toBe(404);
      expect(refund.body.code).toBe('not_found');
    }
  });

  it('scopes idempotency keys per mode: the same key in test and live makes two payments', async () => {
    const merchant = await createTestMerchant(db);
    const idempotencyKey = `order-${randomUUID()}`;
    const body = validPayment({ amount: '7.00' });

    const test = await callApi('/v1/payments', { apiKey: merchant.apiKey, idempotencyKey, body });
    const live = await callApi('/v1/payments', { apiKey: merchant.liveApiKey, idempotencyKey, body });
    const liveAgain = await callApi('/v1/payments', { apiKey: merchant.liveApiKey, idempotencyKey, body });

    expect([test.status, live.status]).toEqual([202, 202]);
    expect(live.body.id).not.toBe(test.body.id);
    expect([test.body.livemode, live.body.livemode]).toEqual([false, true]);
    expect(liveAgain.body.id).toBe(live.body.id);
  });

  it("keeps a balance per mode, and marks events and webhooks with the payment's mode", async () => {
    const { merchant, keys, payments } = await merchantWithPaymentInEachMode();
    const refund = await callApi(`/v1/payments/${payments.test.id}/refunds`, {
      apiKey: keys.test,
      body: { amount: '5.00' },
    });
    expect(refund.status).toBe(201);

    const testBalance = await eventually(
      () => callApi('/v1/balance', { apiKey: keys.test }),
      (response) => response.body.payable[0]?.amount === '20.00',
    );
    expect(testBalance.body).toMatchObject({
      livemode: false,
      payable: [{ currency: 'USD', amount: '20.00' }],
    });
    const liveBalance = await eventually(
      () => callApi('/v1/balance', { apiKey: keys.live }),
      (response) => response.body.payable.length > 0,
    );
    expect(liveBalance.body).toMatchObject({
      livemode: true,
      payable: [{ currency: 'USD', amount: '25.00' }],
    });

    const entries = await db.query<{ payment_id: string; mode: string; accounts: string[] }>(
      `SELECT e.payment_id, e.mode, array_agg(DISTINCT a.mode) AS accounts
       FROM ledger.journal_entries e JOIN ledger.postings p ON p.entry_id = e.id
       JOIN ledger.accounts a ON a.id = p.account_id
       WHERE e.merchant_id = $1 GROUP BY e.id`,
      [merchant.id],
    );
    for (const entry of entries.rows) {
      const mode = entry.payment_id === payments.live.id ? 'live' : 'test';
      expect(entry).toMatchObject({ mode, accounts: [mode] });
    }

    const events = await db.query<{ aggregate_id: string; livemode: boolean }>(
      "SELECT aggregate_id, (payload->>'livemode')::boolean AS livemode FROM outbox WHERE aggregate_id = ANY($1)",
      [[payments.test.id, payments.live.id]],
    );
    expect(events.rows.length).toBeGreaterThan(0);
    for (const event of events.rows) expect(event.livemode).toBe(event.aggregate_id === payments.live.id);

    const webhooks = await eventually(
      () => deliveriesTo(merchant.id),
      (deliveries) => deliveries.length >= 2,
    );
    for (const delivery of webhooks) {
      const body = JSON.parse(delivery.rawBody);
      expect(body.livemode).toBe(body.data.paymentId === payments.live.id);
    }
  });
});
