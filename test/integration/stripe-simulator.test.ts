import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_API_VERSION } from '../../lambdas/core/config/processors';
import {
  createStripeSimulator,
  type StripeSimulator,
  type StripeSimulatorOptions,
} from '../../localstack/src/stripe/stripe-simulator';
import { createWebhookSink, type RecordedDelivery } from '../../localstack/src/webhooks/webhook-sink';
import { eventually } from '../support/eventually';

/**
 * The Stripe simulator checked from the outside: the official SDK, as a plain client, parses its answers into
 * its own objects and error classes, and `stripe.webhooks.constructEvent` accepts the events it signs. Field
 * lists compared with Stripe's documented examples: https://docs.stripe.com/api/payment_intents/object and
 * https://docs.stripe.com/api/refunds/object.
 */

const SECRET = 'whsec_simulator_test';
const sink = createWebhookSink();
let sinkUrl: string;
const started: StripeSimulator[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all(started.map((simulator) => simulator.close()));
  sink.closeAllConnections();
  await new Promise<void>((resolve) => sink.close(() => resolve()));
});

/** A simulator of the test's own, its webhook endpoint `/hooks/<endpoint>` on the sink, and an SDK client. */
async function simulator(options: Partial<StripeSimulatorOptions> = {}, apiKey = 'sk_test_simulator') {
  const endpoint = `ep${started.length}`;
  const simulated = createStripeSimulator({
    webhook: { url: `${sinkUrl}/hooks/${endpoint}`, secret: SECRET },
    laterMs: null,
    deliveryRetries: { attempts: 4, backoffMs: 20 },
    ...options,
  });
  started.push(simulated);
  await new Promise<void>((resolve) => simulated.server.listen(0, '127.0.0.1', resolve));
  const port = (simulated.server.address() as AddressInfo).port;
  const client = (key: string, timeout?: number) =>
    new Stripe(key, {
      host: '127.0.0.1',
      port,
      protocol: 'http',
      apiVersion: STRIPE_API_VERSION as Stripe.LatestApiVersion,
      maxNetworkRetries: 0,
      ...(timeout ? { timeout } : {}),
    });
  const deliveries = async () => {
    const response = await fetch(`${sinkUrl}/deliveries?merchantId=${endpoint}`);
    return ((await response.json()) as { deliveries: RecordedDelivery[] }).deliveries;
  };
  const eventTypes = async () =>
    (await deliveries()).map((delivery) => (JSON.parse(delivery.rawBody) as Stripe.Event).type);
  return {
    ...simulated,
    stripe: client(apiKey),
    client,
    endpoint,
    baseUrl: `http://127.0.0.1:${port}`,
    deliveries,
    eventTypes,
  };
}

const CARD_ONLY = { payment_method_types: ['card'] };

async function caught(action: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await action;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the request to fail');
}

