import { AsyncLocalStorage } from 'node:async_hooks';
import Stripe from 'stripe';
import type { BankSettings } from '../../config/bank';
import { STRIPE_API_VERSION, STRIPE_METADATA } from '../../config/processors';
import type {
  Bank,
  BankRefundOutcome,
  BankRefundRequest,
  ChargeLookup,
  ChargeOutcome,
  ChargeRequest,
  RefundLookup,
} from '../../use-cases/ports/bank';
import { TransientBankError } from '../errors';
import type { StripeCredentials } from '../secrets/stripe-credentials';
import type { BankAlarm, BankConnectorHooks } from './bank-answers';
import { bankCircuitBreaker, type CircuitBreakerStateStore, countedByBreaker } from './circuit-breaker';
import { toStripeAmount } from './stripe-amounts';
import {
  AUTHENTICATION_CANCELLATION,
  classifyStripeError,
  declineReason,
  intentState,
  refundRefusal,
  refundState,
} from './stripe-answers';

/** What Stripe's answer about a charge can be: it never says "not found" (see `lookupCharge`). */
type IntentOutcome = Exclude<ChargeLookup, { kind: 'not_found' }>;

/** What Stripe's answer about a refund can be, for the refund and for its lookup. */
type RefundAnswer = Exclude<RefundLookup, { kind: 'not_found' }>;

/** How one Stripe request ended: its object, Stripe's refusal (a decline, or one for an operator), or no answer. */
type Sent<T> =
  | { value: T }
  | { refusal: Stripe.errors.StripeError }
  | { unavailable: string }
  | { circuitOpen: true };

/** Where the client sends its requests when not api.stripe.com (the Stripe simulator): host, port, protocol. */
function endpointOf(apiUrl: string): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
}

/**
 * A payment's PaymentIntent, created and confirmed in one request (https://docs.stripe.com/api/payment_intents/create):
 * the same parameters for the charge and its replay (a replay with other parameters is an idempotency error).
 * Redirect-based payment methods are off, as a server-to-server payment has nobody to redirect. The source is a
 * PaymentMethod (`pm_…`) or a card token (`tok_…`), which Stripe turns into a PaymentMethod through
 * `payment_method_data[card][token]` (accepted by the API, absent from the SDK's types).
 */
function intentParams(
  request: ChargeRequest,
  amount: { amount: number; currency: string },
): Stripe.PaymentIntentCreateParams {
  const source = request.source.startsWith('tok_')
    ? {
        payment_method_data: {
          type: 'card',
          card: { token: request.source },
        } as unknown as Stripe.PaymentIntentCreateParams.PaymentMethodData,
      }
    : { payment_method: request.source };
  return {
    ...amount,
    ...source,
    confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    // Stripe's later events about it are matched to the payment and its merchant by these
    // (adapters/stripe/processor-events.ts).
    metadata: {
      [STRIPE_METADATA.paymentId]: request.paymentId,
      [STRIPE_METADATA.merchantId]: request.merchantId,
    },
  };
}

/**
 * Stripe as ASPay's bank, through the official SDK. Every request runs through ASPay's own retries and circuit
 * breaker (circuit-breaker.ts, as http-bank.ts), so the SDK retries nothing itself (`maxNetworkRetries: 0`);
 * each request times out after `settings.timeoutMs`, and the caller's abort signal ends it (through the fetch
 * the SDK is given). Idempotency keys are ASPay's ids: the payment id for its PaymentIntent, the refund id for
 * its refund (https://docs.stripe.com/api/idempotent_requests). Stripe's answers are read by stripe-answers.ts;
 * only a PaymentIntent that succeeded, a card decline or a refund's definite refusal decides anything, and
 * answers that need an operator go to `onAlarm` and leave the payment or refund waiting.
 */
