/**
 * The HTTP API's routes: one table read by the CDK API construct and the local gateway.
 * `handler` names the entry file `lambdas/functions/<handler>.ts`, which exports `handler`.
 */

/** The entry file of the processor events route: a processor's signed events in, no merchant key. */
export const PROCESSOR_EVENTS_HANDLER = 'processor-events';

/** The entry file of the API-key routes: one function serves all four. */
export const API_KEYS_HANDLER = 'api-keys';

export type HttpMethod = 'GET' | 'POST';

export interface ApiRoute {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly handler: string;
  /** Protected by the merchant API-key Lambda authorizer. */
  readonly authorized: boolean;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', path: '/v1/payments', handler: 'create-payment', authorized: true },
  { method: 'GET', path: '/v1/payments', handler: 'list-payments', authorized: true },
  { method: 'GET', path: '/v1/payments/{id}', handler: 'get-payment', authorized: true },
  { method: 'POST', path: '/v1/payments/{id}/refunds', handler: 'create-refund', authorized: true },
  { method: 'GET', path: '/v1/payments/{id}/refunds', handler: 'list-refunds', authorized: true },
  { method: 'GET', path: '/v1/refunds/{id}', handler: 'get-refund', authorized: true },
  { method: 'GET', path: '/v1/balance', handler: 'get-balance', authorized: true },
  { method: 'GET', path: '/v1/events', handler: 'list-events', authorized: true },
  { method: 'GET', path: '/v1/events/{id}', handler: 'get-event', authorized: true },
  { method: 'POST', path: '/v1/events/{id}/resend', handler: 'resend-event', authorized: true },
  // The key routes share one function (functions/api-keys.ts): rare requests, one reservation of concurrency.
  { method: 'GET', path: '/v1/api_keys', handler: API_KEYS_HANDLER, authorized: true },
  { method: 'POST', path: '/v1/api_keys', handler: API_KEYS_HANDLER, authorized: true },
  { method: 'POST', path: '/v1/api_keys/{id}/roll', handler: API_KEYS_HANDLER, authorized: true },
  { method: 'POST', path: '/v1/api_keys/{id}/revoke', handler: API_KEYS_HANDLER, authorized: true },
  // Stripe's events about ASPay's payments: the Stripe-Signature header, not a merchant key, authenticates them.
  {
    method: 'POST',
    path: '/v1/webhooks/stripe/{mode}',
    handler: PROCESSOR_EVENTS_HANDLER,
    authorized: false,
  },
  // The API description is public, like any payment provider's reference docs.
  { method: 'GET', path: '/openapi.json', handler: 'openapi', authorized: false },
];

/** Answers every request no route matches (API Gateway's `$default` route) with a problem+json 404 or 405. */
export const FALLBACK_HANDLER = 'route-not-found';

/** The Lambda authorizer's entry file. */
export const AUTHORIZER_HANDLER = 'authorizer';

/** Requests larger than this are refused with 413 before any parsing. */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024;

/**
 * The largest processor event accepted. Stripe documents no maximum for an event; its PaymentIntent, Refund and
 * Dispute events are a few kilobytes, so a merchant request's limit would be too tight and API Gateway's 10 MB
 * too loose.
 */
export const MAX_PROCESSOR_EVENT_BYTES = 256 * 1024;
