/**
 * RFC 9457 problem details: the error shape of every ASPay response, built by the handlers' error mapper
 * and, for the answers API Gateway gives before any Lambda runs (bad credentials, throttling, oversized
 * bodies), by the API's gateway responses, which the CDK stack and the local gateway both read from here.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A URN needs no web host, yet is a stable absolute URI as RFC 9457 asks of `type`. */
export function problemTypeUri(code: string): string {
  return `urn:aspay:problem:${code}`;
}

/**
 * `Retry-After` (seconds) of a 503 while a dependency is unavailable: about a database restart or failover,
 * and more than the pool's connection timeout, so a retry does not land in the same outage at once.
 */
export const DEPENDENCY_UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

export interface ProblemDocument {
  type: string;
  code: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  errors?: { field: string; code: string; message: string }[];
}

export type GatewayResponseKind =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'THROTTLED'
  | 'REQUEST_TOO_LARGE'
  | 'WAF_FILTERED'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'DEFAULT_5XX';

/**
 * The authorizer could not answer (its database is away): API Gateway's AUTHORIZER_CONFIGURATION_ERROR (a
 * Lambda authorizer that fails) and AUTHORIZER_FAILURE, 500 by default
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html),
 * answer like the handlers do while a dependency is unavailable: 503, retry later.
 */
const AUTHORIZER_UNAVAILABLE: Omit<ProblemDocument, 'requestId'> = {
  type: problemTypeUri('service_unavailable'),
  code: 'service_unavailable',
  title: 'Service unavailable',
  status: 503,
  detail: 'API keys cannot be checked right now. Retry the same request in a few seconds.',
};

/**
 * `Retry-After` (seconds) of the stage throttle's 429: API Gateway's token bucket refills at the stage's rate
 * per second (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html),
 * so a second later requests fit again.
 */
export const STAGE_THROTTLE_RETRY_AFTER_SECONDS = 1;

/** The headers of a gateway response: its content type, and `Retry-After` on a 429 or a 503. */
export function gatewayResponseHeaders(problem: Pick<ProblemDocument, 'status'>): Record<string, string> {
  const retryAfter =
    problem.status === 503
      ? DEPENDENCY_UNAVAILABLE_RETRY_AFTER_SECONDS
      : problem.status === 429
        ? STAGE_THROTTLE_RETRY_AFTER_SECONDS
        : undefined;
  return {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    ...(retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) }),
  };
}

/** The gateway's own answers; `requestId` is filled with the API request id. */
export const GATEWAY_PROBLEMS: Readonly<Record<GatewayResponseKind, Omit<ProblemDocument, 'requestId'>>> = {
  UNAUTHORIZED: {
    type: problemTypeUri('unauthenticated'),
    code: 'unauthenticated',
    title: 'Unauthenticated',
    status: 401,
    detail: 'Send a valid merchant API key as "Authorization: Bearer <key>".',
  },
  ACCESS_DENIED: {
    type: problemTypeUri('unauthenticated'),
    code: 'unauthenticated',
    title: 'Unauthenticated',
    status: 401,
    detail: 'Send a valid merchant API key as "Authorization: Bearer <key>".',
  },
  THROTTLED: {
    type: problemTypeUri('rate_limited'),
    code: 'rate_limited',
    title: 'Too many requests',
    status: 429,
    detail: 'Slow down and retry with the same idempotency key.',
  },
  REQUEST_TOO_LARGE: {
    type: problemTypeUri('payload_too_large'),
    code: 'payload_too_large',
    title: 'Payload too large',
    status: 413,
    detail: 'The request body is larger than the API accepts.',
  },
  /** A stage's web application firewall (`waf` in cdk.json) blocked the request; the local stack has none. */
  WAF_FILTERED: {
    type: problemTypeUri('request_blocked'),
    code: 'request_blocked',
    title: 'Request blocked',
    status: 403,
    detail: 'The request matched a web application firewall rule and was not processed.',
  },
  AUTHORIZER_CONFIGURATION_ERROR: AUTHORIZER_UNAVAILABLE,
  AUTHORIZER_FAILURE: AUTHORIZER_UNAVAILABLE,
  DEFAULT_5XX: {
    type: problemTypeUri('internal_error'),
    code: 'internal_error',
    title: 'Internal error',
    status: 500,
    detail:
      'Something went wrong on our side. Retry with the same idempotency key; quote the request id if it persists.',
  },
};
