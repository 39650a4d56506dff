import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { STRIPE_API_VERSION } from '../../../lambdas/core/config/processors';
import type { LatencyRange } from '../../../lambdas/core/config/sandbox-bank';
import { type FormObject, field, objectField, parseForm } from './form';
import {
  type Charge,
  type Dispute,
  type Metadata,
  newCharge,
  newDispute,
  newPaymentIntent,
  newRefund,
  type PaymentIntent,
  type PaymentMethod,
  paymentMethodFor,
  type Refund,
  type StripeErrorBody,
  type StripeEvent,
  type StripeObject,
  stripeId,
} from './stripe-objects';
import {
  AUTHENTICATION_REQUIRED,
  type CardDecline,
  TEST_CARDS,
  type TestCard,
  testCardName,
} from './test-payment-methods';
import { type DeliveryRetries, type WebhookEndpoint, webhookDeliveries } from './webhook-delivery';

/**
 * Stripe, simulated for local runs and tests: the part of Stripe's v1 API a server-side card integration uses
 * (PaymentIntents created and confirmed with Stripe's test PaymentMethods, refunds, the PaymentIntent search),
 * answering as Stripe does (form-encoded requests, Stripe-shaped JSON objects and errors, `Request-Id`,
 * idempotency keys with replays) and sending signed webhook events. Under `/_simulator/*`, outside Stripe's
 * namespace, tests inject faults (500s, answers that hang after the work is done, an outage), hold calls in
 * flight, hold and repeat webhook deliveries, make Stripe's later decisions (a refund failing or settling, a dispute) happen now, and read
 * what the simulator holds.
 */

export interface StripeSimulatorOptions {
  /** Where signed events are POSTed (a Stripe webhook endpoint and its signing secret). */
  webhook?: WebhookEndpoint;
  /** API keys accepted (by prefix); any other key gets 401. Default: `sk_test_` and `rk_test_`. */
  apiKeyPrefixes?: readonly string[];
  /** Delay before each API answer (default none). */
  latency?: LatencyRange;
  /** The simulator's clock: `created` timestamps and webhook signature times (default: the real time). */
  clock?: () => Date;
  /**
   * How long Stripe takes to decide later (a `refundFail` refund failing, a `pendingRefund` refund settling, a
   * `createDispute` charge disputed); `null`: only when a test asks (`POST /_simulator/later/run`). Default 2000.
   */
  laterMs?: number | null;
  /** How long a `hang` fault withholds the answer (default 10 minutes, beyond any client time-out). */
  hangMs?: number;
  /** Webhook delivery attempts and the first backoff (doubling): default 4 attempts from 200 ms. */
  deliveryRetries?: DeliveryRetries;
  /** The API version events are rendered with (the webhook endpoint's version): default ASPay's. */
  apiVersion?: string;
}

/**
 * `error`: 500 api_error before anything is done (nothing stored under the idempotency key); `error_after`: the
 * operation is performed, then 500 api_error, stored under the key as Stripe stores its 500s (a replay gets the
 * 500 again; the object exists); `hang`: the operation is performed and its answer stored under the key, but the
 * answer is withheld for `hangMs` (a client time-out with the object created).
 */
export type FaultMode = 'error' | 'error_after' | 'hang';

/** The creates a test can hold mid-call: a PaymentIntent's (create, confirm) or a refund's. */
export type HeldKind = 'payment_intents' | 'refunds';

export interface StripeSimulatorControls {
  /** The next `count` Stripe API requests (to paths starting with `path`, when given) meet the fault. */
  failNext(count: number, mode: FaultMode, path?: string): void;
  /** Requests made with an idempotency key (replays and refusals included) and the operations they performed. */
  idempotencyKey(key: string): { requests: number; executions: number };
  holdDeliveries(enabled: boolean): void;
  /** While on, every Stripe API request answers 500 api_error before anything is done (Stripe down). */
  setOutage(enabled: boolean): void;
  /**
   * While on, the POSTs of this kind wait, once their idempotency key is taken, before anything is done; when
   * released they are performed and answered (a call in flight at Stripe while the client acts).
   */
  hold(kind: HeldKind, enabled: boolean): void;
  /** Sends an event to the webhook endpoint once more (a duplicate delivery); false when unknown. */
  resendEvent(id: string): boolean;
  /** Makes every pending later decision now (refund failures and settlements, disputes); their number. */
  runLater(): number;
  paymentIntents(): PaymentIntent[];
  charges(): Charge[];
  refunds(): Refund[];
  disputes(): Dispute[];
  events(): StripeEvent[];
  deliveries(): ReturnType<ReturnType<typeof webhookDeliveries>['attempts']>;
}

