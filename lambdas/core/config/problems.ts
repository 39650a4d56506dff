import type { ErrorCode } from '../domain/errors';

/**
 * RFC 9457 problem details: the error shape of every ASPay response, built by the handlers' error mapper
 * and, for the answers API Gateway gives before any Lambda runs (bad credentials, throttling, oversized
 * bodies), by the API's gateway responses, which the CDK stack and the local gateway both read from here.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A URN needs no web host, yet is a stable absolute URI as RFC 9457 asks of `type`. */
export function problemTypeUri(code: AnsweredProblemCode): string {
  return `urn:aspay:problem:${code}`;
}

/**
 * `Retry-After` (seconds) of a 503 while a dependency is unavailable: about a database restart or failover,
 * and more than the pool's connection timeout, so a retry does not land in the same outage at once.
 */
const DEPENDENCY_UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

/**
 * `Retry-After` (seconds) of the stage throttle's 429: API Gateway's token bucket refills at the stage's rate
 * per second (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html),
 * so a second later requests fit again.
 */
const STAGE_THROTTLE_RETRY_AFTER_SECONDS = 1;

/** What an answered problem type is: its HTTP status, its title, and the `Retry-After` it always carries. */
interface AnsweredProblemType {
  readonly status: number;
  readonly title: string;
  readonly retryAfterSeconds?: number;
}

/**
 * A code no client ever receives: raised where no HTTP request waits (event consumers, the merchant CLI). An
 * API handler that meets one answers `internal_error`, as it does any error it does not expect.
 */
const NOT_ANSWERED = null;

/** Codes no error class carries: answered by the API's gateway (a WAF block) or for an unexpected error. */
type AnswerOnlyCode = 'request_blocked' | 'internal_error';

/**
 * Every stable error code of ASPay (the domain's `ErrorCode`, which error classes declare their `type` from)
 * and what the API answers for it, in one table: the handlers' error mapper, the API's gateway responses, the
 * `Problem` schema and the OpenAPI error responses are derived from it. A code missing here, or one the
 * domain does not know, does not compile.
 */
