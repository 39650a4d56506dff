import { describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../lambdas/core/config/messaging';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { chargesFor } from '../support/bank';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { consumerCaughtUp, testKafka } from '../support/kafka';
import { aspayJson } from '../support/run-script';

const db = testDatabase();
const kafka = testKafka();
// The test stack reconciles after 8 attempts with backoff capped at 2 s (test/support/global-setup.ts), about
// 15 s alone. Attempts the open circuit breaker never sent do not count, and the breaker is shared with the
// other test files' bank failures, so in a full parallel run reaching the limit can take several times longer.
const GIVE_UP = { timeoutMs: 100_000 };

const refundRow = (paymentId: string) =>
  db.query<{ id: string; status: string; failure_reason: string | null }>(
    'SELECT id, status, failure_reason FROM refunds WHERE payment_id = $1',
    [paymentId],
  );

const ledgerKindsOf = (paymentId: string) =>
  db
    .query<{ kind: string }>(
      'SELECT kind FROM ledger.journal_entries WHERE payment_id = $1 ORDER BY posted_at',
      [paymentId],
    )
    .then((result) => result.rows.map((row) => row.kind));

describe('giving up on the bank, and reconciling first', { timeout: 150_000 }, () => {
  it('settles SUCCESS a payment whose every answer was lost, from the charge the bank made', async () => {
    const created = await callApi('/v1/payments', { body: validPayment({ source: 'tok_answer_lost' }) });

    const settled = await paymentSettledAs(created.body.id, ['SUCCESS', 'FAILED'], GIVE_UP);

    expect(settled.body.status).toBe('SUCCESS');
    expect(await chargesFor(created.body.id)).toHaveLength(1);
  });

  it('fails, with the reason, a payment the bank never charged after the attempt limit', async () => {
    const created = await callApi('/v1/payments', { body: validPayment({ source: 'tok_bank_error' }) });

    const settled = await paymentSettledAs(created.body.id, ['SUCCESS', 'FAILED'], GIVE_UP);

    expect(settled.body).toMatchObject({
      status: 'FAILED',
      failureReason: expect.stringMatching(/^bank_never_charged: no answer after \d+ attempts$/),
    });
    expect(await chargesFor(created.body.id)).toHaveLength(0);
  });

  it('fails a refund the bank rejects and makes its amount available again, with no ledger reversal for it', async () => {
    const merchant = await createTestMerchant(db);
    const created = await callApi('/v1/payments', {
      apiKey: merchant.apiKey,
      body: validPayment({ amount: '30.00', source: 'tok_refund_rejected' }),
    });
    await paymentSettledAs(created.body.id, ['SUCCESS'], { apiKey: merchant.apiKey });
    const refunded = await callApi(`/v1/payments/${created.body.id}/refunds`, {
      apiKey: merchant.apiKey,
      body: {},
    });
    expect(refunded.body.payment).toMatchObject({ status: 'SUCCESS', pendingRefundAmount: '30.00' });

    const restored = await eventually(
      () => callApi(`/v1/payments/${created.body.id}`, { apiKey: merchant.apiKey }),
      (response) => response.body.pendingRefundAmount === '0.00',
    );

    expect(restored.body).toMatchObject({ status: 'SUCCESS', refundedAmount: '0.00' });
    expect(restored.body.history.at(-1)).toMatchObject({ from: 'PENDING', to: 'SUCCESS' });
    expect((await refundRow(created.body.id)).rows[0]).toMatchObject({
      status: 'FAILED',
      failure_reason: 'rejected by the bank: refund_rejected',
    });
    await eventually(
      () =>
        db.query('SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND published_at IS NULL', [
          created.body.id,
        ]),
      (result) => result.rows[0].n === 0,
    );
    await consumerCaughtUp(kafka, CONSUMERS.ledger.groupId);
    expect(await ledgerKindsOf(created.body.id)).toEqual(['payment']);
    expect((await callApi('/v1/balance', { apiKey: merchant.apiKey })).body.payable).toEqual([
      { currency: 'USD', amount: '30.00' },
    ]);
  });

  it('gives up on a refund the bank never answers after the attempt limit, and shows it to operators', async () => {
    const created = await callApi('/v1/payments', {
      body: validPayment({ amount: '12.00', source: 'tok_refund_error' }),
    });
    await paymentSettledAs(created.body.id, ['SUCCESS']);
    await callApi(`/v1/payments/${created.body.id}/refunds`, { body: { amount: '5.00' } });

    const failed = await eventually(
      () => refundRow(created.body.id),
      (result) => result.rows[0]?.status === 'FAILED',
      GIVE_UP,
    );

    expect(failed.rows[0]?.failure_reason).toMatch(/^bank unavailable after \d+ attempts: /);
    expect((await callApi(`/v1/payments/${created.body.id}`)).body).toMatchObject({
      status: 'SUCCESS',
      refundedAmount: '0.00',
      pendingRefundAmount: '0.00',
    });
    const stuck = await aspayJson('payments', 'stuck');
    expect(stuck.json.failedRefunds.map((refund: { id: string }) => refund.id)).toContain(failed.rows[0]?.id);
  });

  it('lists payments waiting on the bank past the threshold and exits 1', async () => {
    const created = await callApi('/v1/payments', { body: validPayment({ source: 'tok_status_401' }) });
    await eventually(
      () => db.query('SELECT bank_attempts FROM payments WHERE id = $1', [created.body.id]),
      (result) => result.rows[0]?.bank_attempts >= 1,
    );

    const stuck = await aspayJson('payments', 'stuck', '--older-than', '0');

    expect(stuck.code).toBe(1);
    expect(stuck.json.pendingPayments.map((payment: { id: string }) => payment.id)).toContain(
      created.body.id,
    );
  });
});
