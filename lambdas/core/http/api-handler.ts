import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { MAX_REQUEST_BODY_BYTES } from '../config/routes';
import { RateLimitedError } from '../domain/errors';
import { isMode } from '../domain/mode';
import { logger, withObservability } from '../observability';
import type { MerchantScope } from '../use-cases/ports/merchants';
import { admitMerchantRequest, type MerchantRateLimit } from '../use-cases/rate-limit';
import {
  asDependencyUnavailable,
  MalformedJsonError,
  PayloadTooLargeError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
} from './errors';
import { problemResponse } from './problem-response';

/** What an API handler sees of an API Gateway proxy event, already checked and parsed. */
export interface ApiRequest {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The parsed JSON body; `{}` when the request has none. */
  readonly body: unknown;
  readonly context: Context;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

function lowerCaseHeaders(headers: APIGatewayProxyEvent['headers']): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

/**
 * The body's bytes as the client sent them. A REST API's Lambda proxy integration passes a text body as is and
 * base64-encodes one whose type is among the API's binary media types, saying so in `isBase64Encoded`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html); larger
 * than `limitBytes`, it is refused.
 */
export function rawBodyOf(event: APIGatewayProxyEvent, limitBytes: number): Buffer {
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64')
    : Buffer.from(event.body ?? '', 'utf8');
  if (raw.byteLength > limitBytes) throw new PayloadTooLargeError(limitBytes);
  return raw;
}

function parseBody(event: APIGatewayProxyEvent, headers: Record<string, string | undefined>): unknown {
  if (event.body === null || event.body === '') return {};
  const raw = rawBodyOf(event, MAX_REQUEST_BODY_BYTES);
  const mediaType = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new MalformedJsonError();
  }
}

/**
 * The merchant the Lambda authorizer authenticated and its key's mode (the authorizer's context travels in the
 * proxy event). A context without a mode is refused, never taken for either mode.
 */
export function authenticatedMerchant(event: APIGatewayProxyEvent): MerchantScope {
  const { merchantId, mode } = event.requestContext.authorizer ?? {};
  if (typeof merchantId !== 'string' || merchantId === '' || !isMode(mode)) throw new UnauthenticatedError();
  return { merchantId, mode };
}

/**
 * What the request's key may do, from the authorizer's context: a key past its expiry is refused 401 even while
 * API Gateway still holds a cached Allow for it, so a rolled key stops at its expiry to the second; a
 * read-only key (`rk_`) may only read. The route's own check (`requireFullAccess`) refuses it more.
 */
function checkKeyAccess(event: APIGatewayProxyEvent, now: Date): void {
  const { keyExpiresAt, access } = event.requestContext.authorizer ?? {};
  if (typeof keyExpiresAt === 'string' && !(Date.parse(keyExpiresAt) > now.getTime()))
    throw new UnauthenticatedError();
  if (access === 'read' && event.httpMethod !== 'GET')
    throw new PermissionDeniedError(
      'This API key may only read: use a full-access key (sk_…) to change anything.',
    );
}

/** Refuses a read-only key on a route that only full-access keys may use, whatever its method. */
export function requireFullAccess(event: APIGatewayProxyEvent, what: string): void {
  if (event.requestContext.authorizer?.access !== 'full')
    throw new PermissionDeniedError(`Only a full-access key (sk_…) may ${what}.`);
}

/**
 * A merchant over its request rate is refused 429 before anything else runs. The limiter failing (DynamoDB
 * away) admits the request: the stage throttle still bounds the API, and payments matter more than the limit.
 */
async function admitMerchant(rateLimit: MerchantRateLimit | undefined, merchantId: unknown): Promise<void> {
  if (!rateLimit || typeof merchantId !== 'string' || merchantId === '') return;
  try {
    await admitMerchantRequest(rateLimit.limiter, merchantId, rateLimit.rate);
  } catch (error) {
    if (error instanceof RateLimitedError) throw error;
    logger.warn('the request rate limiter is unavailable; admitting the request', { error: String(error) });
  }
}

export interface ApiHandlerOptions {
  /** False for a route that never reads a body (a request to nowhere is answered before its body is parsed). */
  readonly readsBody?: boolean;
  /**
   * The merchant's request rate, for the routes behind the merchant authorizer (`merchantRateLimit()`, wired
   * by the entry file): each merchant's requests draw on its shared request rate (domain/rate-limit.ts), in small takes
   * held per instance (use-cases/rate-limit.ts).
   */
  readonly rateLimit?: MerchantRateLimit;
}

/**
 * Wraps an API use-case adapter as a Lambda handler: Powertools logging, metrics and tracing, the merchant's
 * request rate (with a `rateLimit`), request parsing (size, media type, JSON) and the single error mapper, so
 * handlers only map input to output. An unreachable database answers 503 with Retry-After: the request did
 * nothing, and the same request works later.
 */
export function apiHandler(
  handle: (request: ApiRequest, event: APIGatewayProxyEvent) => Promise<ApiResponse>,
  { readsBody = true, rateLimit }: ApiHandlerOptions = {},
) {
  const run = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const requestId = event.requestContext.requestId;
    const { merchantId, mode } = event.requestContext.authorizer ?? {};
    logger.appendKeys({ requestId, merchantId, mode });
    try {
      checkKeyAccess(event, new Date());
      await admitMerchant(rateLimit, merchantId);
      const headers = lowerCaseHeaders(event.headers);
      const request: ApiRequest = {
        requestId,
        method: event.httpMethod,
        path: event.path,
        pathParameters: event.pathParameters ?? {},
        query: event.queryStringParameters ?? {},
        headers,
        body: readsBody && event.httpMethod === 'POST' ? parseBody(event, headers) : {},
        context,
      };
      const response = await handle(request, event);
      return {
        statusCode: response.statusCode,
        headers: { 'content-type': 'application/json', 'request-id': requestId, ...response.headers },
        body: response.body === undefined ? '' : JSON.stringify(response.body),
      };
    } catch (error) {
      const result = problemResponse(asDependencyUnavailable(error), requestId);
      if (result.statusCode === 503) logger.warn('a dependency is unavailable', { error: String(error) });
      else if (result.statusCode >= 500) logger.error('request failed', error as Error);
      else logger.info('request rejected', { status: result.statusCode, error: (error as Error).message });
      return result;
    }
  };
  return withObservability(run);
}