export interface StripeSimulator {
  server: Server;
  listener: RequestListener;
  controls: StripeSimulatorControls;
  /** Stops pending timers and retries, and closes the server. */
  close(): Promise<void>;
}

/** Where the test controls live: outside Stripe's `/v1` namespace. */
export const SIMULATOR_PATH = '/_simulator';

interface Answer {
  status: number;
  body: unknown;
}

/** An answer that ends the request before anything was done: never stored under an idempotency key. */
class Refusal extends Error {
  constructor(readonly answer: Answer) {
    super(JSON.stringify(answer.body));
  }
}

function errorAnswer(status: number, error: StripeErrorBody): Answer {
  return { status, body: { error } };
}

function invalidRequest(message: string, extra: Partial<StripeErrorBody> = {}, status = 400): Refusal {
  return new Refusal(errorAnswer(status, { type: 'invalid_request_error', message, ...extra }));
}

// https://docs.stripe.com/error-codes: each code's documentation page.
function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

function missingParam(name: string): Refusal {
  return invalidRequest(`Missing required param: ${name}.`, {
    code: 'parameter_missing',
    param: name,
    doc_url: docUrl('parameter_missing'),
  });
}

function noSuch(kind: string, id: string, param: string): Refusal {
  return invalidRequest(
    `No such ${kind}: '${id}'`,
    { code: 'resource_missing', param, doc_url: docUrl('resource_missing') },
    404,
  );
}

function positiveInteger(form: FormObject, name: string): number | undefined {
  const raw = form[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < 1)
    throw invalidRequest(`Invalid positive integer`, {
      code: 'parameter_invalid_integer',
      param: name,
      doc_url: docUrl('parameter_invalid_integer'),
    });
  return Number(raw);
}

function metadataOf(form: FormObject): Metadata {
  return Object.fromEntries(
    Object.entries(objectField(form, 'metadata')).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
    ),
  );
}

const truthy = (value: string | undefined) => value === 'true';

// Currencies without minor units: https://docs.stripe.com/currencies#zero-decimal
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
// Stripe's minimum charge amounts, in minor units, for the currencies tests use:
// https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
const MINIMUM_AMOUNT: Readonly<Record<string, number>> = { usd: 50, eur: 50, gbp: 30, chf: 50, jpy: 50 };
// Amounts are at most eight digits: https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
const MAXIMUM_AMOUNT = 99_999_999;

/** `$12.34` in messages, as Stripe words its amounts; only the display, never arithmetic. */
function displayAmount(amount: number, currency: string): string {
  const symbol = currency === 'usd' ? '$' : '';
  const suffix = currency === 'usd' ? '' : ` ${currency.toUpperCase()}`;
  if (ZERO_DECIMAL.has(currency)) return `${symbol}${amount}${suffix}`;
  return `${symbol}${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')}${suffix}`;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function apiKeyOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1];
  // `curl -u sk_test_…:` sends the key as the Basic user name.
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic)
    return Buffer.from(basic[1] as string, 'base64')
      .toString('utf8')
      .split(':')[0];
  return undefined;
}

