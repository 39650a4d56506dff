import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  INTERNAL_ERROR_DETAIL,
  isAnsweredProblemCode,
  PROBLEM_CONTENT_TYPE,
  type ProblemDocument,
  problemDocument,
  problemHeaders,
} from '../config/problems';
import { AspayError, RateLimitedError, ValidationError } from '../domain/errors';
import { MethodNotAllowedError } from './errors';

/**
 * The one error mapper of every API handler: RFC 9457 problem details with a stable code. Only the messages
 * of ASPay's own typed errors whose code a client may receive reach the client; anything else is a generic
 * 500 carrying the request id.
 */
export function problemResponse(error: unknown, requestId: string): APIGatewayProxyResult {
  const problem: ProblemDocument = {
    ...(error instanceof AspayError && isAnsweredProblemCode(error.type)
      ? problemDocument(error.type, error.message)
      : problemDocument('internal_error', INTERNAL_ERROR_DETAIL)),
    requestId,
    ...(error instanceof ValidationError ? { errors: error.fieldErrors } : {}),
  };
  const { 'Retry-After': retryAfter } = problemHeaders(problem.code);
  const headers: Record<string, string> = { 'content-type': PROBLEM_CONTENT_TYPE, 'request-id': requestId };
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds);
  else if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  return { statusCode: problem.status, headers, body: JSON.stringify(problem) };
}
