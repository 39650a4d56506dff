import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callApi, merchant, paymentSettledAs, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { localEndpoints } from '../support/local-stack';
import { deliveriesTo } from '../support/webhooks';

const db = testDatabase();

/** The kinds of the payment's journal entries, oldest first. */
async function ledgerEntriesOf(paymentId: string): Promise<string[]> {
  const { rows } = await db.query<{ kind: string }>(
    'SELECT kind FROM ledger.journal_entries WHERE payment_id = $1 ORDER BY posted_at, kind',
    [paymentId],
  );
  return rows.map((row) => row.kind);
}

async function settledPayment(amount: string): Promise<string> {
  const { body } = await callApi('/v1/payments', { body: validPayment({ amount }) });
  await paymentSettledAs(body.id, ['SUCCESS']);
  return body.id;
}

describe('refunds', () => {
  it('answers a refund pending with the payment SUCCESS, and moves the payment only once the bank executed it', async () => {
    const merchant = await createTestMerchant(db);
    const as = { apiKey: merchant.apiKey };
    const { body } = await callApi('/v1/payments', { ...as, body: validPayment({ amount: '100.00' }) });
    const id = body.id;
    await paymentSettledAs(id, ['SUCCESS'], as);
    const partial = await callApi(`/v1/payments/${id}/refunds`, {
      ...as,
      body: { amount: '30.00', reason: 'one item back' },
    });
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({
      object: 'refund',
      amount: '30.00',
      status: 'pending',
      payment: { status: 'SUCCESS', refundedAmount: '0.00', pendingRefundAmount: '30.00' },
    });
    const rest = await callApi(`/v1/payments/${id}/refunds`, { ...as, body: {} });
    expect(rest.body).toMatchObject({ amount: '70.00', status: 'pending', payment: { status: 'SUCCESS' } });
    // The bank may have executed the first one meanwhile: together, the whole amount.
    expect([
      ['0.00', '100.00'],
      ['30.00', '70.00'],
    ]).toContainEqual([rest.body.payment.refundedAmount, rest.body.payment.pendingRefundAmount]);

    const refunded = await paymentSettledAs(id, ['REFUNDED'], as);
    expect(refunded.body).toMatchObject({ refundedAmount: '100.00', pendingRefundAmount: '0.00' });
    expect(refunded.body.history.map((change: { to: string }) => change.to)).toEqual([
      'INITIATED',
      'PENDING',
      'SUCCESS',
      'REFUNDED',
    ]);
    for (const refund of [partial, rest])
      expect((await callApi(`/v1/refunds/${refund.body.id}`, as)).body.status).toBe('succeeded');
    // One notice of each refund's execution, one ledger reversal each.
    const executedNotices = async () =>
      (await deliveriesTo(merchant.id)).filter((delivery) =>
        delivery.rawBody.includes('payment.refund_executed'),
      );
    await eventually(executedNotices, (notices) => notices.length >= 2);
    expect(
      await eventually(
        () => ledgerEntriesOf(id),
        (kinds) => kinds.length >= 3,
      ),
    ).toEqual(['payment', 'refund', 'refund']);
    expect(await executedNotices()).toHaveLength(2);
  });

  it('refuses a refund larger than what remains with 422', async () => {
    const id = await settledPayment('10.00');
    const response = await callApi(`/v1/payments/${id}/refunds`, { body: { amount: '10.01' } });
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('refund_exceeds_available');
  });

  it('refuses to refund a payment that has not succeeded with 409', async () => {
    const { body } = await callApi('/v1/payments', { body: validPayment({ source: 'tok_decline' }) });
    await paymentSettledAs(body.id, ['FAILED']);
    const response = await callApi(`/v1/payments/${body.id}/refunds`, { body: {} });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('refund_not_allowed');
  });

  it('never refunds more than the amount under concurrent requests', async () => {
    const id = await settledPayment('100.00');
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => callApi(`/v1/payments/${id}/refunds`, { body: { amount: '30.00' } })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 422, 422, 422, 422, 422]);
    const stored = await db.query(
      'SELECT (SELECT sum(amount)::text FROM refunds WHERE payment_id = $1) AS total',
      [id],
    );
    expect(stored.rows[0]).toMatchObject({ total: '90.0000' });
    // Counted as pending or as refunded, depending on how far the bank got: together, the three refunds.
    const totals = await db.query(
      'SELECT (refunded_amount + pending_refund_amount)::text AS both FROM payments WHERE id = $1',
      [id],
    );
    expect(totals.rows[0].both).toBe('90.0000');
  });

  it('replays a refund for a repeated idempotency key without refunding twice', async () => {
    const id = await settledPayment('50.00');
    const key = randomUUID();
    const first = await callApi(`/v1/payments/${id}/refunds`, {
      body: { amount: '5.00' },
      idempotencyKey: key,
    });
    const again = await callApi(`/v1/payments/${id}/refunds`, {
      body: { amount: '5.00' },
      idempotencyKey: key,
    });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const count = await db.query('SELECT count(*)::int AS n FROM refunds WHERE payment_id = $1', [id]);
    expect(count.rows[0].n).toBe(1);
  });

  it('answers a new refund pending, and reads it succeeded once the bank executed it', async () => {
    const id = await settledPayment('20.00');
    const created = await callApi(`/v1/payments/${id}/refunds`, { body: { amount: '8.00' } });
    expect(created.body).toMatchObject({ status: 'pending', failureReason: null });
    expect(created.body.updatedAt).toBe(created.body.createdAt);

    const read = await eventually(
      () => callApi(`/v1/refunds/${created.body.id}`),
      (response) => response.body.status !== 'pending',
    );
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: created.body.id,
      object: 'refund',
      livemode: false,
      paymentId: id,
      amount: '8.00',
      status: 'succeeded',
      failureReason: null,
      payment: { id, refundedAmount: '8.00' },
    });
    expect(Date.parse(read.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(read.body.createdAt));
  });

  // Its ledger (no reversal) and balance: test/e2e/bank-give-up.test.ts.
  it('fails a refund the bank rejects, with its reason and one notice, the payment untouched', async () => {
    const merchant = await createTestMerchant(db);
    const as = { apiKey: merchant.apiKey };
    const { body } = await callApi('/v1/payments', {
      ...as,
      body: validPayment({ amount: '12.00', source: 'tok_refund_rejected' }),
    });
    await paymentSettledAs(body.id, ['SUCCESS'], as);
    const created = await callApi(`/v1/payments/${body.id}/refunds`, { ...as, body: {} });
    expect(created.body).toMatchObject({
      status: 'pending',
      payment: { status: 'SUCCESS', pendingRefundAmount: '12.00' },
    });

    const read = await eventually(
      () => callApi(`/v1/refunds/${created.body.id}`, as),
      (response) => response.body.status !== 'pending',
    );
    expect(read.body).toMatchObject({
      status: 'failed',
      failureReason: expect.stringContaining('refund_rejected'),
      payment: { status: 'SUCCESS', refundedAmount: '0.00', pendingRefundAmount: '0.00' },
    });
    const notices = await eventually(
      () => deliveriesTo(merchant.id),
      (received) => received.some((delivery) => delivery.rawBody.includes('payment.refund_failed')),
    );
    expect(notices.map((delivery) => JSON.parse(delivery.rawBody).type).sort()).toEqual([
      'payment.refund_failed',
      'payment.refunded',
      'payment.succeeded',
    ]);
    // The amount is available again: refunded in full by a new refund.
    expect((await callApi(`/v1/payments/${body.id}/refunds`, { ...as, body: {} })).status).toBe(201);
  });

  it("answers 404 for another merchant's refund, the other mode's, an unknown one and a malformed id", async () => {
    const id = await settledPayment('5.00');
    const created = await callApi(`/v1/payments/${id}/refunds`, { body: {} });
    const acmeLive = localEndpoints().merchants.find((demo) => demo.id === merchant('acme').id)?.liveApiKey;
    for (const response of [
      await callApi(`/v1/refunds/${created.body.id}`, { as: 'globex' }),
      await callApi(`/v1/refunds/${created.body.id}`, { apiKey: acmeLive }),
      await callApi(`/v1/refunds/${randomUUID()}`),
      await callApi('/v1/refunds/re_1'),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'not_found', detail: 'No such refund.' });
    }
    expect((await callApi(`/v1/refunds/${created.body.id}`, { as: null })).status).toBe(401);
  });

  it("lists a payment's refunds newest first, a page at a time, and nothing of another merchant's payment", async () => {
    const id = await settledPayment('30.00');
    const ids: string[] = [];
    for (const amount of ['1.00', '2.00', '3.00'])
      ids.push((await callApi(`/v1/payments/${id}/refunds`, { body: { amount } })).body.id);

    const first = await callApi(`/v1/payments/${id}/refunds?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'list', hasMore: true, nextStartingAfter: ids[1] });
    expect(first.body.data.map((refund: { id: string }) => refund.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data[0]).toMatchObject({ object: 'refund', paymentId: id, amount: '3.00' });
    const second = await callApi(`/v1/payments/${id}/refunds?limit=2&starting_after=${ids[1]}`);
    expect(second.body).toMatchObject({ hasMore: false, nextStartingAfter: null });
    expect(second.body.data.map((refund: { id: string }) => refund.id)).toEqual([ids[0]]);

    expect((await callApi(`/v1/payments/${id}/refunds`, { as: 'globex' })).status).toBe(404);
    expect((await callApi(`/v1/payments/${randomUUID()}/refunds`)).status).toBe(404);
    const refused = await callApi(`/v1/payments/${id}/refunds?limit=0`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'validation_error', errors: [{ field: 'limit' }] });
  });
});
