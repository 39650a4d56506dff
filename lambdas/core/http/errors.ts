import { UNAUTHENTICATED_DETAIL } from '../config/problems';
import { AspayError } from '../domain/errors';
import { retryDecision } from '../use-cases/retry-decision';

/** Errors of the HTTP contract itself (as opposed to business rules); each has a stable `type` code. */
export abstract class HttpError extends AspayError {}

export class MalformedJsonError extends HttpError {
  override readonly name = 'MalformedJsonError';
  readonly type = 'malformed_json';
  constructor() {
    super('The request body is not valid JSON.');
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly type = 'unsupported_media_type';
  constructor() {
    super('Send the request body as application/json.');
  }
}

export class PayloadTooLargeError extends HttpError {
  override readonly name = 'PayloadTooLargeError';
  readonly type = 'payload_too_large';
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
  }
}

export class MethodNotAllowedError extends HttpError {
  override readonly name = 'MethodNotAllowedError';
  readonly type = 'method_not_allowed';
  constructor(readonly allowed: readonly string[]) {
    super(`This resource answers ${allowed.join(', ')} only.`);
  }
}

export class UnauthenticatedError extends HttpError {
  override readonly name = 'UnauthenticatedError';
  readonly type = 'unauthenticated';
  constructor() {
    super(UNAUTHENTICATED_DETAIL);
  }
}

/**
 * A restricted (read-only) key on a route that changes something, or on the key management routes. Stripe
 * answers a restricted key without the permission 403 too
 * (https://docs.stripe.com/changelog/2016-10-19/insufficient-permissions-throw-403-error).
 */
export class PermissionDeniedError extends HttpError {
  override readonly name = 'PermissionDeniedError';
  readonly type = 'permission_denied';
  constructor(detail: string) {
    super(detail);
  }
}

export class IdempotencyKeyMissingError extends HttpError {
  override readonly name = 'IdempotencyKeyMissingError';
  readonly type = 'idempotency_key_missing';
  constructor() {
    super('Every POST needs an X-Idempotency-Key header (1-255 printable characters).');
  }
}

export class IdempotencyInProgressError extends HttpError {
  override readonly name = 'IdempotencyInProgressError';
  readonly type = 'idempotency_in_progress';
  constructor() {
    super('A request with this idempotency key is still being processed; retry it shortly.');
  }
}

/**
 * A live-mode key on a deployment without a live bank (cdk.json `bankApiUrl` empty): nothing live can settle,
 * so nothing live is accepted. Test keys work as usual.
 */
export class LiveModeUnavailableError extends HttpError {
  override readonly name = 'LiveModeUnavailableError';
  readonly type = 'live_mode_unavailable';
  constructor() {
    super(
      'This deployment has no live bank configured, so live-mode payments and refunds are refused; use a test key, or set the live bank (bankApiUrl) and deploy again.',
    );
  }
}

export class RouteNotFoundError extends HttpError {
  override readonly name = 'RouteNotFoundError';
  readonly type = 'not_found';
  constructor() {
    super('No such route. The API is described at /openapi.json.');
  }
}

/**
 * A dependency did not answer (the database is restarting, failing over, or unreachable): the request was not
 * carried out and the same request can succeed later, so callers answer 503 and retry, never 500.
 */
export class DependencyUnavailableError extends HttpError {
  override readonly name = 'DependencyUnavailableError';
  readonly type = 'service_unavailable';

  constructor(
    readonly dependency: string,
    options: { cause: unknown },
  ) {
    super(
      'The service is temporarily unavailable; retry shortly (a POST with the same idempotency key).',
      options,
    );
  }
}

/** The typed error for an unreachable database (the API's retry decision); any other error unchanged. */
export function asDependencyUnavailable(error: unknown): unknown {
  return retryDecision(error, 'api').retry
    ? new DependencyUnavailableError('database', { cause: error })
    : error;
}
