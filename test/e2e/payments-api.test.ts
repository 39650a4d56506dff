import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES } from '../../lambdas/core/config/routes';
import { EVENT_SCHEMA_VERSION } from '../../lambdas/core/domain/events';
import { callApi, merchant, paymentSettledAs, validPayment } from '../support/api-client';
import { testDatabase } from '../support/database';

const db = testDatabase();
const PROBLEM = 'application/problem+json';

describe('creating a payment', () => {
  it('answers 202 at once with the INITIATED payment and its Location', async () => {
    const response = await callApi('/v1/payments', { body: validPayment({ amount: '25.5' }) });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/v1/payments/${response.body.id}`);
    expect(response.body).toMatchObject({
      object: 'payment',
      status: 'INITIATED',
      amount: '25.50',
      currency: 'USD',
      refundedAmount: '0.00',
      merchantId: merchant('acme').id,
      metadata: { order: '1001' },
    });
    expect(response.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes the payment, its first history row and a payment.initiated outbox event together', async () => {
    const { body } = await callApi('/v1/payments', { body: validPayment() });
    // Later transitions (the bank processor runs in the background) append rows and events of their own.
    const history = await db.query(
      'SELECT from_status, to_status FROM payment_status_history WHERE payment_id = $1 ORDER BY id LIMIT 1',
      [body.id],
    );
    expect(history.rows).toEqual([{ from_status: null, to_status: 'INITIATED' }]);
    const outbox = await db.query(
      'SELECT event_type, payload FROM outbox WHERE aggregate_id = $1 AND aggregate_version = 1',
      [body.id],
    );
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0].event_type).toBe('payment.initiated');
    expect(outbox.rows[0].payload).toMatchObject({
      type: 'payment.initiated',
      version: EVENT_SCHEMA_VERSION,
      paymentId: body.id,
      merchantId: merchant('acme').id,
      livemode: false,
      data: { amount: '25.00', currency: 'USD', status: 'INITIATED', source: 'tok_success' },
    });
    expect(outbox.rows[0].payload.occurredAt).toMatch(/Z$/);
  });

  it('keeps the exact decimal amount of a three-decimal currency', async () => {
    const { status, body } = await callApi('/v1/payments', {
      body: validPayment({ amount: '1234567.891', currency: 'BHD' }),
    });
    expect(status).toBe(202);
    const stored = await db.query('SELECT amount::text AS amount FROM payments WHERE id = $1', [body.id]);
    expect(stored.rows[0].amount).toBe('1234567.8910');
    expect(body.amount).toBe('1234567.891');
  });
});

describe('idempotency', () => {
  it('replays the first response for a repeated idempotency key', async () => {
    const key = randomUUID();
    const first = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    const again = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
  });

  it('accepts the Idempotency-Key header too', async () => {
    const key = randomUUID();
    const headers = { 'idempotency-key': key };
    const first = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: null, headers });
    const again = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: null, headers });
    expect(first.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses the same key with a different body with 422', async () => {
    const key = randomUUID();
    await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key });
    const other = await callApi('/v1/payments', {
      body: validPayment({ amount: '26.00' }),
      idempotencyKey: key,
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('scopes keys per merchant', async () => {
    const key = randomUUID();
    const acme = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key, as: 'acme' });
    const globex = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: key, as: 'globex' });
    expect(globex.status).toBe(202);
    expect(globex.body.id).not.toBe(acme.body.id);
  });

  it('answers 400 when the idempotency key is missing', async () => {
    const response = await callApi('/v1/payments', { body: validPayment(), idempotencyKey: null });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('idempotency_key_missing');
  });

  it('creates exactly one payment for 100 concurrent requests with one key', async () => {
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 100 }, () =>
        callApi('/v1/payments', { body: validPayment(), idempotencyKey: key }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.every((status) => status === 202 || status === 409)).toBe(true);
    const accepted = responses.filter((response) => response.status === 202);
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted.map((response) => response.body.id)).size).toBe(1);
    for (const conflict of responses.filter((response) => response.status === 409)) {
      expect(conflict.body.code).toBe('idempotency_in_progress');
    }
    const rows = await db.query(
      `SELECT (SELECT count(*)::int FROM payments WHERE merchant_id = $1 AND idempotency_key = $2) AS payments,
              (SELECT count(*)::int FROM outbox o JOIN payments p ON p.id = o.aggregate_id
                WHERE p.merchant_id = $1 AND p.idempotency_key = $2 AND o.event_type = 'payment.initiated') AS events`,
      [merchant('acme').id, key],
    );
    expect(rows.rows[0]).toEqual({ payments: 1, events: 1 });
  });
});

describe('reading payments', () => {
  it('returns a payment with its status history', async () => {
    const created = await callApi('/v1/payments', { body: validPayment() });
    const read = await callApi(`/v1/payments/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.body.id, amount: '25.00' });
    expect(read.body.history[0]).toEqual({
      from: null,
      to: 'INITIATED',
      reason: null,
      occurredAt: expect.stringMatching(/Z$/),
    });
    for (const change of read.body.history) expect(change.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  });

  it("answers 404 for another merchant's payment, exactly as for an unknown one", async () => {
    const created = await callApi('/v1/payments', { body: validPayment(), as: 'acme' });
    const foreign = await callApi(`/v1/payments/${created.body.id}`, { as: 'globex' });
    const unknown = await callApi(`/v1/payments/${randomUUID()}`, { as: 'globex' });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toBe(PROBLEM);
    expect({ ...foreign.body, requestId: undefined }).toEqual({ ...unknown.body, requestId: undefined });
  });

  it('lists the merchant payments newest first with cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await callApi('/v1/payments', { body: validPayment(), as: 'globex' })).body.id);
    const first = await callApi('/v1/payments?limit=2', { as: 'globex' });
    expect(first.status).toBe(200);
    expect(first.body.data.map((payment: { id: string }) => payment.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.hasMore).toBe(true);
    const second = await callApi(`/v1/payments?limit=2&starting_after=${first.body.nextStartingAfter}`, {
      as: 'globex',
    });
    expect(second.body.data[0].id).toBe(ids[0]);
    const everyMerchant = new Set(
      [...first.body.data, ...second.body.data].map((payment: { merchantId: string }) => payment.merchantId),
    );
    expect(everyMerchant).toEqual(new Set([merchant('globex').id]));
  });

  it('filters the list by status', async () => {
    const created = await callApi('/v1/payments', { body: validPayment(), as: 'globex' });
    await paymentSettledAs(created.body.id, ['SUCCESS'], { apiKey: merchant('globex').apiKey });
    expect(
      (await callApi(`/v1/payments/${created.body.id}/refunds`, { body: {}, as: 'globex' })).status,
    ).toBe(201);
    // REFUNDED once the bank executed the refund.
    await paymentSettledAs(created.body.id, ['REFUNDED'], { apiKey: merchant('globex').apiKey });
    const pending = await callApi('/v1/payments', { body: validPayment(), as: 'globex' });

    const response = await callApi('/v1/payments?status=REFUNDED&limit=100', { as: 'globex' });

    expect(response.status).toBe(200);
    const listed = response.body.data as { id: string; status: string }[];
    expect(listed.map((payment) => payment.id)).toContain(created.body.id);
    expect(listed.map((payment) => payment.id)).not.toContain(pending.body.id);
    expect(listed.filter((payment) => payment.status !== 'REFUNDED')).toEqual([]);
    const invalid = await callApi('/v1/payments?status=PAID');
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].field).toBe('status');
  });
});