export function stripeBank(
  credentials: () => Promise<StripeCredentials>,
  settings: BankSettings,
  breakerState: CircuitBreakerStateStore,
  hooks: BankConnectorHooks = {},
): Bank {
  const guarded = bankCircuitBreaker(settings, breakerState, hooks.onBreak);
  // The signal of the call in progress, for the fetch the SDK makes (the SDK takes no signal of its own).
  const abandonment = new AsyncLocalStorage<AbortSignal | undefined>();
  const abandonableFetch: typeof fetch = (input, init) => {
    const abandon = abandonment.getStore();
    if (!abandon) return fetch(input, init);
    return fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, abandon]) : abandon,
    });
  };
  let client: Promise<Stripe> | undefined;

  function stripe(): Promise<Stripe> {
    if (!client) {
      const built = credentials().then(
        ({ secretKey, apiUrl }) =>
          new Stripe(secretKey, {
            apiVersion: STRIPE_API_VERSION,
            maxNetworkRetries: 0,
            timeout: settings.timeoutMs,
            httpClient: Stripe.createFetchHttpClient(abandonableFetch),
            ...(apiUrl ? endpointOf(apiUrl) : {}),
          }),
      );
      // Credentials that could not be read are read again on the next call.
      built.catch(() => {
        if (client === built) client = undefined;
      });
      client = built;
    }
    return client;
  }

  function alarm(operation: BankAlarm['operation'], alarmed: Omit<BankAlarm, 'operation'>): string {
    hooks.onAlarm?.({ operation, ...alarmed });
    return alarmed.detail;
  }

  /** An object in a state ASPay never leaves it in: no decision, and an operator must look. */
  function unexpectedState(
    operation: BankAlarm['operation'],
    detail: string,
  ): { kind: 'unavailable'; reason: string } {
    return {
      kind: 'unavailable',
      reason: alarm(operation, { status: 200, answerClass: 'contract', detail }),
    };
  }

  /** The reason to wait after a refusal that decides nothing: our keys or our request; an operator must look. */
  function needsOperator(operation: BankAlarm['operation'], error: Stripe.errors.StripeError): string {
    const answerClass = classifyStripeError(error) === 'credentials' ? 'credentials' : 'contract';
    return alarm(operation, {
      status: error.statusCode ?? 0,
      answerClass,
      detail: `Stripe answered ${error.statusCode ?? 'no status'} (${error.code ?? error.type}): ${error.message}`,
    });
  }

  /**
   * One Stripe request through the breaker: transient failures are thrown as TransientBankError (retried and
   * counted), other Stripe errors come back as the refusal to read.
   */
  async function send<T>(
    operation: BankAlarm['operation'],
    request: (api: Stripe) => Promise<T>,
    abandon: AbortSignal | undefined,
    counted = true,
  ): Promise<Sent<T>> {
    let api: Stripe;
    try {
      api = await stripe();
    } catch (error) {
      const detail = `Stripe credentials unreadable: ${(error as Error).message}`;
      return { unavailable: alarm(operation, { status: 0, answerClass: 'credentials', detail }) };
    }
    const result = await guarded(
      () =>
        abandonment.run(abandon, async (): Promise<{ value: T } | { refusal: Stripe.errors.StripeError }> => {
          // An abandoned call is not Stripe's failure: neither retried nor counted (see http-bank.ts).
          abandon?.throwIfAborted();
          try {
            return { value: await request(api) };
          } catch (error) {
            if (abandon?.aborted || !(error instanceof Stripe.errors.StripeError)) throw error;
            if (classifyStripeError(error) === 'retry')
              throw new TransientBankError(`Stripe answered ${error.statusCode ?? error.type}`, {
                cause: error,
              });
            return { refusal: error };
          }
        }),
      abandon,
      counted,
    );
    if ('circuitOpen' in result || 'unavailable' in result) return result;
    return result.answer;
  }

  /** Creates and confirms the payment's PaymentIntent, or replays that request (same key, same parameters). */
  function createIntent(
    request: ChargeRequest,
    amount: { amount: number; currency: string },
    abandon: AbortSignal | undefined,
    operation: 'charge' | 'lookup',
  ): Promise<Sent<Stripe.PaymentIntent>> {
    return send(
      operation,
      (api) =>
        api.paymentIntents.create(intentParams(request, amount), { idempotencyKey: request.paymentId }),
      abandon,
      operation === 'lookup' || countedByBreaker(request),
    );
  }

  /**
   * What a PaymentIntent means for its payment. One that asks for 3-D Secure is canceled (its customer is not
   * there to authenticate: out of scope for server-to-server payments) and declined `authentication_required`.
   */
  async function settleIntent(
    intent: Stripe.PaymentIntent,
    abandon: AbortSignal | undefined,
    operation: 'charge' | 'lookup',
  ): Promise<IntentOutcome> {
    const state = intentState(intent);
    switch (state.kind) {
      case 'approved':
      case 'declined':
        return state;
      case 'processing':
        return { kind: 'unavailable', reason: 'payment still processing at Stripe' };
      case 'unexpected':
        return unexpectedState(operation, `PaymentIntent ${intent.id} is ${state.status}`);
      case 'needs_authentication': {
        const canceled = await send(
          operation,
          (api) => api.paymentIntents.cancel(intent.id, { cancellation_reason: AUTHENTICATION_CANCELLATION }),
          abandon,
        );
        // Canceled now, or already by an earlier attempt (Stripe refuses a second cancel with its state).
        if ('value' in canceled) return settleIntent(canceled.value, abandon, operation);
        const refused = refusedIntent(canceled);
        if (refused?.status === 'canceled') return settleIntent(refused, abandon, operation);
        return undecided(operation, canceled);
      }
    }
  }

  /** The PaymentIntent a refusal carries (Stripe puts it in a 402 decline or a state error), if any. */
  function refusedIntent(sent: Sent<unknown>): Stripe.PaymentIntent | undefined {
    if (!('refusal' in sent)) return undefined;
    return (sent.refusal.raw as { payment_intent?: Stripe.PaymentIntent } | undefined)?.payment_intent;
  }

  /** No decision: the breaker open, Stripe unavailable, or a refusal for an operator. */
  function undecided(
    operation: BankAlarm['operation'],
    sent: Exclude<Sent<unknown>, { value: unknown }>,
  ): { kind: 'unavailable'; reason: string } {
    if ('circuitOpen' in sent) return { kind: 'unavailable', reason: 'circuit_open' };
    if ('unavailable' in sent) return { kind: 'unavailable', reason: sent.unavailable };
    return { kind: 'unavailable', reason: needsOperator(operation, sent.refusal) };
  }

  /** The answer to a create (or its replay): a decline, or the PaymentIntent's state. */
  async function chargeAnswer(
    sent: Sent<Stripe.PaymentIntent>,
    abandon: AbortSignal | undefined,
    operation: 'charge' | 'lookup',
  ): Promise<IntentOutcome> {
    if ('value' in sent) return settleIntent(sent.value, abandon, operation);
    if ('refusal' in sent && classifyStripeError(sent.refusal) === 'decline')
      return { kind: 'declined', reason: declineReason(sent.refusal) };
    return undecided(operation, sent);
  }

  async function charge(request: ChargeRequest, abandon?: AbortSignal): Promise<ChargeOutcome> {
    const amount = toStripeAmount(request.amount);
    if ('unsupported' in amount) return { kind: 'declined', reason: amount.unsupported };
    const sent = await createIntent(request, amount, abandon, 'charge');
    if ('circuitOpen' in sent) return { kind: 'circuit_open' };
    return chargeAnswer(sent, abandon, 'charge');
  }

  /**
   * Reconciliation. First the PaymentIntents carrying this payment's id in their metadata (the search is
   * eventually consistent, by about a minute: https://docs.stripe.com/search#data-freshness), read again by id
   * for their current state. None found: the create is replayed with the same key and parameters; within
   * Stripe's idempotency window (24 hours: https://docs.stripe.com/api/idempotent_requests) Stripe answers
   * with the first request's answer if it reached Stripe, and otherwise performs it now, once. After the window
   * a replay would create a second PaymentIntent; the search comes first to guard against that: by then any
   * PaymentIntent of the payment is long findable, so a replay only ever creates the payment's first one. The
   * replayed answer may be stale (a PaymentIntent `processing` then), so the PaymentIntent is read again too.
   */
  async function lookupCharge(request: ChargeRequest, abandon?: AbortSignal): Promise<ChargeLookup> {
    const amount = toStripeAmount(request.amount);
    if ('unsupported' in amount) return { kind: 'declined', reason: amount.unsupported };
    const query = `metadata['${STRIPE_METADATA.paymentId}']:'${request.paymentId}'`;
    const found = await send('lookup', (api) => api.paymentIntents.search({ query, limit: 10 }), abandon);
    if (!('value' in found)) return undecided('lookup', found);
    const intents = found.value.data;
    if (intents.length > 1)
      alarm('lookup', {
        status: 200,
        answerClass: 'contract',
        detail: `${intents.length} PaymentIntents for payment ${request.paymentId}`,
      });
    const known = intents.find((intent) => intent.status === 'succeeded') ?? intents[0];
    if (known) {
      const current = await send('lookup', (api) => api.paymentIntents.retrieve(known.id), abandon);
      return 'value' in current
        ? settleIntent(current.value, abandon, 'lookup')
        : undecided('lookup', current);
    }
    const replayed = await createIntent(request, amount, abandon, 'lookup');
    if (!('value' in replayed)) return chargeAnswer(replayed, abandon, 'lookup');
    const current = await send('lookup', (api) => api.paymentIntents.retrieve(replayed.value.id), abandon);
    return 'value' in current ? settleIntent(current.value, abandon, 'lookup') : undecided('lookup', current);
  }

  /**
   * A refund of the payment's PaymentIntent (https://docs.stripe.com/api/refunds/create), keyed by the refund
   * id, with ASPay's refund and payment ids in its metadata.
   */
  async function refund(request: BankRefundRequest, abandon?: AbortSignal): Promise<BankRefundOutcome> {
    const amount = toStripeAmount(request.amount);
    if ('unsupported' in amount) return { kind: 'rejected', reason: amount.unsupported };
    const sent = await send(
      'refund',
      (api) =>
        api.refunds.create(
          {
            payment_intent: request.chargeId,
            amount: amount.amount,
            metadata: {
              [STRIPE_METADATA.refundId]: request.refundId,
              [STRIPE_METADATA.paymentId]: request.paymentId,
              [STRIPE_METADATA.merchantId]: request.merchantId,
            },
          },
          { idempotencyKey: request.refundId },
        ),
      abandon,
      countedByBreaker(request),
    );
    if ('circuitOpen' in sent) return { kind: 'circuit_open' };
    if ('refusal' in sent) {
      const refused = refundRefusal(sent.refusal);
      if (refused) return { kind: 'rejected', reason: refused };
    }
    if (!('value' in sent)) return undecided('refund', sent);
    return refundAnswer(sent.value, 'refund');
  }

  function refundAnswer(found: Stripe.Refund, operation: 'refund' | 'lookup'): RefundAnswer {
    const state = refundState(found);
    return state.kind === 'unexpected'
      ? unexpectedState(operation, `refund ${found.id} is ${found.status}`)
      : state;
  }

  return {
    charge,
    lookupCharge,
    refund,
    /**
     * The refunds of the PaymentIntent, listed (strongly consistent, unlike the search), and the one carrying
     * this refund's id in its metadata. A refund Stripe refused (a 400) was never created: not found.
     */
    async lookupRefund(request, abandon) {
      const listed = await send(
        'lookup',
        (api) =>
          api.refunds
            .list({ payment_intent: request.chargeId, limit: 100 })
            .autoPagingToArray({ limit: 10_000 }),
        abandon,
      );
      if (!('value' in listed)) return undecided('lookup', listed);
      const found = listed.value.find(
        (candidate) => candidate.metadata?.[STRIPE_METADATA.refundId] === request.refundId,
      );
      if (!found) return { kind: 'not_found' };
      return refundAnswer(found, 'lookup');
    },
  };
}
