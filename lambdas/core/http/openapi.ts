import { z } from 'zod';
import { type AnsweredProblemCode, PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from '../config/problems';
import { API_ROUTES, MAX_PROCESSOR_EVENT_BYTES, MAX_REQUEST_BODY_BYTES } from '../config/routes';
import {
  ApiKey,
  ApiKeyList,
  Balance,
  CreateApiKeyRequest,
  CreatePaymentRequest,
  CreateRefundRequest,
  Event,
  EventList,
  IssuedApiKey,
  ListApiKeysQuery,
  ListEventsQuery,
  ListPaymentsQuery,
  ListRefundsQuery,
  Payment,
  PaymentList,
  Problem,
  Refund,
  RefundList,
  ResendEventRequest,
  RevokeApiKeyRequest,
  RollApiKeyRequest,
  RolledApiKey,
} from './schemas';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: object) => ({ 'application/json': { schema } });

/** One error status of an operation: the problem codes it answers with there, and what they mean there. */
type DocumentedError = readonly [
  codes: readonly [AnsweredProblemCode, ...AnsweredProblemCode[]],
  description: string,
];

/**
 * An operation's error responses, each status taken from the problem table and each body a `Problem` whose
 * `code` is one of the codes documented for it.
 */
function errorResponses(documented: readonly DocumentedError[]): Record<string, object> {
  const responses: Record<string, object> = {};
  for (const [codes, description] of documented) {
    const status = String(PROBLEM_TYPES[codes[0]].status);
    if (codes.some((code) => String(PROBLEM_TYPES[code].status) !== status) || status in responses)
      throw new Error(`the errors documented for ${status} (${codes.join(', ')}) must share one status`);
    responses[status] = {
      description,
      content: {
        [PROBLEM_CONTENT_TYPE]: { schema: { ...ref('Problem'), properties: { code: { enum: codes } } } },
      },
    };
  }
  return responses;
}

const idempotencyKey = {
  name: 'X-Idempotency-Key',
  in: 'header',
  required: true,
  description: 'Unique per intended operation; `Idempotency-Key` is accepted too. Kept 24 h per merchant.',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};
/** The `{id}` of a payment's or a refund's path. */
const idPath = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/**
 * A list route's query parameters, from the zod schema that validates them. A schema with an `id` comes out as
 * a `$ref` to its definition: the parameters are that definition's properties.
 */
function queryParameters(schema: z.ZodObject): object[] {
  const id = z.globalRegistry.get(schema)?.id;
  const output = z.toJSONSchema(schema, { io: 'input' });
  const described = (id ? output.$defs?.[id] : output) as z.core.JSONSchema.ObjectSchema;
  return Object.entries(described.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: described.required?.includes(name) ?? false,
    schema: property,
  }));
}

const invalidRequest = 'Invalid request: see `errors` for each field.';
const laterErrors: DocumentedError[] = [
  [['unauthenticated'], 'Missing or unknown API key.'],
  [['not_found'], "No such payment, refund or event: unknown, another merchant's, or of the other mode."],
  [['internal_error'], 'Internal error; the body carries the request id.'],
  [
    ['service_unavailable'],
    'A dependency is briefly unavailable; retry after `Retry-After` seconds (a POST with the same key).',
  ],
];
const commonErrors = errorResponses([[['validation_error'], invalidRequest], ...laterErrors]);
/** A merchant's POST's errors, with `conflict`: what its 409 means (besides a request still running). */
const postErrorsWith = (conflict: DocumentedError) =>
  errorResponses([
    [['validation_error', 'malformed_json', 'idempotency_key_missing'], invalidRequest],
    ...laterErrors,
    conflict,
    [
      ['live_mode_unavailable'],
      'A live-mode key, while this deployment has no live bank configured: use a test key.',
    ],
    [['payload_too_large'], `Body larger than ${MAX_REQUEST_BODY_BYTES} bytes.`],
    [['unsupported_media_type'], 'Body is not application/json.'],
    [
      ['idempotency_key_reused', 'refund_exceeds_available'],
      'Idempotency key reused with another body, or refund larger than what remains.',
    ],
  ]);
const postErrors = postErrorsWith([
  ['idempotency_in_progress', 'refund_not_allowed'],
  'A request with this idempotency key is still running, or the payment is not refundable.',
]);

/** Only a full-access key manages keys; a read-only key gets 403 there, and on every POST. */
const keyManagementErrors = errorResponses([
  [['permission_denied'], 'A read-only (rk_) key: key management needs a full-access (sk_) key.'],
]);

