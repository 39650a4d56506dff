import { BrokenCircuitError } from 'cockatiel';
import { AspayError, DomainError, UnreadableRecordError, UnsupportedEventError } from '../domain/errors';
import type { FailureClassification } from '../use-cases/consume-records';
import { UseCaseError } from '../use-cases/errors';

/**
 * Poison or transient: the one place that decides what a consumer does with a failed record. A poison
 * record fails the same way however often it is tried, so it is dead-lettered after a few attempts; a
 * transient failure is a dependency that is unavailable for now, so the record waits for it and is never
 * dead-lettered for it (docs/ledger-notifications-saga.md).
 *
 * An error no rule recognises is poison. Every dependency this code talks to fails with an error
 * recognised below, so an unknown error is almost always a bug that fails deterministically. Dead-lettered,
 * it parks only its own payment and is redriven once fixed; called transient, it would hold every payment
 * of its partition for the hours the event source mapping keeps retrying, then have the batch discarded
 * without the per-payment parking that keeps later events behind it.
 */

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

/**
 * Beyond an unreachable database (the rules the API's 503 uses, `isDatabaseUnavailable`), what a consumer
 * waits out: a database too busy for now, and a transaction that lost a race.
 */
const BUSY_SQLSTATE = [
  // Class 53: insufficient resources (too many connections, out of memory or disk for now).
  /^53/,
  // Serialization failure and deadlock: the transaction lost a race and succeeds when run again.
  /^40001$/,
  /^40P01$/,
];

/** A DNS lookup that failed for now (any peer: Kafka, the bank, a webhook, DynamoDB). */
const DNS_TRY_AGAIN = 'EAI_AGAIN';

/** A pooled client that was closed after its connection failed: the next one connects anew. */
const CLOSED_CLIENT_MESSAGE = /is not queryable$/;

/** AWS error names that mean "slow down": the request succeeds when sent again later. */
const AWS_THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'LimitExceededException',
]);

interface ErrorFields {
  code?: unknown;
  retriable?: unknown;
  $retryable?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function transientRule(error: Error): string | undefined {
  const fields = error as Error & ErrorFields;
  // The bank answered 5xx or timed out (TransientBankError's code), or the breaker is open while it recovers.
  if (
    (error instanceof AspayError && error.type === 'bank_unavailable') ||
    error instanceof BrokenCircuitError
  )
    return 'bank unavailable';
  // The same socket errors and pg connection failures make the API answer 503 (any peer: the errno does not
  // say which).
  if (isDatabaseUnavailable(error)) return 'dependency unreachable';
  if (fields.code === DNS_TRY_AGAIN) return 'DNS lookup failed for now';
  if (CLOSED_CLIENT_MESSAGE.test(error.message)) return 'database connection lost';
  if (
    typeof fields.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(fields.code) &&
    BUSY_SQLSTATE.some((rule) => rule.test(fields.code as string))
  )
    return `database busy: SQLSTATE ${fields.code}`;
  // kafkajs marks every error a retry can cure (connection, leader election, request timeout) as retriable.
  if (error.name.startsWith('KafkaJS') && fields.retriable === true) return 'Kafka unavailable';
  // AWS SDK v3 (SQS, DynamoDB): its own retry marker, throttling, or a server-side fault.
  if (fields.$retryable) return 'AWS retryable';
  if (AWS_THROTTLING_NAMES.has(error.name)) return 'AWS throttling';
  if (fields.$fault === 'server' || (fields.$metadata?.httpStatusCode ?? 0) >= 500) return 'AWS 5xx';
  return undefined;
}

function poisonRule(error: Error): string | undefined {
  if (error instanceof UnreadableRecordError) return 'unreadable';
  // Fails the event schema or has another major version: the reader will never accept it.
  if (error instanceof UnsupportedEventError) return 'invalid or unsupported';
  // A domain rule refused it (illegal transition, refund too large...): the same event is refused again.
  if (error instanceof DomainError || error instanceof UseCaseError) return 'domain rule';
  // Any other error of ASPay's (a misconfiguration, an unreadable secret) fails the same way until fixed.
  if (error instanceof AspayError) return error.type;
  return undefined;
}

/** The error and what caused it: wrappers (kafkajs retries, Powertools, AggregateError) hide the real reason. */
function* chain(error: unknown, depth = 0): Generator<Error> {
  if (!(error instanceof Error) || depth > 5) return;
  yield error;
  if (error instanceof AggregateError) for (const inner of error.errors) yield* chain(inner, depth + 1);
  yield* chain(error.cause, depth + 1);
}

export function classifyFailure(error: unknown): FailureClassification {
  const errors = [...chain(error)];
  for (const link of errors) {
    const rule = transientRule(link);
    if (rule) return { kind: 'transient', rule };
  }
  for (const link of errors) {
    const rule = poisonRule(link);
    if (rule) return { kind: 'poison', rule };
  }
  return { kind: 'poison', rule: 'unknown error' };
}
