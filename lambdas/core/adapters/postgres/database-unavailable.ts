import { AspayError } from '../../domain/errors';

/** An error of the database or of the way it is reached. */
export abstract class DatabaseError extends AspayError {}

/**
 * A dependency did not answer (the database is restarting, failing over, or unreachable): the request was not
 * carried out and the same request can succeed later, so callers answer 503 and retry, never 500.
 */
export class DependencyUnavailableError extends DatabaseError {
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

/** Socket errors of a connection that could not be opened or was cut. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * SQLSTATEs of a server that is going away or not accepting sessions: admin_shutdown, crash_shutdown,
 * cannot_connect_now (https://www.postgresql.org/docs/current/errcodes-appendix.html). Class 08
 * (connection exception) is matched by its prefix.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03']);

/**
 * node-postgres' own messages for the same conditions: pg-pool's connectionTimeoutMillis, and a session
 * whose socket closed under it (including a pooled client that had already seen its connection fail).
 */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /connection error and is not queryable/i,
];

/** Whether `error` says PostgreSQL could not be reached, rather than that a statement was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
      return true;
  }
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message))) return true;
  // Node.js reports a failed connection to a host with several addresses as one AggregateError.
  return error instanceof AggregateError && error.errors.some(isDatabaseUnavailable);
}

/** The typed error for an unreachable database; any other error unchanged. */
export function asDependencyUnavailable(error: unknown): unknown {
  return isDatabaseUnavailable(error) ? new DependencyUnavailableError('database', { cause: error }) : error;
}