describe('PaymentIntents', () => {
  it('creates and confirms a payment with pm_card_visa, shaped like the documented PaymentIntent', async () => {
    const { stripe } = await simulator();
    const before = Math.floor(Date.now() / 1000);
    const intent = await stripe.paymentIntents.create({
      amount: 1234,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      off_session: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { aspay_payment_id: 'pay_1', aspay_merchant_id: 'mer_1' },
    });

    expect(intent.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(intent).toMatchObject({
      object: 'payment_intent',
      amount: 1234,
      amount_received: 1234,
      currency: 'usd',
      status: 'succeeded',
      livemode: false,
      last_payment_error: null,
      metadata: { aspay_payment_id: 'pay_1', aspay_merchant_id: 'mer_1' },
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(intent.created).toBeGreaterThanOrEqual(before);
    expect(intent.payment_method).toMatch(/^pm_/);
    // Every field of the documented example object is there.
    for (const key of [
      'id',
      'object',
      'amount',
      'amount_capturable',
      'amount_details',
      'amount_received',
      'application',
      'application_fee_amount',
      'automatic_payment_methods',
      'canceled_at',
      'cancellation_reason',
      'capture_method',
      'client_secret',
      'confirmation_method',
      'created',
      'currency',
      'customer',
      'description',
      'last_payment_error',
      'latest_charge',
      'livemode',
      'metadata',
      'next_action',
      'on_behalf_of',
      'payment_method',
      'payment_method_options',
      'payment_method_types',
      'processing',
      'receipt_email',
      'review',
      'setup_future_usage',
      'shipping',
      'source',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'status',
      'transfer_data',
      'transfer_group',
    ])
      expect(intent).toHaveProperty(key);
    expect(intent.lastResponse.requestId).toMatch(/^req_/);

    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({
      object: 'charge',
      amount: 1234,
      status: 'succeeded',
      paid: true,
      payment_intent: intent.id,
      metadata: { aspay_payment_id: 'pay_1' },
    });
    expect(charge.id).toMatch(/^ch_/);
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({
      id: intent.id,
      status: 'succeeded',
    });
  });

  it('confirms a PaymentIntent created without confirm, and refuses to confirm it twice', async () => {
    const { stripe } = await simulator();
    const created = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'EUR',
      payment_method: 'pm_card_mastercard',
      ...CARD_ONLY,
    });
    expect(created).toMatchObject({ status: 'requires_confirmation', currency: 'eur', latest_charge: null });

    const confirmed = await stripe.paymentIntents.confirm(created.id);
    expect(confirmed.status).toBe('succeeded');

    const again = await caught(stripe.paymentIntents.confirm(created.id));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again.code).toBe('payment_intent_unexpected_state');
  });

  it.each([
    ['pm_card_chargeDeclined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['pm_card_chargeDeclinedFraudulent', 'fraudulent'],
  ])('%s is declined with a 402 card error whose decline_code is %s', async (paymentMethod, declineCode) => {
    const { stripe, controls } = await simulator();
    const error = await caught(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: paymentMethod,
        confirm: true,
        ...CARD_ONLY,
      }),
    );

    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.statusCode).toBe(402);
    expect(error.code).toBe('card_declined');
    expect(error.decline_code).toBe(declineCode);
    expect(error.requestId).toMatch(/^req_/);
    expect(error.payment_intent).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: declineCode },
    });
    const [intent] = controls.paymentIntents();
    expect(intent?.id).toBe(error.payment_intent?.id);
    expect(controls.charges().map((charge) => charge.status)).toEqual(['failed']);
  });

  it('takes a card token as payment_method_data, declines included', async () => {
    const { stripe } = await simulator();
    const error = await caught(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method_data: { type: 'card', card: { token: 'tok_chargeDeclined' } } as never,
        confirm: true,
        ...CARD_ONLY,
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.decline_code).toBe('generic_decline');
  });

  it('asks for 3-D Secure on session and declines with authentication_required off session', async () => {
    const { stripe } = await simulator();
    const onSession = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      ...CARD_ONLY,
    });
    expect(onSession.status).toBe('requires_action');
    expect(onSession.next_action?.type).toBe('use_stripe_sdk');

    const offSession = await caught(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
        off_session: true,
        ...CARD_ONLY,
      }),
    );
    expect(offSession).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(offSession.code).toBe('authentication_required');
  });

  it('refuses to confirm automatic payment methods that may redirect without a return_url, creating nothing', async () => {
    const { stripe, controls } = await simulator();
    const error = await caught(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.message).toContain('return_url');
    expect(controls.paymentIntents()).toEqual([]);
  });

  it('refuses unknown payment methods, missing amounts and amounts below the minimum', async () => {
    const { stripe } = await simulator();
    const unknown = await caught(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_nope',
        ...CARD_ONLY,
      }),
    );
    expect(unknown).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'payment_method' });
    const missing = await caught(stripe.paymentIntents.create({ currency: 'usd' } as never));
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'amount' });
    const small = await caught(stripe.paymentIntents.create({ amount: 10, currency: 'usd', ...CARD_ONLY }));
    expect(small).toMatchObject({ code: 'amount_too_small', param: 'amount' });
  });

  it('cancels an unconfirmed PaymentIntent and refuses to cancel a succeeded one', async () => {
    const { stripe } = await simulator();
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    const canceled = await stripe.paymentIntents.cancel(open.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(canceled.canceled_at).toEqual(expect.any(Number));

    const paid = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      ...CARD_ONLY,
    });
    const error = await caught(stripe.paymentIntents.cancel(paid.id));
    expect(error.code).toBe('payment_intent_unexpected_state');
  });

  it("finds PaymentIntents by metadata with Stripe's search query", async () => {
    const { stripe } = await simulator();
    const wanted = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      metadata: { aspay_payment_id: 'pay_wanted' },
      ...CARD_ONLY,
    });
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      metadata: { aspay_payment_id: 'pay_other' },
      ...CARD_ONLY,
    });
    const result = await stripe.paymentIntents.search({ query: "metadata['aspay_payment_id']:'pay_wanted'" });
    expect(result.object).toBe('search_result');
    expect(result.data.map((intent) => intent.id)).toEqual([wanted.id]);
  });
});