const operations: Record<string, object> = {
  'POST /v1/payments': {
    operationId: 'createPayment',
    summary: 'Create a payment (answers 202 at once; the bank is called in the background)',
    parameters: [idempotencyKey],
    requestBody: { required: true, content: json(ref('CreatePaymentRequest')) },
    responses: {
      '202': {
        description: 'Accepted: the payment is INITIATED. A replay carries `Idempotent-Replayed: true`.',
        headers: { Location: { schema: { type: 'string' } } },
        content: json(ref('Payment')),
      },
      ...postErrors,
    },
  },
  'GET /v1/payments': {
    operationId: 'listPayments',
    summary: "The merchant's payments, newest first",
    parameters: queryParameters(ListPaymentsQuery),
    responses: {
      '200': { description: 'A page of payments.', content: json(ref('PaymentList')) },
      ...commonErrors,
    },
  },
  'GET /v1/payments/{id}': {
    operationId: 'getPayment',
    summary: 'A payment with its status history',
    parameters: [idPath],
    responses: { '200': { description: 'The payment.', content: json(ref('Payment')) }, ...commonErrors },
  },
  'POST /v1/payments/{id}/refunds': {
    operationId: 'createRefund',
    summary: 'Refund a SUCCESS payment in full (no amount) or in part',
    parameters: [idPath, idempotencyKey],
    requestBody: { required: false, content: json(ref('CreateRefundRequest')) },
    responses: {
      '201': { description: 'The refund was recorded.', content: json(ref('Refund')) },
      ...postErrors,
    },
  },
  'GET /v1/payments/{id}/refunds': {
    operationId: 'listRefunds',
    summary: "A payment's refunds, newest first, each with where it stands at the bank",
    parameters: [idPath, ...queryParameters(ListRefundsQuery)],
    responses: {
      '200': { description: 'A page of refunds.', content: json(ref('RefundList')) },
      ...commonErrors,
    },
  },
  'GET /v1/refunds/{id}': {
    operationId: 'getRefund',
    summary: 'A refund: where it stands at the bank, with its payment',
    parameters: [idPath],
    responses: {
      '200': { description: 'The refund.', content: json(ref('Refund')) },
      ...commonErrors,
    },
  },
  'GET /v1/balance': {
    operationId: 'getBalance',
    summary: "The merchant's ledger balance per currency",
    responses: { '200': { description: 'The balance.', content: json(ref('Balance')) }, ...commonErrors },
  },
  'GET /v1/events': {
    operationId: 'listEvents',
    summary: "The merchant's events (or one payment's), newest first, each with its webhook delivery",
    parameters: queryParameters(ListEventsQuery),
    responses: {
      '200': {
        description: 'A page of events; empty for a payment of another merchant or mode.',
        content: json(ref('EventList')),
      },
      ...commonErrors,
    },
  },
  'GET /v1/events/{id}': {
    operationId: 'getEvent',
    summary: 'An event, by the id its webhook carried, with its delivery',
    description:
      'A webhook can be checked by fetching its event: the same body, from ASPay rather than from the request.',
    parameters: [idPath],
    responses: {
      '200': { description: 'The event.', content: json(ref('Event')) },
      ...commonErrors,
    },
  },
  'POST /v1/events/{id}/resend': {
    operationId: 'resendEvent',
    summary: 'Deliver an event once more to the webhook endpoint, with the same id and body',
    description:
      'The delivery is due at once and is retried with backoff, within a retry window that starts now, like a new one (given up and delivered events alike). Each request (each idempotency key) asks for one more delivery; while one is pending, it is sent at once rather than twice.',
    parameters: [idPath, idempotencyKey],
    requestBody: { required: false, content: json(ref('ResendEventRequest')) },
    responses: {
      '202': { description: 'The event, its delivery pending.', content: json(ref('Event')) },
      ...postErrorsWith([
        ['idempotency_in_progress', 'no_webhook_endpoint'],
        'A request with this idempotency key is still running, or the merchant has no webhook endpoint.',
      ]),
    },
  },
  'GET /v1/api_keys': {
    operationId: 'listApiKeys',
    summary: "The merchant's API keys of this key's mode, newest first (full-access keys only)",
    description:
      'Each key shows its first characters, never itself; `status` says whether it still authenticates.',
    parameters: queryParameters(ListApiKeysQuery),
    responses: {
      '200': { description: 'A page of API keys.', content: json(ref('ApiKeyList')) },
      ...commonErrors,
      ...keyManagementErrors,
    },
  },
  'POST /v1/api_keys': {
    operationId: 'createApiKey',
    summary: 'Create an API key of this mode: full-access (sk_) or read-only (rk_)',
    description:
      'The answer carries the key in `secret`, this once: only its hash is stored. A replay (same idempotency key) answers the key without it.',
    parameters: [idempotencyKey],
    requestBody: { required: false, content: json(ref('CreateApiKeyRequest')) },
    responses: {
      '201': { description: 'The new key, with its secret.', content: json(ref('IssuedApiKey')) },
      ...postErrors,
      ...keyManagementErrors,
    },
  },
  'POST /v1/api_keys/{id}/roll': {
    operationId: 'rollApiKey',
    summary: 'Replace a key with a new one of the same access; the old one works for `expiresInSeconds` more',
    description:
      'The old key stops authenticating at its expiry to the second. The new key is in `secret`, this once.',
    parameters: [idPath, idempotencyKey],
    requestBody: { required: false, content: json(ref('RollApiKeyRequest')) },
    responses: {
      '201': {
        description: 'The new key, with its secret, and the rolled key with its expiry.',
        content: json(ref('RolledApiKey')),
      },
      ...postErrors,
      ...keyManagementErrors,
    },
  },
  'POST /v1/api_keys/{id}/revoke': {
    operationId: 'revokeApiKey',
    summary: 'Revoke a key: refused within the authorizer cache time (60 s), at once if it was not in use',
    parameters: [idPath, idempotencyKey],
    requestBody: { required: false, content: json(ref('RevokeApiKeyRequest')) },
    responses: {
      '200': { description: 'The revoked key.', content: json(ref('ApiKey')) },
      ...postErrorsWith([
        ['idempotency_in_progress', 'last_full_access_key'],
        "A request with this idempotency key is still running, or this is the mode's last full-access key (roll it instead).",
      ]),
      ...keyManagementErrors,
    },
  },
  'POST /v1/webhooks/stripe/{mode}': {
    operationId: 'receiveStripeEvent',
    summary: "Stripe's events about ASPay's payments and refunds (the mode's Stripe webhook endpoint)",
    description:
      "Not for merchants: Stripe calls it. The Stripe-Signature header, made with the mode's endpoint secret over the raw body within 300 s, authenticates the event; each event applies once.",
    security: [],
    parameters: [
      { name: 'mode', in: 'path', required: true, schema: { enum: ['test', 'live'] } },
      { name: 'Stripe-Signature', in: 'header', required: true, schema: { type: 'string' } },
    ],
    requestBody: { required: true, content: json({ type: 'object' }) },
    responses: {
      '200': {
        description: 'Recorded (a repeated event changes nothing).',
        content: json({ type: 'object', properties: { received: { const: true } } }),
      },
      ...errorResponses([
        [
          ['processor_signature_invalid', 'processor_signature_expired', 'processor_livemode_mismatch'],
          'Not signed by Stripe for this endpoint, signed too long ago, or of the other mode: nothing was stored.',
        ],
        [['not_found'], 'The mode has no Stripe endpoint (its processor is not Stripe).'],
        [['payload_too_large'], `Body larger than ${MAX_PROCESSOR_EVENT_BYTES} bytes.`],
        [['internal_error'], 'Internal error; the body carries the request id.'],
        [['service_unavailable'], 'A dependency is briefly unavailable: Stripe delivers the event again.'],
      ]),
    },
  },
  'GET /openapi.json': {
    operationId: 'getOpenApi',
    summary: 'This document',
    security: [],
    responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
  },
};

