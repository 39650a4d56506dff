import { AspayError } from '../domain/errors';

/** Errors of the HTTP contract itself (as opposed to business rules); each has a stable `type` code. */

export class MalformedJsonError extends AspayError {
  readonly type = 'malformed_json';
  constructor() {
    super('The request body is not valid JSON.');
  }
}

export class UnsupportedMediaTypeError extends AspayError {
  readonly type = 'unsupported_media_type';
  constructor() {
    super('Send the request body as application/json.');
  }
}

export class PayloadTooLargeError extends AspayError {
  readonly type = 'payload_too_large';
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
  }
}

export class MethodNotAllowedError extends AspayError {
  readonly type = 'method_not_allowed';
  constructor(readonly allowed: readonly string[]) {
    super(`This resource answers ${allowed.join(', ')} only.`);
  }
}

export class UnauthenticatedError extends AspayError {
  readonly type = 'unauthenticated';
  constructor() {
    super('Send a valid merchant API key as "Authorization: Bearer <key>".');
  }
}

export class IdempotencyKeyMissingError extends AspayError {
  readonly type = 'idempotency_key_missing';
  constructor() {
    super('Every POST needs an X-Idempotency-Key header (1-255 printable characters).');
  }
}

export class IdempotencyInProgressError extends AspayError {
  readonly type = 'idempotency_in_progress';
  constructor() {
    super('A request with this idempotency key is still being processed; retry it shortly.');
  }
}