// The key as Stripe shows it in its 401: its prefix and last four characters.
function redacted(key: string): string {
  const prefix = /^[a-z]+_(?:test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

interface Fault {
  mode: FaultMode;
  path: string | undefined;
}

interface IdempotentResult {
  fingerprint: string;
  answer: Answer | undefined;
  requestId: string;
}

interface RequestContext {
  requestId: string;
  idempotencyKey: string | undefined;
  livemode: boolean;
  query: URLSearchParams;
}

interface Later {
  run: () => void;
  timer: NodeJS.Timeout | undefined;
}

const CANCELABLE = new Set([
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
]);
const CONFIRMABLE = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);
const REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

export function createStripeSimulator(options: StripeSimulatorOptions = {}): StripeSimulator {
  const clock = options.clock ?? (() => new Date());
  const seconds = () => Math.floor(clock().getTime() / 1000);
  const apiKeyPrefixes = options.apiKeyPrefixes ?? ['sk_test_', 'rk_test_'];
  const latency = options.latency ?? { min: 0, max: 0 };
  const laterMs = options.laterMs === undefined ? 2_000 : options.laterMs;
  const hangMs = options.hangMs ?? 10 * 60_000;
  const apiVersion = options.apiVersion ?? STRIPE_API_VERSION;

  const intents = new Map<string, PaymentIntent>();
  const charges = new Map<string, Charge>();
  const refunds = new Map<string, Refund>();
  const disputes = new Map<string, Dispute>();
  const methods = new Map<string, { method: PaymentMethod; card: TestCard }>();
  const events: StripeEvent[] = [];
  const faults: Fault[] = [];
  // Per API key and idempotency key (Stripe scopes keys to the account): the first request's result.
  const idempotent = new Map<string, IdempotentResult>();
  const keyRequests = new Map<string, number>();
  const keyExecutions = new Map<string, number>();
  const later = new Set<Later>();
  let outage = false;
  const holds = new Map<HeldKind, { released: Promise<void>; release: () => void }>();
  // Ends the latencies, holds and hangs still waiting when the simulator closes.
  const closing = new AbortController();
  closing.signal.addEventListener('abort', () => {
    for (const held of holds.values()) held.release();
  });
  const deliveries = webhookDeliveries(
    options.webhook,
    options.deliveryRetries ?? { attempts: 4, backoffMs: 200 },
    clock,
  );

  function emit(
    type: string,
    object: StripeObject,
    context: RequestContext | undefined,
    previous?: Record<string, unknown>,
  ): void {
    const event: StripeEvent = {
      id: stripeId('evt'),
      object: 'event',
      api_version: apiVersion,
      created: seconds(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode:
        object.object === 'refund' ? (charges.get(object.charge)?.livemode ?? false) : object.livemode,
      pending_webhooks: options.webhook ? 1 : 0,
      request: { id: context?.requestId ?? null, idempotency_key: context?.idempotencyKey ?? null },
      type,
    };
    events.push(event);
    deliveries.send(event);
  }

  function decideLater(run: () => void): void {
    const entry: Later = { run, timer: undefined };
    const runOnce = () => {
      if (!later.delete(entry)) return;
      if (entry.timer) clearTimeout(entry.timer);
      run();
    };
    entry.run = runOnce;
    later.add(entry);
    if (laterMs !== null) entry.timer = setTimeout(runOnce, laterMs);
  }

  function resolvePaymentMethod(form: FormObject, livemode: boolean): string | undefined {
    const reference = field(form, 'payment_method');
    const data = objectField(form, 'payment_method_data');
    if (reference === undefined && Object.keys(data).length === 0) return undefined;
    if (reference !== undefined) {
      if (methods.has(reference)) return reference;
      const name = testCardName(reference);
      if (!name) throw noSuch('PaymentMethod', reference, 'payment_method');
      return register(TEST_CARDS[name] as TestCard, livemode);
    }
    if (data.type !== 'card') throw missingParam('payment_method_data[type]');
    const card = data.card;
    const token = card && typeof card === 'object' && !Array.isArray(card) ? card.token : undefined;
    if (typeof token !== 'string') throw missingParam('payment_method_data[card][token]');
    const name = testCardName(token);
    if (!name) throw noSuch('token', token, 'payment_method_data[card][token]');
    return register(TEST_CARDS[name] as TestCard, livemode);
  }

  function register(card: TestCard, livemode: boolean): string {
    const method = paymentMethodFor(card, seconds(), livemode);
    methods.set(method.id, { method, card });
    return method.id;
  }

  function intentById(id: string): PaymentIntent {
    const intent = intents.get(id);
    if (!intent) throw noSuch('payment_intent', id, 'intent');
    return intent;
  }

  // Validation that Stripe does before confirming anything (a refused confirm changes nothing).
  function checkConfirmable(intent: PaymentIntent, form: FormObject): void {
    if (!CONFIRMABLE.has(intent.status))
      throw invalidRequest(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`,
        {
          code: 'payment_intent_unexpected_state',
          doc_url: docUrl('payment_intent_unexpected_state'),
          payment_intent: structuredClone(intent),
        },
      );
    if (intent.payment_method === null)
      throw invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
        { code: 'payment_intent_unexpected_state', doc_url: docUrl('payment_intent_unexpected_state') },
      );
    // Automatic payment methods may redirect the customer, so Stripe wants a return_url unless redirects are
    // off: https://docs.stripe.com/payments/paymentintents/lifecycle and https://docs.stripe.com/api/payment_intents/create#create_payment_intent-automatic_payment_methods-allow_redirects
    if (
      intent.automatic_payment_methods?.enabled &&
      intent.automatic_payment_methods.allow_redirects !== 'never' &&
      field(form, 'return_url') === undefined
    )
      throw invalidRequest(
        "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
      );
  }

  function declined(
    intent: PaymentIntent,
    method: PaymentMethod,
    decline: CardDecline,
    context: RequestContext,
  ): Answer {
    const charge = newCharge(intent, method, seconds(), decline);
    charges.set(charge.id, charge);
    const error: StripeErrorBody = {
      type: 'card_error',
      message: decline.message,
      code: decline.code,
      decline_code: decline.declineCode,
      doc_url: docUrl(decline.code),
      charge: charge.id,
      payment_method: structuredClone(method),
    };
    intent.status = 'requires_payment_method';
    intent.latest_charge = charge.id;
    intent.last_payment_error = error;
    intent.payment_method = null;
    emit('charge.failed', charge, context);
    emit('payment_intent.payment_failed', intent, context);
    // A declined confirm answers 402 with the PaymentIntent in the error: https://docs.stripe.com/api/errors
    return errorAnswer(402, { ...error, payment_intent: structuredClone(intent) });
  }

  function confirm(intent: PaymentIntent, form: FormObject, context: RequestContext): Answer {
    const entry = methods.get(intent.payment_method as string);
    if (!entry) throw noSuch('PaymentMethod', String(intent.payment_method), 'payment_method');
    const { method, card } = entry;
    intent.last_payment_error = null;
    intent.next_action = null;
    if (card.decline) return declined(intent, method, card.decline, context);
    if (card.authenticationRequired) {
      // Off-session there is no customer to authenticate: https://docs.stripe.com/testing#regulatory-cards
      if (truthy(field(form, 'off_session')))
        return declined(intent, method, AUTHENTICATION_REQUIRED, context);
      intent.status = 'requires_action';
      intent.next_action = {
        type: 'use_stripe_sdk',
        use_stripe_sdk: {
          type: 'three_d_secure_redirect',
          stripe_js: 'https://hooks.stripe.com/3d_secure_2/hosted',
          source: stripeId('src'),
        },
      };
      emit('payment_intent.requires_action', intent, context);
      return { status: 200, body: intent };
    }
    const charge = newCharge(intent, method, seconds(), undefined);
    charges.set(charge.id, charge);
    intent.status = 'succeeded';
    intent.amount_received = intent.amount;
    intent.latest_charge = charge.id;
    emit('charge.succeeded', charge, context);
    emit('payment_intent.succeeded', intent, context);
    if (card.disputed) decideLater(() => dispute(charge));
    return { status: 200, body: intent };
  }

  function dispute(charge: Charge): void {
    const opened = newDispute(charge, seconds());
    disputes.set(opened.id, opened);
    charge.disputed = true;
    emit('charge.dispute.created', opened, undefined);
  }

  function createPaymentIntent(form: FormObject, context: RequestContext): Answer {
    const amount = positiveInteger(form, 'amount');
    if (amount === undefined) throw missingParam('amount');
    const rawCurrency = field(form, 'currency');
    if (rawCurrency === undefined) throw missingParam('currency');
    const currency = rawCurrency.toLowerCase();
    if (!/^[a-z]{3}$/.test(currency))
      throw invalidRequest(`Invalid currency: ${rawCurrency}.`, { param: 'currency' });
    const minimum = MINIMUM_AMOUNT[currency];
    if (minimum !== undefined && amount < minimum)
      throw invalidRequest(`Amount must be at least ${displayAmount(minimum, currency)} ${currency}`, {
        code: 'amount_too_small',
        param: 'amount',
        doc_url: docUrl('amount_too_small'),
      });
    if (amount > MAXIMUM_AMOUNT)
      throw invalidRequest(`Amount must be no more than ${displayAmount(MAXIMUM_AMOUNT, currency)}`, {
        code: 'amount_too_large',
        param: 'amount',
        doc_url: docUrl('amount_too_large'),
      });
    const types = form.payment_method_types;
    const paymentMethodTypes = Array.isArray(types)
      ? types.filter((type): type is string => typeof type === 'string')
      : undefined;
    const automatic = objectField(form, 'automatic_payment_methods');
    const allowRedirects = automatic.allow_redirects;
    if (paymentMethodTypes && automatic.enabled === 'true')
      throw invalidRequest(
        'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
      );
    const confirmNow = truthy(field(form, 'confirm'));
    if (field(form, 'off_session') !== undefined && !confirmNow)
      throw invalidRequest('You can only use `off_session` when `confirm` is true.', {
        param: 'off_session',
      });
    const intent = newPaymentIntent({
      amount,
      currency,
      created: seconds(),
      livemode: context.livemode,
      metadata: metadataOf(form),
      description: field(form, 'description') ?? null,
      paymentMethodTypes,
      allowRedirects: allowRedirects === 'never' || allowRedirects === 'always' ? allowRedirects : undefined,
    });
    intent.payment_method = resolvePaymentMethod(form, context.livemode) ?? null;
    if (intent.payment_method) intent.status = 'requires_confirmation';
    if (confirmNow) checkConfirmable(intent, form);
    intents.set(intent.id, intent);
    emit('payment_intent.created', intent, context);
    return confirmNow ? confirm(intent, form, context) : { status: 200, body: intent };
  }

  function confirmPaymentIntent(id: string, form: FormObject, context: RequestContext): Answer {
    const intent = intentById(id);
    const replacement = resolvePaymentMethod(form, context.livemode);
    const candidate = replacement ? { ...intent, payment_method: replacement } : intent;
    checkConfirmable(candidate, form);
    if (replacement) intent.payment_method = replacement;
    return confirm(intent, form, context);
  }

  function cancelPaymentIntent(id: string, form: FormObject, context: RequestContext): Answer {
    const intent = intentById(id);
    if (!CANCELABLE.has(intent.status))
      throw invalidRequest(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${[...CANCELABLE].join(', ')}.`,
        {
          code: 'payment_intent_unexpected_state',
          doc_url: docUrl('payment_intent_unexpected_state'),
          payment_intent: structuredClone(intent),
        },
      );
    intent.status = 'canceled';
    intent.canceled_at = seconds();
    intent.cancellation_reason = field(form, 'cancellation_reason') ?? null;
    intent.next_action = null;
    emit('payment_intent.canceled', intent, context);
    return { status: 200, body: intent };
  }

  // Only the form ASPay needs: metadata['key']:'value' (https://docs.stripe.com/search#query-fields-for-payment-intents).
  function searchPaymentIntents(query: URLSearchParams): Answer {
    const text = query.get('query');
    if (text === null) throw missingParam('query');
    const match = /^\s*metadata\[['"]([^'"]+)['"]\]\s*:\s*['"]([^'"]*)['"]\s*$/.exec(text);
    if (!match)
      throw invalidRequest(`The simulator only understands queries of the form metadata['key']:'value'.`, {
        param: 'query',
      });
    const [, key, value] = match;
    const data = [...intents.values()]
      .filter((intent) => intent.metadata[key as string] === value)
      .sort((a, b) => b.created - a.created);
    return {
      status: 200,
      body: {
        object: 'search_result',
        data,
        has_more: false,
        next_page: null,
        url: '/v1/payment_intents/search',
      },
    };
  }

  function refundedSoFar(charge: Charge): number {
    return [...refunds.values()]
      .filter(
        (refund) =>
          refund.charge === charge.id && (refund.status === 'succeeded' || refund.status === 'pending'),
      )
      .reduce((sum, refund) => sum + refund.amount, 0);
  }

  function chargeToRefund(form: FormObject): Charge {
    const intentId = field(form, 'payment_intent');
    const chargeId = field(form, 'charge');
    if (intentId === undefined && chargeId === undefined)
      throw invalidRequest(
        'One of the following params should be provided for this request: payment_intent or charge.',
      );
    if (intentId !== undefined) {
      const intent = intents.get(intentId);
      if (!intent) throw noSuch('payment_intent', intentId, 'payment_intent');
      const latest = intent.latest_charge ? charges.get(intent.latest_charge) : undefined;
      if (intent.status !== 'succeeded' || !latest || latest.status !== 'succeeded')
        throw invalidRequest(
          `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
          {
            param: 'payment_intent',
          },
        );
      if (chargeId !== undefined && chargeId !== latest.id)
        throw invalidRequest(`Charge ${chargeId} does not belong to PaymentIntent ${intent.id}.`, {
          param: 'charge',
        });
      return latest;
    }
    const charge = charges.get(chargeId as string);
    if (!charge) throw noSuch('charge', chargeId as string, 'charge');
    if (charge.status !== 'succeeded')
      throw invalidRequest(`Charge ${charge.id} has failed and cannot be refunded.`, { param: 'charge' });
    return charge;
  }

  function createRefund(form: FormObject, context: RequestContext): Answer {
    const charge = chargeToRefund(form);
    const requested = positiveInteger(form, 'amount');
    const reason = field(form, 'reason');
    if (reason !== undefined && !REFUND_REASONS.has(reason))
      throw invalidRequest('Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer', {
        param: 'reason',
      });
    const remaining = charge.amount - refundedSoFar(charge);
    if (remaining <= 0)
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
        doc_url: docUrl('charge_already_refunded'),
      });
    // Stripe answers an over-refund without an error code, naming the param.
    if (requested !== undefined && requested > remaining)
      throw invalidRequest(
        `Refund amount (${displayAmount(requested, charge.currency)}) is greater than unrefunded amount on charge (${displayAmount(remaining, charge.currency)})`,
        { param: 'amount' },
      );
    const card = methods.get(charge.payment_method)?.card;
    const refund = newRefund({
      charge,
      amount: requested ?? remaining,
      created: seconds(),
      metadata: metadataOf(form),
      reason: reason ?? null,
      status: card?.refund === 'pending_then_succeeds' ? 'pending' : 'succeeded',
    });
    refunds.set(refund.id, refund);
    charge.amount_refunded += refund.amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    emit('charge.refunded', charge, context);
    emit('refund.created', refund, context);
    if (card?.refund === 'fails_later') decideLater(() => failRefund(refund, charge));
    if (card?.refund === 'pending_then_succeeds') decideLater(() => settleRefund(refund, charge));
    return { status: 200, body: refund };
  }

  // https://docs.stripe.com/testing#refunds: the refund turns failed (expired_or_canceled_card), the money
  // comes back to the balance, and Stripe notifies with charge.refund.updated, refund.updated and refund.failed
  // (https://docs.stripe.com/changelog/acacia/2024-10-28/refund-webhook-update).
  function failRefund(refund: Refund, charge: Charge): void {
    const previous = { status: refund.status, failure_reason: null, failure_balance_transaction: null };
    refund.status = 'failed';
    refund.failure_reason = 'expired_or_canceled_card';
    refund.failure_balance_transaction = stripeId('txn');
    charge.amount_refunded -= refund.amount;
    charge.refunded = false;
    emit('charge.refund.updated', refund, undefined, previous);
    emit('refund.updated', refund, undefined, previous);
    emit('refund.failed', refund, undefined);
  }

  function settleRefund(refund: Refund, _charge: Charge): void {
    const previous = { status: refund.status, pending_reason: refund.pending_reason ?? null };
    refund.status = 'succeeded';
    delete refund.pending_reason;
    emit('charge.refund.updated', refund, undefined, previous);
    emit('refund.updated', refund, undefined, previous);
  }

  function listRefunds(query: URLSearchParams): Answer {
    const intent = query.get('payment_intent');
    const charge = query.get('charge');
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 10) || 10));
    const matching = [...refunds.values()]
      .filter(
        (refund) =>
          (intent === null || refund.payment_intent === intent) &&
          (charge === null || refund.charge === charge),
      )
      .sort((a, b) => b.created - a.created);
    return {
      status: 200,
      body: {
        object: 'list',
        data: matching.slice(0, limit),
        has_more: matching.length > limit,
        url: '/v1/refunds',
      },
    };
  }

  function found<T>(map: Map<string, T>, id: string, kind: string): Answer {
    const object = map.get(id);
    if (!object) throw noSuch(kind, id, 'id');
    return { status: 200, body: object };
  }

  type Route = {
    method: 'GET' | 'POST';
    pattern: RegExp;
    handle: (params: string[], form: FormObject, context: RequestContext) => Answer;
  };
  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents$/,
      handle: (_, form, c) => createPaymentIntent(form, c),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payment_intents\/search$/,
      handle: (_, _f, c) => searchPaymentIntents(c.query),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payment_intents\/([^/]+)$/,
      handle: ([id]) => found(intents, id as string, 'payment_intent'),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents\/([^/]+)\/confirm$/,
      handle: ([id], form, c) => confirmPaymentIntent(id as string, form, c),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payment_intents\/([^/]+)\/cancel$/,
      handle: ([id], form, c) => cancelPaymentIntent(id as string, form, c),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/charges\/([^/]+)$/,
      handle: ([id]) => found(charges, id as string, 'charge'),
    },
    { method: 'POST', pattern: /^\/v1\/refunds$/, handle: (_, form, c) => createRefund(form, c) },
    { method: 'GET', pattern: /^\/v1\/refunds$/, handle: (_, _f, c) => listRefunds(c.query) },
    {
      method: 'GET',
      pattern: /^\/v1\/refunds\/([^/]+)$/,
      handle: ([id]) => found(refunds, id as string, 'refund'),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/disputes\/([^/]+)$/,
      handle: ([id]) => found(disputes, id as string, 'dispute'),
    },
  ];

  const controls: StripeSimulatorControls = {
    failNext(count, mode, path) {
      for (let i = 0; i < count; i += 1) faults.push({ mode, path });
    },
    idempotencyKey: (key) => ({
      requests: keyRequests.get(key) ?? 0,
      executions: keyExecutions.get(key) ?? 0,
    }),
    holdDeliveries: (enabled) => deliveries.hold(enabled),
    setOutage(enabled) {
      outage = enabled;
    },
    hold(kind, enabled) {
      if (enabled && !holds.has(kind)) {
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        holds.set(kind, { released, release });
      } else if (!enabled) {
        holds.get(kind)?.release();
        holds.delete(kind);
      }
    },
    resendEvent(id) {
      const event = events.find((candidate) => candidate.id === id);
      if (event) deliveries.send(event);
      return event !== undefined;
    },
    runLater() {
      const due = [...later];
      for (const entry of due) entry.run();
      return due.length;
    },
    paymentIntents: () => [...intents.values()],
    charges: () => [...charges.values()],
    refunds: () => [...refunds.values()],
    disputes: () => [...disputes.values()],
    events: () => [...events],
    deliveries: () => deliveries.attempts(),
  };

  function simulatorRoute(method: string, path: string, text: string, query: URLSearchParams): Answer {
    const json = () => JSON.parse(text || '{}') as Record<string, unknown>;
    const route = `${method} ${path.slice(SIMULATOR_PATH.length)}`;
    if (route === 'POST /faults') {
      const { count, mode, path: only } = json();
      if (!Number.isInteger(count) || !['error', 'error_after', 'hang'].includes(String(mode)))
        return {
          status: 400,
          body: { error: 'count (integer) and mode (error, error_after, hang) required' },
        };
      controls.failNext(count as number, mode as FaultMode, typeof only === 'string' ? only : undefined);
      return { status: 200, body: { pending: faults.length } };
    }
    if (route === 'POST /outage') {
      controls.setOutage(json().enabled === true);
      return { status: 200, body: { outage } };
    }
    if (route === 'POST /hold') {
      const { kind, enabled } = json();
      if (kind !== 'payment_intents' && kind !== 'refunds')
        return { status: 400, body: { error: 'kind must be payment_intents or refunds' } };
      controls.hold(kind, enabled === true);
      return { status: 200, body: { kind, held: holds.has(kind) } };
    }
    if (route === 'POST /webhooks/hold') {
      controls.holdDeliveries(json().enabled === true);
      return { status: 200, body: { held: deliveries.held() } };
    }
    const resend = /^POST \/events\/([^/]+)\/resend$/.exec(route);
    if (resend) {
      const sent = controls.resendEvent(resend[1] as string);
      return sent
        ? { status: 200, body: { resent: resend[1] } }
        : { status: 404, body: { error: 'no such event' } };
    }
    if (route === 'POST /later/run') return { status: 200, body: { ran: controls.runLater() } };
    if (route === 'GET /idempotency_keys') {
      const key = query.get('key');
      if (key === null) return { status: 400, body: { error: 'key required' } };
      return { status: 200, body: controls.idempotencyKey(key) };
    }
    const lists: Record<string, () => unknown[]> = {
      'GET /payment_intents': controls.paymentIntents,
      'GET /charges': controls.charges,
      'GET /refunds': controls.refunds,
      'GET /disputes': controls.disputes,
      'GET /events': controls.events,
      'GET /deliveries': () => [...controls.deliveries()],
    };
    const list = lists[route];
    if (list) return { status: 200, body: { data: list() } };
    return { status: 404, body: { error: 'unknown simulator route' } };
  }

  // Stripe's idempotency: https://docs.stripe.com/api/idempotent_requests — the first request's status and body
  // are saved once it starts executing (validation failures and conflicts are not saved), replayed for the same
  // key and parameters, refused for other parameters (400 idempotency_error) and while the first still runs (409).
  async function api(
    method: string,
    path: string,
    form: FormObject,
    fingerprint: string,
    context: RequestContext,
    apiKey: string,
  ): Promise<{ answer: Answer; replayed?: boolean; hang?: boolean }> {
    const scoped =
      context.idempotencyKey !== undefined && method === 'POST'
        ? `${apiKey}\n${context.idempotencyKey}`
        : undefined;
    if (context.idempotencyKey !== undefined)
      keyRequests.set(context.idempotencyKey, (keyRequests.get(context.idempotencyKey) ?? 0) + 1);
    const faultIndex = faults.findIndex((fault) => fault.path === undefined || path.startsWith(fault.path));
    const fault = faultIndex >= 0 ? faults.splice(faultIndex, 1)[0] : undefined;
    if (fault?.mode === 'error' || outage) return { answer: apiError() };
    if (scoped) {
      const saved = idempotent.get(scoped);
      if (saved && saved.answer === undefined)
        return {
          answer: errorAnswer(409, {
            type: 'invalid_request_error',
            code: 'idempotency_key_in_use',
            doc_url: docUrl('idempotency_key_in_use'),
            message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${context.idempotencyKey}. Please try again later.`,
          }),
        };
      if (saved && saved.fingerprint !== fingerprint)
        return {
          answer: errorAnswer(400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${context.idempotencyKey}' if you meant to execute a different request.`,
          }),
        };
      if (saved?.answer) return { answer: saved.answer, replayed: true };
      idempotent.set(scoped, { fingerprint, answer: undefined, requestId: context.requestId });
    }
    const heldKind =
      method === 'POST' ? /^\/v1\/(payment_intents|refunds)(?:\/|$)/.exec(path)?.[1] : undefined;
    if (heldKind) await holds.get(heldKind as HeldKind)?.released;
    await sleep(
      latency.min + (latency.max > latency.min ? randomInt(latency.max - latency.min + 1) : 0),
      undefined,
      { signal: closing.signal },
    );
    const route = routes.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    let answer: Answer;
    try {
      if (!route) throw invalidRequest(`Unrecognized request URL (${method}: ${path}).`, {}, 404);
      answer = route.handle(route.pattern.exec(path)?.slice(1) ?? [], form, context);
      answer = { status: answer.status, body: structuredClone(answer.body) };
      if (context.idempotencyKey !== undefined && method === 'POST')
        keyExecutions.set(context.idempotencyKey, (keyExecutions.get(context.idempotencyKey) ?? 0) + 1);
    } catch (error) {
      if (scoped) idempotent.delete(scoped);
      if (error instanceof Refusal) return { answer: error.answer };
      throw error;
    }
    if (fault?.mode === 'error_after') answer = apiError();
    if (scoped) idempotent.set(scoped, { fingerprint, answer, requestId: context.requestId });
    return { answer, hang: fault?.mode === 'hang' };
  }

  function apiError(): Answer {
    return errorAnswer(500, { type: 'api_error', message: 'An unknown error occurred' });
  }

  const listener: RequestListener = async (request, response) => {
    const requestId = stripeId('req', 14);
    const reply = (answer: Answer, headers: Record<string, string> = {}) => {
      if (response.headersSent) return;
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': requestId,
        'stripe-version': apiVersion,
        ...headers,
      });
      response.end(JSON.stringify(answer.body, null, 2));
    };
    try {
      const url = new URL(request.url ?? '/', 'http://stripe');
      const method = request.method ?? 'GET';
      const text = await readBody(request);
      if (url.pathname === SIMULATOR_PATH || url.pathname.startsWith(`${SIMULATOR_PATH}/`))
        return reply(simulatorRoute(method, url.pathname, text, url.searchParams));
      const apiKey = apiKeyOf(request);
      // https://docs.stripe.com/api/authentication: a missing or unknown key is a 401.
      if (apiKey === undefined)
        return reply(
          errorAnswer(401, {
            type: 'invalid_request_error',
            message:
              "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
          }),
        );
      if (!apiKeyPrefixes.some((prefix) => apiKey.startsWith(prefix)))
        return reply(
          errorAnswer(401, {
            type: 'invalid_request_error',
            message: `Invalid API Key provided: ${redacted(apiKey)}`,
          }),
        );
      const header = request.headers['idempotency-key'];
      const idempotencyKey = typeof header === 'string' && header !== '' ? header : undefined;
      const form = method === 'POST' ? parseForm(text) : {};
      const fingerprint = `${method} ${url.pathname}\n${[...new URLSearchParams(text)]
        .map(([k, v]) => `${k}=${v}`)
        .sort()
        .join('&')}`;
      const context: RequestContext = {
        requestId,
        idempotencyKey,
        livemode: /^[a-z]+_live_/.test(apiKey),
        query: url.searchParams,
      };
      const { answer, replayed, hang } = await api(method, url.pathname, form, fingerprint, context, apiKey);
      if (hang) await sleep(hangMs, undefined, { signal: closing.signal });
      reply(answer, {
        ...(idempotencyKey !== undefined && method === 'POST' ? { 'idempotency-key': idempotencyKey } : {}),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
    } catch (error) {
      if (closing.signal.aborted) return;
      reply(
        errorAnswer(500, {
          type: 'api_error',
          message: `An unknown error occurred: ${(error as Error).message}`,
        }),
      );
    }
  };

  const server = createServer(listener);
  return {
    server,
    listener,
    controls,
    async close() {
      closing.abort();
      deliveries.close();
      for (const entry of later) if (entry.timer) clearTimeout(entry.timer);
      later.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