describe('authentication', () => {
  it('answers an unknown key with 401, which the SDK raises as StripeAuthenticationError', async () => {
    const { client, baseUrl } = await simulator();
    const error = await caught(client('sk_live_notallowed1234').paymentIntents.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.message).toContain('sk_live_');
    expect(error.message).toContain('1234');

    const anonymous = await fetch(`${baseUrl}/v1/payment_intents`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { type: string } }).error.type).toBe(
      'invalid_request_error',
    );
  });

  it('accepts restricted test keys', async () => {
    const { client } = await simulator();
    const intent = await client('rk_test_restricted').paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      ...CARD_ONLY,
    });
    expect(intent.status).toBe('requires_payment_method');
  });
});

describe('idempotency keys', () => {
  const params = {
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    ...CARD_ONLY,
    metadata: { aspay_payment_id: 'pay_idem' },
  };

  it('replays the first answer for the same key and parameters, performing the operation once', async () => {
    const { stripe, controls } = await simulator();
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'pay_idem' });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: 'pay_idem' });

    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(controls.idempotencyKey('pay_idem')).toEqual({ requests: 2, executions: 1 });
    expect(controls.paymentIntents()).toHaveLength(1);
  });

  it('replays a decline as the same 402', async () => {
    const { stripe, controls } = await simulator();
    const declined = { ...params, payment_method: 'pm_card_chargeDeclined' };
    const first = await caught(stripe.paymentIntents.create(declined, { idempotencyKey: 'k-decline' }));
    const second = await caught(stripe.paymentIntents.create(declined, { idempotencyKey: 'k-decline' }));
    expect(second).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(second.payment_intent?.id).toBe(first.payment_intent?.id);
    expect(controls.paymentIntents()).toHaveLength(1);
  });

  it('refuses the same key with other parameters as an idempotency error', async () => {
    const { stripe } = await simulator();
    await stripe.paymentIntents.create(params, { idempotencyKey: 'k-params' });
    const error = await caught(
      stripe.paymentIntents.create({ ...params, amount: 2001 }, { idempotencyKey: 'k-params' }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
  });

  it('answers 409 idempotency_key_in_use while the first request with the key still runs', async () => {
    const { stripe, controls } = await simulator({ latency: { min: 300, max: 300 } });
    const [first, second] = await Promise.allSettled([
      stripe.paymentIntents.create(params, { idempotencyKey: 'k-busy' }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
        stripe.paymentIntents.create(params, { idempotencyKey: 'k-busy' }),
      ),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('rejected');
    const error = (second as PromiseRejectedResult).reason as Stripe.errors.StripeError;
    expect(error.statusCode).toBe(409);
    expect(error.code).toBe('idempotency_key_in_use');
    expect(controls.idempotencyKey('k-busy')).toEqual({ requests: 2, executions: 1 });
  });

  it('scopes keys to the API key', async () => {
    const { client } = await simulator();
    const one = await client('sk_test_one').paymentIntents.create(params, { idempotencyKey: 'k-shared' });
    const two = await client('sk_test_two').paymentIntents.create(params, { idempotencyKey: 'k-shared' });
    expect(two.id).not.toBe(one.id);
  });
});

describe('faults', () => {
  const params = {
    amount: 1000,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    ...CARD_ONLY,
  };

  it('error: a 500 api_error before anything is done; the same key then performs the operation', async () => {
    const { stripe, controls } = await simulator();
    controls.failNext(1, 'error');
    const error = await caught(stripe.paymentIntents.create(params, { idempotencyKey: 'k-error' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
    expect(controls.paymentIntents()).toEqual([]);

    const retried = await stripe.paymentIntents.create(params, { idempotencyKey: 'k-error' });
    expect(retried.status).toBe('succeeded');
    expect(controls.idempotencyKey('k-error')).toEqual({ requests: 2, executions: 1 });
  });

  it('hang: the client times out with the PaymentIntent created, and the same key replays it', async () => {
    const { client, stripe, controls } = await simulator({ hangMs: 5_000 });
    controls.failNext(1, 'hang', '/v1/payment_intents');
    const error = await caught(
      client('sk_test_simulator', 300).paymentIntents.create(params, { idempotencyKey: 'k-hang' }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const [created] = controls.paymentIntents();
    expect(created?.status).toBe('succeeded');

    const replayed = await stripe.paymentIntents.create(params, { idempotencyKey: 'k-hang' });
    expect(replayed.id).toBe(created?.id);
    expect(replayed.lastResponse.headers['idempotent-replayed']).toBe('true');
  });

  it('error_after: the operation is done, its 500 is replayed for the key, and search finds the PaymentIntent', async () => {
    const { stripe, controls, baseUrl } = await simulator();
    const armed = await fetch(`${baseUrl}/_simulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ count: 1, mode: 'error_after' }),
    });
    expect(armed.status).toBe(200);
    const tagged = { ...params, metadata: { aspay_payment_id: 'pay_lost' } };
    const error = await caught(stripe.paymentIntents.create(tagged, { idempotencyKey: 'k-after' }));
    expect(error.statusCode).toBe(500);
    const replay = await caught(stripe.paymentIntents.create(tagged, { idempotencyKey: 'k-after' }));
    expect(replay.statusCode).toBe(500);

    const found = await stripe.paymentIntents.search({ query: "metadata['aspay_payment_id']:'pay_lost'" });
    expect(found.data.map((intent) => intent.status)).toEqual(['succeeded']);
    expect(controls.paymentIntents()).toHaveLength(1);
  });

  it('outage: every request is a 500 api_error doing nothing until it ends; then the same key performs it once', async () => {
    const { stripe, controls, baseUrl } = await simulator();
    const outage = (enabled: boolean) =>
      fetch(`${baseUrl}/_simulator/outage`, { method: 'POST', body: JSON.stringify({ enabled }) });
    expect((await outage(true)).status).toBe(200);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await caught(stripe.paymentIntents.create(params, { idempotencyKey: 'k-outage' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error.statusCode).toBe(500);
    }
    expect((await caught(stripe.paymentIntents.list())).statusCode).toBe(500);
    expect(controls.paymentIntents()).toEqual([]);

    await outage(false);
    expect((await stripe.paymentIntents.create(params, { idempotencyKey: 'k-outage' })).status).toBe(
      'succeeded',
    );
    expect(controls.idempotencyKey('k-outage')).toEqual({ requests: 3, executions: 1 });
  });

  it('hold: a create waits with its key taken (a retry meets 409), and is performed and answered once released', async () => {
    const { stripe, controls, baseUrl } = await simulator();
    const hold = (enabled: boolean) =>
      fetch(`${baseUrl}/_simulator/hold`, {
        method: 'POST',
        body: JSON.stringify({ kind: 'payment_intents', enabled }),
      });
    expect((await hold(true)).status).toBe(200);
    const held = stripe.paymentIntents.create(params, { idempotencyKey: 'k-held' });
    await eventually(
      async () => controls.idempotencyKey('k-held').requests,
      (requests) => requests === 1,
    );
    const retry = await caught(stripe.paymentIntents.create(params, { idempotencyKey: 'k-held' }));
    expect(retry).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });
    expect(controls.paymentIntents()).toEqual([]);

    await hold(false);
    expect((await held).status).toBe('succeeded');
    expect(controls.paymentIntents()).toHaveLength(1);
    const refusedKind = await fetch(`${baseUrl}/_simulator/hold`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'charges', enabled: true }),
    });
    expect(refusedKind.status).toBe(400);
  });
});

describe('refunds', () => {
  async function paid(stripe: Stripe, paymentMethod = 'pm_card_visa', amount = 1000) {
    return stripe.paymentIntents.create({
      amount,
      currency: 'usd',
      payment_method: paymentMethod,
      confirm: true,
      ...CARD_ONLY,
      metadata: { aspay_payment_id: `pay_${paymentMethod}` },
    });
  }

  it('refunds part of a payment, then the rest, shaped like the documented Refund, and no more', async () => {
    const { stripe } = await simulator();
    const intent = await paid(stripe);
    const partial = await stripe.refunds.create(
      {
        payment_intent: intent.id,
        amount: 400,
        reason: 'requested_by_customer',
        metadata: { aspay_refund_id: 'ref_1' },
      },
      { idempotencyKey: 'ref_1' },
    );
    expect(partial.id).toMatch(/^re_/);
    expect(partial).toMatchObject({
      object: 'refund',
      amount: 400,
      currency: 'usd',
      status: 'succeeded',
      payment_intent: intent.id,
      charge: intent.latest_charge,
      reason: 'requested_by_customer',
      metadata: { aspay_refund_id: 'ref_1' },
    });
    for (const key of [
      'balance_transaction',
      'created',
      'receipt_number',
      'source_transfer_reversal',
      'transfer_reversal',
    ])
      expect(partial).toHaveProperty(key);

    const over = await caught(stripe.refunds.create({ payment_intent: intent.id, amount: 700 }));
    expect(over).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(over.param).toBe('amount');
    expect(over.message).toContain('greater than unrefunded amount on charge ($6.00)');

    const rest = await stripe.refunds.create({ charge: intent.latest_charge as string });
    expect(rest.amount).toBe(600);
    const none = await caught(stripe.refunds.create({ payment_intent: intent.id }));
    expect(none.code).toBe('charge_already_refunded');

    const listed = await stripe.refunds.list({ payment_intent: intent.id });
    expect(listed.object).toBe('list');
    expect(listed.data.map((refund) => refund.id).sort()).toEqual([partial.id, rest.id].sort());
    expect((await stripe.refunds.retrieve(partial.id)).amount).toBe(400);
    expect((await stripe.charges.retrieve(intent.latest_charge as string)).refunded).toBe(true);
  });

  it('refuses to refund a PaymentIntent without a successful charge', async () => {
    const { stripe } = await simulator();
    const open = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', ...CARD_ONLY });
    const error = await caught(stripe.refunds.create({ payment_intent: open.id }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('does not have a successful charge to refund');
  });

  it('replays a refund for the same idempotency key', async () => {
    const { stripe, controls } = await simulator();
    const intent = await paid(stripe);
    const first = await stripe.refunds.create(
      { payment_intent: intent.id, amount: 100 },
      { idempotencyKey: 'ref_k' },
    );
    const second = await stripe.refunds.create(
      { payment_intent: intent.id, amount: 100 },
      { idempotencyKey: 'ref_k' },
    );
    expect(second.id).toBe(first.id);
    expect(controls.refunds()).toHaveLength(1);
  });
});

describe('webhook events', () => {
  const visa = { amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY };

  it('signs events so that stripe.webhooks.constructEvent accepts them, and a tampered body is refused', async () => {
    const { stripe, deliveries } = await simulator();
    const intent = await stripe.paymentIntents.create(visa, { idempotencyKey: 'k-events' });
    const delivered = await eventually(deliveries, (list) =>
      list.some((delivery) => delivery.rawBody.includes('"payment_intent.succeeded"')),
    );

    const succeeded = delivered.find((delivery) => delivery.rawBody.includes('"payment_intent.succeeded"'));
    if (!succeeded) throw new Error('no payment_intent.succeeded delivered');
    const header = succeeded.headers['stripe-signature'] as string;
    const event = stripe.webhooks.constructEvent(succeeded.rawBody, header, SECRET);
    expect(event).toMatchObject({
      object: 'event',
      type: 'payment_intent.succeeded',
      api_version: STRIPE_API_VERSION,
      livemode: false,
      pending_webhooks: 1,
      request: { idempotency_key: 'k-events' },
      data: { object: { id: intent.id, object: 'payment_intent', status: 'succeeded' } },
    });
    expect(event.id).toMatch(/^evt_/);
    expect(event.request?.id).toBe(intent.lastResponse.requestId);

    const tampered = succeeded.rawBody.replace('"amount": 1000', '"amount": 1');
    expect(() => stripe.webhooks.constructEvent(tampered, header, SECRET)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => stripe.webhooks.constructEvent(succeeded.rawBody, header, 'whsec_other')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('sends payment_intent.payment_failed for a decline', async () => {
    const { stripe, eventTypes } = await simulator();
    await caught(stripe.paymentIntents.create({ ...visa, payment_method: 'pm_card_chargeDeclined' }));
    await eventually(eventTypes, (types) => types.includes('payment_intent.payment_failed'));
    expect(await eventTypes()).not.toContain('payment_intent.succeeded');
  });

  it('pm_card_refundFail: the refund starts succeeded, then fails with charge.refund.updated, refund.updated and refund.failed', async () => {
    const { stripe, controls, eventTypes, deliveries } = await simulator();
    const intent = await stripe.paymentIntents.create({ ...visa, payment_method: 'pm_card_refundFail' });
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe('succeeded');
    await eventually(
      eventTypes,
      (types) => types.includes('refund.created') && types.includes('charge.refunded'),
    );
    expect(await eventTypes()).not.toContain('refund.failed');

    expect(controls.runLater()).toBe(1);
    await eventually(eventTypes, (types) => types.includes('refund.failed'));
    const later = (await deliveries())
      .map((delivery) => JSON.parse(delivery.rawBody) as Stripe.Event)
      .filter((event) => ['charge.refund.updated', 'refund.updated', 'refund.failed'].includes(event.type));
    expect(later.map((event) => event.type).sort()).toEqual([
      'charge.refund.updated',
      'refund.failed',
      'refund.updated',
    ]);
    for (const event of later)
      expect(event.data.object).toMatchObject({
        id: refund.id,
        status: 'failed',
        failure_reason: 'expired_or_canceled_card',
      });
    expect(later.find((event) => event.type === 'refund.updated')?.data.previous_attributes).toMatchObject({
      status: 'succeeded',
    });
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('failed');
    expect((await stripe.charges.retrieve(intent.latest_charge as string)).amount_refunded).toBe(0);
  });

  it('pm_card_pendingRefund: the refund starts pending, then succeeds with refund.updated', async () => {
    const { stripe, controls, deliveries, eventTypes } = await simulator();
    const intent = await stripe.paymentIntents.create({ ...visa, payment_method: 'pm_card_pendingRefund' });
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 300 });
    expect(refund.status).toBe('pending');

    controls.runLater();
    await eventually(eventTypes, (types) => types.includes('refund.updated'));
    const updated = (await deliveries())
      .map((delivery) => JSON.parse(delivery.rawBody) as Stripe.Event)
      .find((event) => event.type === 'refund.updated');
    expect(updated?.data.object).toMatchObject({ id: refund.id, status: 'succeeded' });
    expect(updated?.data.previous_attributes).toMatchObject({ status: 'pending' });
    expect(await eventTypes()).not.toContain('refund.failed');
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
  });

  it('pm_card_createDispute: the charge succeeds, then charge.dispute.created', async () => {
    const { stripe, baseUrl, deliveries, eventTypes } = await simulator();
    const intent = await stripe.paymentIntents.create({ ...visa, payment_method: 'pm_card_createDispute' });
    expect(intent.status).toBe('succeeded');

    const ran = await fetch(`${baseUrl}/_simulator/later/run`, { method: 'POST' });
    expect(await ran.json()).toEqual({ ran: 1 });
    await eventually(eventTypes, (types) => types.includes('charge.dispute.created'));
    const created = (await deliveries())
      .map((delivery) => JSON.parse(delivery.rawBody) as Stripe.Event)
      .find((event) => event.type === 'charge.dispute.created');
    const dispute = created?.data.object as Stripe.Dispute;
    expect(dispute).toMatchObject({
      object: 'dispute',
      charge: intent.latest_charge,
      payment_intent: intent.id,
      amount: 1000,
      reason: 'fraudulent',
      status: 'needs_response',
    });
    expect(dispute.id).toMatch(/^dp_/);
    expect((await stripe.disputes.retrieve(dispute.id)).status).toBe('needs_response');
    expect((await stripe.charges.retrieve(intent.latest_charge as string)).disputed).toBe(true);
  });

  it('decides later by itself after laterMs', async () => {
    const { stripe, eventTypes } = await simulator({ laterMs: 50 });
    const intent = await stripe.paymentIntents.create({ ...visa, payment_method: 'pm_card_refundFail' });
    await stripe.refunds.create({ payment_intent: intent.id });
    await eventually(eventTypes, (types) => types.includes('refund.failed'));
  });

  it('sends nothing without a webhook endpoint', async () => {
    const { stripe, controls } = await simulator({ webhook: undefined });
    await stripe.paymentIntents.create(visa);
    expect(controls.events().map((event) => event.type)).toContain('payment_intent.succeeded');
    expect(controls.deliveries()).toEqual([]);
  });

  it('retries a delivery the endpoint refuses, sending the same event', async () => {
    const { stripe, controls } = await simulator({
      webhook: { url: `${sinkUrl}/hooks/retry`, secret: SECRET, enabledEvents: ['payment_intent.succeeded'] },
    });
    await fetch(`${sinkUrl}/admin/fail`, {
      method: 'POST',
      body: JSON.stringify({ merchantId: 'retry', times: 2 }),
    });
    await stripe.paymentIntents.create(visa);
    const statuses = await eventually(
      async () => controls.deliveries().map((attempt) => attempt.status),
      (list) => list.length === 3,
    );
    expect(statuses).toEqual([500, 500, 204]);
    const received = (await (await fetch(`${sinkUrl}/deliveries?merchantId=retry`)).json()) as {
      deliveries: RecordedDelivery[];
    };
    const bodies = received.deliveries.map((delivery) => delivery.rawBody);
    expect(new Set(bodies).size).toBe(1);
    expect((JSON.parse(bodies[0] as string) as Stripe.Event).type).toBe('payment_intent.succeeded');
  });

  it('holds deliveries until released, and sends an event again on request', async () => {
    const { stripe, controls, baseUrl } = await simulator({
      webhook: { url: `${sinkUrl}/hooks/held`, secret: SECRET, enabledEvents: ['payment_intent.succeeded'] },
    });
    const held = async () =>
      (
        (await (await fetch(`${sinkUrl}/deliveries?merchantId=held`)).json()) as {
          deliveries: RecordedDelivery[];
        }
      ).deliveries;
    await fetch(`${baseUrl}/_simulator/webhooks/hold`, {
      method: 'POST',
      body: JSON.stringify({ enabled: true }),
    });
    await stripe.paymentIntents.create(visa);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await held()).toEqual([]);

    controls.holdDeliveries(false);
    await eventually(held, (list) => list.length === 1);
    const [event] = controls.events().filter((candidate) => candidate.type === 'payment_intent.succeeded');
    const resent = await fetch(`${baseUrl}/_simulator/events/${event?.id}/resend`, { method: 'POST' });
    expect(resent.status).toBe(200);
    const twice = await eventually(held, (list) => list.length === 2);
    expect(twice.map((delivery) => (JSON.parse(delivery.rawBody) as Stripe.Event).id)).toEqual([
      event?.id,
      event?.id,
    ]);
  });
});
