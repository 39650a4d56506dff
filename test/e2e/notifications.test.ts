import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../lambdas/core/domain/webhook-signature';
import { callApi, paymentSettledAs, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { runScript } from '../support/run-script';
import { deliveriesTo, failNextDeliveries, setEndpointDown } from '../support/webhooks';

const db = testDatabase();

const deliveryRecord = (paymentId: string, type: string) =>
  db.query(
    'SELECT event_id, status, attempts, response_status, last_error FROM webhook_deliveries WHERE payment_id = $1 AND event_type = $2',
    [paymentId, type],
  );

describe('merchant notifications', () => {
  it('sends a signed receipt for a SUCCESS, an alert for a FAILED, and notices of a refund and of its execution', async () => {
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
      (received) => received.length >= 4,
    );
    const types = deliveries
      .map((delivery) => JSON.parse(delivery.rawBody))
      .map((body) => `${body.type}:${body.data.paymentId}`);
    expect(types.sort()).toEqual(
      [
        `payment.failed:${declined.body.id}`,
        `payment.refunded:${paid.body.id}`,
        `payment.refund_executed:${paid.body.id}`,
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
      (result) => result.rows[0]?.status === 'delivered',
    );
    expect(record.rows[0]).toMatchObject({ status: 'delivered', attempts: 3, response_status: 204 });
    expect((await deliveriesTo(merchant.id)).map((delivery) => delivery.answered)).toEqual([500, 500, 204]);
  });

  it('delays a notice while the endpoint is down and delivers it once, with the same event id, when it is back', async () => {
    const merchant = await createTestMerchant(db);
    await setEndpointDown(merchant.id, true);
    const paid = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    // The notifier's attempts and at least one scheduled retry meet the outage: the notice waits.
    const waiting = await eventually(
      () => deliveryRecord(paid.body.id, 'payment.succeeded'),
      (result) => result.rows[0]?.status === 'pending' && result.rows[0].attempts >= 4,
    );
    expect(waiting.rows[0]).toMatchObject({ response_status: 503, last_error: 'endpoint answered 503' });
    const shown = await runScript('cli/aspay.ts', ['payments', 'show', paid.body.id]);
    expect(shown.stdout).toMatch(
      /payment\.succeeded {2}waiting for a retry at \S+Z after \d+ attempt\(s\): endpoint answered 503/,
    );

    await setEndpointDown(merchant.id, false);
    const delivered = await eventually(
      () => deliveryRecord(paid.body.id, 'payment.succeeded'),
      (result) => result.rows[0]?.status === 'delivered',
    );
    const eventId = delivered.rows[0].event_id;
    const received = await deliveriesTo(merchant.id);
    const answered = received.filter((delivery) => delivery.answered === 204);
    expect(answered).toHaveLength(1);
    expect(received.every((delivery) => delivery.headers['aspay-event-id'] === eventId)).toBe(true);
    // Every attempt carried the same body; the one that arrived is signed afresh and verifies.
    expect(new Set(received.map((delivery) => delivery.rawBody)).size).toBe(1);
    expect(JSON.parse(answered[0]?.rawBody ?? '{}')).toMatchObject({
      id: eventId,
      type: 'payment.succeeded',
    });
    expect(
      verifyWebhookSignature({
        header: answered[0]?.headers['aspay-signature'],
        rawBody: answered[0]?.rawBody ?? '',
        secret: merchant.webhookSecret,
      }),
    ).toBe(true);
    // Nothing sends it again: the sweeps that keep running leave a delivered notice alone.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await deliveriesTo(merchant.id)).filter((delivery) => delivery.answered === 204)).toHaveLength(1);
  });

  it('gives a delivery up as failed, visibly, once it failed for the whole retry period, and never touches the payment', async () => {
    const merchant = await createTestMerchant(db);
    await failNextDeliveries(merchant.id, 1_000);
    const paid = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    const record = await eventually(
      () => deliveryRecord(paid.body.id, 'payment.succeeded'),
      (result) => result.rows[0]?.status === 'failed',
      // The test timings give up after 30 s.
      { timeoutMs: 50_000 },
    );
    expect(record.rows[0]).toMatchObject({ status: 'failed', last_error: 'endpoint answered 500' });
    // 3 in the notifier, then retries every 0.5 s doubling to 2 s for 30 s: more than the notifier's alone.
    expect(record.rows[0].attempts).toBeGreaterThan(10);
    expect((await deliveriesTo(merchant.id)).length).toBe(record.rows[0].attempts);
    expect((await callApi(`/v1/payments/${paid.body.id}`, { apiKey: merchant.apiKey })).body.status).toBe(
      'SUCCESS',
    );
  }, 70_000);
});
