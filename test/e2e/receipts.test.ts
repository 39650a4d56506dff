import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONSUMERS } from '../../lambdas/core/config/messaging';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { consumerCaughtUp, testKafka } from '../support/kafka';
import { messagesTo } from '../support/mail';
import { aspayJson } from '../support/run-script';

const db = testDatabase();
const kafka = testKafka();

const customerAddress = () => `customer.${randomBytes(6).toString('hex')}@example.com`;

/** A merchant of its own, with customer receipts on or off (the operator's `aspay merchants receipts`). */
async function shop(receipts: 'on' | 'off') {
  const merchant = await createTestMerchant(db);
  const toggled = await aspayJson('merchants', 'receipts', merchant.id, receipts);
  expect(toggled).toMatchObject({ code: 0, json: { customerReceipts: receipts === 'on' } });
  return { ...merchant, as: { apiKey: merchant.apiKey } };
}

describe('customer receipts by e-mail', () => {
  it('sends the customer one receipt on success and one notice when the bank executed a refund', async () => {
    const merchant = await shop('on');
    const customer = customerAddress();
    const { body } = await callApi('/v1/payments', {
      ...merchant.as,
      body: validPayment({ amount: '40.00', customer, description: 'Green tea' }),
    });
    await paymentSettledAs(body.id, ['SUCCESS'], merchant.as);
    const receipt = await eventually(
      () => messagesTo(customer),
      (messages) => messages.length >= 1,
    );
    expect(receipt[0]).toMatchObject({
      subject: expect.stringContaining('Your receipt from'),
      text: expect.stringContaining('You paid 40.00 USD'),
    });
    expect(receipt[0]?.text).toContain('Description: Green tea');

    const refund = await callApi(`/v1/payments/${body.id}/refunds`, {
      ...merchant.as,
      body: { amount: '15.00' },
    });
    expect(refund.status).toBe(201);
    const both = await eventually(
      () => messagesTo(customer),
      (messages) => messages.length >= 2,
    );
    expect(both[1]).toMatchObject({ text: expect.stringContaining('refunded 15.00 USD of your payment') });

    // Once the receipts consumer has read every event: these two, once each.
    await consumerCaughtUp(kafka, CONSUMERS.receipts.groupId);
    const all = await messagesTo(customer);
    expect(all).toHaveLength(2);
    expect(new Set(all.map((message) => message.messageId)).size).toBe(2);
    const records = await db.query(
      'SELECT event_type, status, attempts FROM receipt_deliveries WHERE payment_id = $1 ORDER BY created_at',
      [body.id],
    );
    expect(records.rows).toEqual([
      { event_type: 'payment.succeeded', status: 'sent', attempts: 1 },
      { event_type: 'payment.refund_executed', status: 'sent', attempts: 1 },
    ]);
  });

  it('tells the customer a failed payment was not charged', async () => {
    const merchant = await shop('on');
    const customer = customerAddress();
    const { body } = await callApi('/v1/payments', {
      ...merchant.as,
      body: validPayment({ customer, source: 'tok_decline' }),
    });
    await paymentSettledAs(body.id, ['FAILED'], merchant.as);
    const notice = await eventually(
      () => messagesTo(customer),
      (messages) => messages.length >= 1,
    );
    expect(notice[0]).toMatchObject({
      subject: expect.stringContaining('did not go through'),
      text: expect.stringContaining('nothing was charged'),
    });
  });

  it('sends nothing for a merchant that did not opt in', async () => {
    const merchant = await shop('off');
    const customer = customerAddress();
    const { body } = await callApi('/v1/payments', { ...merchant.as, body: validPayment({ customer }) });
    await paymentSettledAs(body.id, ['SUCCESS'], merchant.as);
    await consumerCaughtUp(kafka, CONSUMERS.receipts.groupId);
    expect(await messagesTo(customer)).toEqual([]);
    const records = await db.query(
      'SELECT count(*)::int AS n FROM receipt_deliveries WHERE payment_id = $1',
      [body.id],
    );
    expect(records.rows[0].n).toBe(0);
  });

  it('refuses an unknown merchant or state with a one-line usage error', async () => {
    expect((await aspayJson('merchants', 'receipts', 'mer_nobody', 'on')).code).toBe(2);
    expect((await aspayJson('merchants', 'receipts', 'mer_nobody', 'maybe')).code).toBe(2);
  });
});
