import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../lambdas/core/domain/webhook-signature';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { deliveriesTo, failNextDeliveries } from '../support/webhooks';

const db = testDatabase();

const deliveryRecord = (paymentId: string, type: string) =>
  db.query(
    'SELECT status, attempts, response_status, last_error FROM webhook_deliveries WHERE payment_id = $1 AND event_type = $2',
    [paymentId, type],
  );

describe('merchant notifications', () => {
  it('sends a signed receipt for a SUCCESS, an alert for a FAILED and a notice for a refund', async () => {
    const merchant = await createTestMerchant(db);
    const paid = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    const declined = await callApi('/v1/payments', {
      apiKey: merchant.apiKey,
      body: validPayment({ source: 'tok_decline' }),
    });
    await paymentSettledAs(paid.body.id, ['SUCCESS'], { apiKey: merchant.apiKey });
    await callApi(`/v1/payments/${paid.body.id}/refunds`, {
      apiKey: merchant.apiKey,
      body: { amount: '5.00' },
    });

    const deliveries = await eventually(
      () => deliveriesTo(merchant.id),
      (received) => received.length >= 3,
    );
    const types = deliveries
      .map((delivery) => JSON.parse(delivery.rawBody))
      .map((body) => `${body.type}:${body.data.paymentId}`);
    expect(types.sort()).toEqual(
      [
        `payment.failed:${declined.body.id}`,
        `payment.refunded:${paid.body.id}`,
        `payment.succeeded:${paid.body.id}`,
      ].sort(),
    );
    for (const delivery of deliveries) {
      expect(
        verifyWebhookSignature({
          header: delivery.headers['aspay-signature'],
          rawBody: delivery.rawBody,
          secret: merchant.webhookSecret,
        }),
      ).toBe(true);
      expect(
        verifyWebhookSignature({
          header: delivery.headers['aspay-signature'],
          rawBody: `${delivery.rawBody} `,
          secret: merchant.webhookSecret,
        }),
      ).toBe(false);
    }
  });

  it('retries a failing endpoint with backoff until it answers', async () => {
    const merchant = await createTestMerchant(db);
    await failNextDeliveries(merchant.id, 2);
    const paid = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    const record = await eventually(
      () => deliveryRecord(paid.body.id, 'payment.succeeded'),
      (result) => result.rows.length === 1,
    );
    expect(record.rows[0]).toMatchObject({ status: 'delivered', attempts: 3, response_status: 204 });
    expect((await deliveriesTo(merchant.id)).map((delivery) => delivery.answered)).toEqual([500, 500, 204]);
  });

  it('records a delivery that finally fails, visibly, and never touches the payment', async () => {
    const merchant = await createTestMerchant(db);
    await failNextDeliveries(merchant.id, 100);
    const paid = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    const record = await eventually(
      () => deliveryRecord(paid.body.id, 'payment.succeeded'),
      (result) => result.rows.length === 1,
    );
    expect(record.rows[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      last_error: 'endpoint answered 500',
    });
    expect((await callApi(`/v1/payments/${paid.body.id}`, { apiKey: merchant.apiKey })).body.status).toBe(
      'SUCCESS',
    );
  });
});
