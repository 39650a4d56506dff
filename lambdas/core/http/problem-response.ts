import type { APIGatewayProxyResult } from 'aws-lambda';
import { DependencyUnavailableError } from '../adapters/postgres/database-unavailable';
import {
  DEPENDENCY_UNAVAILABLE_RETRY_AFTER_SECONDS,
  PROBLEM_CONTENT_TYPE,
  type ProblemDocument,
  problemTypeUri,
} from '../config/problems';
import { AspayError, ValidationError } from '../domain/errors';
import { RateLimitedError } from '../domain/rate-limit';
import { MethodNotAllowedError } from './errors';

/** HTTP status and title of each error `type`; an error not listed here is a bug and answers 500. */
const PROBLEMS: Readonly<Record<string, { status: number; title: string }>> = {
  validation_error: { status: 400, title: 'Invalid request' },
  malformed_json: { status: 400, title: 'Malformed JSON' },
  idempotency_key_missing: { status: 400, title: 'Idempotency key missing' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  idempotency_in_progress: { status: 409, title: 'Request in progress' },
  illegal_transition: { status: 409, title: 'Illegal status transition' },
  refund_not_allowed: { status: 409, title: 'Refund not allowed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused' },
  refund_exceeds_available: { status: 422, title: 'Refund exceeds the refundable amount' },
  rate_limited: { status: 429, title: 'Too many requests' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
};

const INTERNAL = { status: 500, title: 'Internal error' };
const INTERNAL_DETAIL =
  'Something went wrong on our side. Retry with the same idempotency key; quote the request id if it persists.';

/**
 * The one error mapper of every API handler: RFC 9457 problem details with a stable code. Only the messages
 * of ASPay's own typed errors reach the client; anything else is a generic 500 carrying the request id.
 */
export function problemResponse(error: unknown, requestId: string): APIGatewayProxyResult {
  const known = error instanceof AspayError ? PROBLEMS[error.type] : undefined;
  const code = known && error instanceof AspayError ? error.type : 'internal_error';
  const { status, title } = known ?? INTERNAL;
  const problem: ProblemDocument = {
    type: problemTypeUri(code),
    code,
    title,
    status,
    detail: known ? (error as Error).message : INTERNAL_DETAIL,
    requestId,
    ...(error instanceof ValidationError ? { errors: error.fieldErrors } : {}),
  };
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'request-id': requestId };
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error instanceof DependencyUnavailableError)
    headers['retry-after'] = String(DEPENDENCY_UNAVAILABLE_RETRY_AFTER_SECONDS);
  return { statusCode: status, headers, body: JSON.stringify(problem) };
}
