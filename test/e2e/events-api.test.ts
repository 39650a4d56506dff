import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../lambdas/core/domain/webhook-signature';
import { callApi, merchant, paymentSettledAs, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { localEndpoints } from '../support/local-stack';
import { aspayJson } from '../support/run-script';
import { deliveriesTo, setEndpointDown } from '../support/webhooks';

const db = testDatabase();

interface EventItem {
  id: string;
  object: string;
  type: string;
  createdAt: string;
  data: { paymentId: string };
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers.
  delivery: any;
}

/** A settled, partly refunded payment of acme's, once its three webhooks (the refund's execution too) were delivered. */
async function refundedPayment(): Promise<{ id: string; events: EventItem[] }> {
  const { body } = await callApi('/v1/payments', { body: validPayment({ amount: '40.00' }) });
  await paymentSettledAs(body.id, ['SUCCESS']);
  expect((await callApi(`/v1/payments/${body.id}/refunds`, { body: { amount: '15.00' } })).status).toBe(201);
  const listed = await eventually(
    () => callApi(`/v1/events?payment=${body.id}`),
    (response) =>
      response.body.data.length === 3 &&
      response.body.data.every((event: EventItem) => event.delivery?.status === 'delivered'),
  );
  return { id: body.id, events: listed.body.data };
}

describe('GET /v1/events and /v1/events/{id}', () => {
  it("lists a payment's events newest first, each its webhook's body with the delivery", async () => {
    const { id, events } = await refundedPayment();
    expect(events.map((event) => event.type)).toEqual([
      'payment.refund_executed',
      'payment.refunded',
      'payment.succeeded',
    ]);
    const received = await deliveriesTo(merchant('acme').id);
    for (const event of events) {
      const { object, delivery, ...body } = event;
      expect(object).toBe('event');
      const sent = received.find((delivered) => JSON.parse(delivered.rawBody).id === event.id);
      expect(JSON.parse(sent?.rawBody ?? '{}')).toEqual(body);
      expect(delivery).toMatchObject({
        status: 'delivered',
        attempts: 1,
        responseStatus: 204,
        lastError: null,
      });
    }
    expect(events[0]).toMatchObject({ livemode: false, data: { paymentId: id, amount: '15.00' } });
  });

  it('keeps only the events of the type asked for', async () => {
    const { id, events } = await refundedPayment();
    const refunds = await callApi(`/v1/events?payment=${id}&type=payment.refunded`);
    expect(refunds.status).toBe(200);
    expect(refunds.body.data).toEqual(events.filter((event) => event.type === 'payment.refunded'));
    expect(refunds.body.data).toHaveLength(1);
    const failures = await callApi(`/v1/events?payment=${id}&type=payment.refund_failed`);
    expect(failures.body).toMatchObject({ data: [], hasMore: false });
  });

  it('pages with limit and starting_after, and answers nothing after the last', async () => {
    const { id, events } = await refundedPayment();
    const first = await callApi(`/v1/events?payment=${id}&limit=1`);
    expect(first.body).toMatchObject({ object: 'list', url: '/v1/events', hasMore: true });
    expect(first.body.data.map((event: EventItem) => event.id)).toEqual([events[0]?.id]);
    expect(first.body.nextStartingAfter).toBe(events[0]?.id);
    const second = await callApi(
      `/v1/events?payment=${id}&limit=1&starting_after=${first.body.nextStartingAfter}`,
    );
    expect(second.body.data.map((event: EventItem) => event.id)).toEqual([events[1]?.id]);
    expect(second.body).toMatchObject({ hasMore: true, nextStartingAfter: events[1]?.id });
    const third = await callApi(`/v1/events?payment=${id}&limit=1&starting_after=${events[1]?.id}`);
    expect(third.body.data.map((event: EventItem) => event.id)).toEqual([events[2]?.id]);
    expect(third.body).toMatchObject({ hasMore: false, nextStartingAfter: null });
    const after = await callApi(`/v1/events?payment=${id}&starting_after=${events[2]?.id}`);
    expect(after.body.data).toEqual([]);
  });

  it('keeps listing an event once the outbox pruned it, from its delivery record', async () => {
    const { id, events } = await refundedPayment();
    // What the relay's pruning does to a published row (docs/outbox-relay.md), done now.
    const pruned = await db.query('DELETE FROM outbox WHERE aggregate_id = $1 AND published_at IS NOT NULL', [
      id,
    ]);
    expect(pruned.rowCount).toBeGreaterThanOrEqual(3);
    const listed = await callApi(`/v1/events?payment=${id}`);
    expect(listed.body.data).toEqual(events);
    expect((await callApi(`/v1/events/${events[0]?.id}`)).body).toEqual(events[0]);
  });

  it('reads one event back by the id its webhook carried, as the list shows it', async () => {
    const { id, events } = await refundedPayment();
    for (const event of events) {
      const read = await callApi(`/v1/events/${event.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(event);
    }
    // Outside the payment's list too: the event id alone finds it.
    expect((await callApi(`/v1/events/${events[0]?.id}`)).body.data.paymentId).toBe(id);
  });

  it("answers 404 for another merchant's or the other mode's event, an internal one, and an unknown id", async () => {
    const { id, events } = await refundedPayment();
    const { rows } = await db.query<{ event_id: string }>(
      "SELECT event_id FROM outbox WHERE aggregate_id = $1 AND event_type = 'payment.initiated'",
      [id],
    );
    const acmeLive = localEndpoints().merchants.find((demo) => demo.id === merchant('acme').id)?.liveApiKey;
    const refused = [
      await callApi(`/v1/events/${events[0]?.id}`, { as: 'globex' }),
      await callApi(`/v1/events/${events[0]?.id}`, { apiKey: acmeLive }),
      await callApi(`/v1/events/${rows[0]?.event_id}`),
      await callApi(`/v1/events/${randomUUID()}`),
      await callApi('/v1/events/evt_1'),
    ];
    for (const response of refused) {
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ code: 'not_found', detail: 'No such event.' });
    }
  });

  it("shows another merchant's or the other mode's payment as having no events", async () => {
    const { id } = await refundedPayment();
    const foreign = await callApi(`/v1/events?payment=${id}`, { as: 'globex' });
    expect(foreign.status).toBe(200);
    expect(foreign.body).toMatchObject({ data: [], hasMore: false });
    const acmeLive = localEndpoints().merchants.find((demo) => demo.id === merchant('acme').id)?.liveApiKey;
    const live = await callApi(`/v1/events?payment=${id}`, { apiKey: acmeLive });
    expect(live.body).toMatchObject({ data: [], hasMore: false });
    expect((await callApi(`/v1/events?payment=${randomUUID()}`)).body.data).toEqual([]);
  });

  it('lists events with no delivery for a merchant with no webhook endpoint', async () => {
    const registered = await aspayJson('merchants', 'create', 'Events Quiet Shop');
    const apiKey = registered.json.apiKeys.test;
    const { body } = await callApi('/v1/payments', { apiKey, body: validPayment() });
    await paymentSettledAs(body.id, ['SUCCESS'], { apiKey });
    const listed = await eventually(
      () => callApi(`/v1/events?payment=${body.id}`, { apiKey }),
      (response) => response.body.data.length === 1,
    );
    expect(listed.body.data[0]).toMatchObject({ type: 'payment.succeeded', delivery: null });
  });

  it.each([
    [`payment=${randomUUID()}&limit=0`, 'limit', 'too_small'],
    [`payment=${randomUUID()}&limit=101`, 'limit', 'too_big'],
    ['payment=not-a-uuid', 'payment', 'invalid_format'],
    [`payment=${randomUUID()}&starting_after=evt_1`, 'starting_after', 'invalid_format'],
    [`payment=${randomUUID()}&type=payment.initiated`, 'type', 'invalid_value'],
    [`payment=${randomUUID()}&type=charge.succeeded`, 'type', 'invalid_value'],
    [`payment=${randomUUID()}&types=payment.succeeded`, 'types', 'unknown_field'],
  ])('refuses ?%s with a field error on %s', async (query, field, code) => {
    const response = await callApi(`/v1/events?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_error', errors: [{ field, code }] });
  });

  it("lists the merchant's events across its payments without `payment`, newest first, and no one else's", async () => {
    const shop = await createTestMerchant(db);
    const as = { apiKey: shop.apiKey };
    const paid = await callApi('/v1/payments', { ...as, body: validPayment() });
    const declined = await callApi('/v1/payments', { ...as, body: validPayment({ source: 'tok_decline' }) });
    await paymentSettledAs(paid.body.id, ['SUCCESS'], as);
    await paymentSettledAs(declined.body.id, ['FAILED'], as);

    const listed = await eventually(
      () => callApi('/v1/events', as),
      (response) => response.body.data.length === 2,
    );
    const events = listed.body.data as EventItem[];
    expect(events.map((event) => `${event.type}:${event.data.paymentId}`).sort()).toEqual(
      [`payment.failed:${declined.body.id}`, `payment.succeeded:${paid.body.id}`].sort(),
    );
    expect(Date.parse(events[0]?.createdAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(events[1]?.createdAt ?? ''),
    );
    const firstPage = await callApi('/v1/events?limit=1', as);
    expect(firstPage.body).toMatchObject({ hasMore: true, nextStartingAfter: events[0]?.id });
    const secondPage = await callApi(`/v1/events?limit=1&starting_after=${events[0]?.id}`, as);
    expect(secondPage.body.data.map((event: EventItem) => event.id)).toEqual([events[1]?.id]);
    const failures = await callApi('/v1/events?type=payment.failed', as);
    expect(failures.body.data.map((event: EventItem) => event.data.paymentId)).toEqual([declined.body.id]);
    const live = await callApi('/v1/events', { apiKey: shop.liveApiKey });
    expect(live.body.data).toEqual([]);
  });

  it('resends an event given up while the endpoint was down: once, with the same id and a valid signature', async () => {
    const shop = await createTestMerchant(db);
    const as = { apiKey: shop.apiKey };
    await setEndpointDown(shop.id, true);
    const { body } = await callApi('/v1/payments', { ...as, body: validPayment() });
    // Given up after the retry window (30 s with the test timings), the notice is still listed.
    const givenUp = await eventually(
      () => callApi(`/v1/events?payment=${body.id}`, as),
      (response) => response.body.data[0]?.delivery?.status === 'failed',
      { timeoutMs: 90_000 },
    );
    const event = givenUp.body.data[0] as EventItem;
    const refusedAttempts = (await deliveriesTo(shop.id)).length;
    await setEndpointDown(shop.id, false);

    const resent = await callApi(`/v1/events/${event.id}/resend`, { ...as, method: 'POST' });
    expect(resent.status).toBe(202);
    expect(resent.body).toMatchObject({ id: event.id, delivery: { status: 'pending' } });
    const delivered = await eventually(
      () => callApi(`/v1/events/${event.id}`, as),
      (response) => response.body.delivery.status === 'delivered',
    );
    expect(delivered.body.delivery).toMatchObject({ responseStatus: 204, lastError: null });
    const received = (await deliveriesTo(shop.id)).slice(refusedAttempts);
    expect(received.map((delivery) => delivery.answered)).toEqual([204]);
    const [again] = received;
    expect(JSON.parse(again?.rawBody ?? '{}')).toMatchObject({ id: event.id, type: 'payment.succeeded' });
    expect(
      verifyWebhookSignature({
        header: again?.headers['aspay-signature'] ?? '',
        rawBody: again?.rawBody ?? '',
        secret: shop.webhookSecret,
      }),
    ).toBe(true);
  }, 150_000);

  it("refuses to resend without an endpoint (409), and an event that is not the merchant's (404)", async () => {
    const registered = await aspayJson('merchants', 'create', 'Events Resend Quiet Shop');
    const apiKey = registered.json.apiKeys.test;
    const { body } = await callApi('/v1/payments', { apiKey, body: validPayment() });
    const listed = await eventually(
      () => callApi(`/v1/events?payment=${body.id}`, { apiKey }),
      (response) => response.body.data.length === 1,
    );
    const eventId = listed.body.data[0].id;
    const noEndpoint = await callApi(`/v1/events/${eventId}/resend`, { apiKey, method: 'POST' });
    expect(noEndpoint.status).toBe(409);
    expect(noEndpoint.body).toMatchObject({ code: 'no_webhook_endpoint' });
    for (const response of [
      await callApi(`/v1/events/${eventId}/resend`, { method: 'POST' }),
      await callApi(`/v1/events/${randomUUID()}/resend`, { apiKey, method: 'POST' }),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'not_found' });
    }
  });

  it('shows operators the same events, and resends one, with npx aspay events', async () => {
    const { id, events } = await refundedPayment();
    const listed = await aspayJson('events', 'list', '--merchant', merchant('acme').id, '--payment', id);
    expect(listed.code).toBe(0);
    expect(listed.json.data).toEqual(events);
    const shown = await aspayJson('events', 'show', events[0]?.id ?? '');
    expect(shown.json).toEqual(events[0]);
    const resent = await aspayJson('events', 'resend', events[2]?.id ?? '');
    expect(resent.json).toMatchObject({ id: events[2]?.id, delivery: { status: 'pending' } });
    const redelivered = await eventually(
      () => deliveriesTo(merchant('acme').id),
      (received) =>
        received.filter((delivery) => JSON.parse(delivery.rawBody).id === events[2]?.id).length === 2,
    );
    expect(redelivered.filter((delivery) => JSON.parse(delivery.rawBody).id === events[2]?.id)).toHaveLength(
      2,
    );
    const unknown = await aspayJson('events', 'show', randomUUID());
    expect(unknown.code).toBe(2);
  });

  it('refuses a request without a key', async () => {
    expect((await callApi(`/v1/events?payment=${randomUUID()}`, { as: null })).status).toBe(401);
  });
});