export const PROBLEM_TYPES = {
  validation_error: { status: 400, title: 'Invalid request' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  processor_signature_invalid: { status: 400, title: 'Invalid processor event signature' },
  processor_signature_expired: { status: 400, title: 'Processor event signed too long ago' },
  processor_livemode_mismatch: { status: 400, title: 'Processor event of the other mode' },
  idempotency_key_missing: { status: 400, title: 'Idempotency key missing' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  request_blocked: { status: 403, title: 'Request blocked' },
  live_mode_unavailable: { status: 403, title: 'Live mode unavailable' },
  permission_denied: { status: 403, title: 'Permission denied' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  idempotency_in_progress: { status: 409, title: 'Request in progress' },
  illegal_transition: { status: 409, title: 'Illegal status transition' },
  refund_not_allowed: { status: 409, title: 'Refund not allowed' },
  no_webhook_endpoint: { status: 409, title: 'No webhook endpoint' },
  last_full_access_key: { status: 409, title: 'Last full-access key' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused' },
  refund_exceeds_available: { status: 422, title: 'Refund exceeds the refundable amount' },
  // The merchant limiter's 429 names its own wait; this one is the stage throttle's.
  rate_limited: {
    status: 429,
    title: 'Too many requests',
    retryAfterSeconds: STAGE_THROTTLE_RETRY_AFTER_SECONDS,
  },
  internal_error: { status: 500, title: 'Internal error' },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    retryAfterSeconds: DEPENDENCY_UNAVAILABLE_RETRY_AFTER_SECONDS,
  },
  unsupported_event: NOT_ANSWERED,
  waiting_for_earlier_event: NOT_ANSWERED,
  webhook_url_rejected: NOT_ANSWERED,
  unreadable_record: NOT_ANSWERED,
  bank_unavailable: NOT_ANSWERED,
  mail_unavailable: NOT_ANSWERED,
  receipt_held: NOT_ANSWERED,
  session_time_zone: NOT_ANSWERED,
  configuration_invalid: NOT_ANSWERED,
  secret_unreadable: NOT_ANSWERED,
  kms_answer_incomplete: NOT_ANSWERED,
  currency_mismatch: NOT_ANSWERED,
  stored_data_invalid: NOT_ANSWERED,
  dead_letter_not_stored: NOT_ANSWERED,
  dependency_still_unavailable: NOT_ANSWERED,
  parked_behind_dead_letter: NOT_ANSWERED,
} as const satisfies Record<ErrorCode | AnswerOnlyCode, AnsweredProblemType | typeof NOT_ANSWERED>;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

/** The codes a client can receive in a problem document. */
export type AnsweredProblemCode = {
  [Code in ProblemCode]: (typeof PROBLEM_TYPES)[Code] extends AnsweredProblemType ? Code : never;
}[ProblemCode];

export function isAnsweredProblemCode(code: ProblemCode): code is AnsweredProblemCode {
  return PROBLEM_TYPES[code] !== NOT_ANSWERED;
}

export const ANSWERED_PROBLEM_CODES = (Object.keys(PROBLEM_TYPES) as ProblemCode[]).filter(
  isAnsweredProblemCode,
);

export interface ProblemDocument {
  type: string;
  code: AnsweredProblemCode;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: { field: string; code: string; message: string }[];
}

/** The document of an answered `code`, without the request id. */
export function problemDocument(
  code: AnsweredProblemCode,
  detail: string,
): Omit<ProblemDocument, 'requestId'> {
  const { status, title } = PROBLEM_TYPES[code];
  return { type: problemTypeUri(code), code, title, status, detail };
}

/** The headers every problem answer of `code` carries: its content type, and `Retry-After` where the type has one. */
export function problemHeaders(code: AnsweredProblemCode): Record<string, string> {
  const type: AnsweredProblemType = PROBLEM_TYPES[code];
  return {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    ...(type.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(type.retryAfterSeconds) }),
  };
}

export const UNAUTHENTICATED_DETAIL = 'Send a valid merchant API key as "Authorization: Bearer <key>".';

/** What a client is told of an error ASPay did not expect: nothing about it, only what to do. */
export const INTERNAL_ERROR_DETAIL =
  'Something went wrong on our side. Retry with the same idempotency key; quote the request id if it persists.';

export type GatewayResponseKind =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'THROTTLED'
  | 'REQUEST_TOO_LARGE'
  | 'WAF_FILTERED'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'DEFAULT_5XX';

/** A key that is missing (UNAUTHORIZED) or that the authorizer denies (ACCESS_DENIED): the same answer. */
const UNAUTHENTICATED = problemDocument('unauthenticated', UNAUTHENTICATED_DETAIL);

/**
 * The authorizer could not answer (its database is away): API Gateway's AUTHORIZER_CONFIGURATION_ERROR (a
 * Lambda authorizer that fails) and AUTHORIZER_FAILURE, 500 by default
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html),
 * answer like the handlers do while a dependency is unavailable: 503, retry later.
 */
const AUTHORIZER_UNAVAILABLE = problemDocument(
  'service_unavailable',
  'API keys cannot be checked right now. Retry the same request in a few seconds.',
);

/** The gateway's own answers; `requestId` is filled with the API request id. */
export const GATEWAY_PROBLEMS: Readonly<Record<GatewayResponseKind, Omit<ProblemDocument, 'requestId'>>> = {
  UNAUTHORIZED: UNAUTHENTICATED,
  ACCESS_DENIED: UNAUTHENTICATED,
  THROTTLED: problemDocument('rate_limited', 'Slow down and retry with the same idempotency key.'),
  REQUEST_TOO_LARGE: problemDocument('payload_too_large', 'The request body is larger than the API accepts.'),
  /** A stage's web application firewall (`waf` in cdk.json) blocked the request; the local stack has none. */
  WAF_FILTERED: problemDocument(
    'request_blocked',
    'The request matched a web application firewall rule and was not processed.',
  ),
  AUTHORIZER_CONFIGURATION_ERROR: AUTHORIZER_UNAVAILABLE,
  AUTHORIZER_FAILURE: AUTHORIZER_UNAVAILABLE,
  DEFAULT_5XX: problemDocument('internal_error', INTERNAL_ERROR_DETAIL),
};