describe('bad input', () => {
  it.each([
    ['a JSON number amount', { amount: 25 }, 'amount'],
    ['a negative amount', { amount: '-1.00' }, 'amount'],
    ['a zero amount', { amount: '0.00' }, 'amount'],
    ['too many decimals for the currency', { amount: '100.5', currency: 'JPY' }, 'amount'],
    ['an absurd magnitude', { amount: '1000000000000.00' }, 'amount'],
    ['an exponent', { amount: '1e3' }, 'amount'],
    ['an unknown currency', { currency: 'ABC' }, 'currency'],
    ['an unknown field', { surprise: true }, 'surprise'],
    ['a malformed source token', { source: 'card 4242' }, 'source'],
  ])('rejects %s with a field-level error', async (_, overrides, field) => {
    const response = await callApi('/v1/payments', { body: validPayment(overrides) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    expect(response.body).toMatchObject({
      code: 'validation_error',
      status: 400,
      type: 'urn:aspay:problem:validation_error',
    });
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await callApi('/v1/payments', { body: '{"amount": "1.00",' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('malformed_json');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await callApi('/v1/payments', {
      body: 'amount=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('unsupported_media_type');
  });

  it('answers 413 for a body over the documented limit', async () => {
    const response = await callApi('/v1/payments', {
      body: validPayment({ description: 'x'.repeat(MAX_REQUEST_BODY_BYTES) }),
    });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('payload_too_large');
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    const unknown = await callApi('/v2/everything');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe(PROBLEM);
    const wrongMethod = await callApi('/v1/payments', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST, GET');
  });

  it('answers 401 without a key and with an unknown key', async () => {
    const missing = await callApi('/v1/payments', { as: null });
    const unknown = await callApi('/v1/payments', {
      as: null,
      headers: { authorization: 'Bearer sk_test_not_a_real_key_0000' },
    });
    for (const response of [missing, unknown]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe(PROBLEM);
      expect(response.body.code).toBe('unauthenticated');
    }
  });

  it('never writes anything for a rejected request', async () => {
    const key = randomUUID();
    await callApi('/v1/payments', { body: validPayment({ amount: '1.001' }), idempotencyKey: key });
    const rows = await db.query('SELECT count(*)::int AS n FROM payments WHERE idempotency_key = $1', [key]);
    expect(rows.rows[0].n).toBe(0);
  });
});

describe('the OpenAPI document', () => {
  it('describes every route from the schemas that validate requests', async () => {
    const response = await callApi('/openapi.json', { as: null });
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/payments',
        '/v1/payments/{id}',
        '/v1/payments/{id}/refunds',
        '/openapi.json',
      ]),
    );
    expect(response.body.components.schemas.CreatePaymentRequest.properties.amount.type).toBe('string');
    expect(response.body.components.schemas.CreatePaymentRequest.additionalProperties).toBe(false);
  });
});