/**
 * The OpenAPI 3.1 document, generated from the very zod schemas that validate requests. Its two checks throw a
 * plain Error on purpose: they find a bug in this file's tables (a route left undescribed, errors of two
 * statuses under one), at the openapi function's module load and in the unit tests that build the document,
 * never while a request waits, so no problem code applies.
 */
export function openApiDocument(): object {
  const components = z.registry<{ id: string }>();
  for (const schema of [
    CreatePaymentRequest,
    CreateRefundRequest,
    Payment,
    PaymentList,
    Refund,
    RefundList,
    Balance,
    Event,
    EventList,
    ResendEventRequest,
    CreateApiKeyRequest,
    RollApiKeyRequest,
    RevokeApiKeyRequest,
    ApiKey,
    IssuedApiKey,
    RolledApiKey,
    ApiKeyList,
    Problem,
  ]) {
    components.add(schema, { id: z.globalRegistry.get(schema)?.id as string });
  }
  const { schemas } = z.toJSONSchema(components, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  });
  for (const schema of Object.values(schemas)) delete schema.$schema;
  const paths: Record<string, Record<string, object>> = {};
  for (const route of API_ROUTES) {
    const operation = operations[`${route.method} ${route.path}`];
    if (!operation) throw new Error(`no OpenAPI description for ${route.method} ${route.path}`);
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ASPay API',
      version: '1.0.0',
      description:
        'Payments are accepted at once (202, INITIATED) and move INITIATED → PENDING → SUCCESS | FAILED in the background; a SUCCESS payment can be refunded: a refund is pending until the bank executes it, and the payment is REFUNDED once the bank has refunded the whole amount.',
    },
    servers: [{ url: '/' }],
    security: [{ merchantApiKey: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        merchantApiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'Merchant API key: sk_test_… / sk_live_… (full access), rk_test_… / rk_live_… (read-only: GET routes only)',
        },
      },
    },
  };
}
