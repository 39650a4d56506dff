import { BrokenCircuitError } from 'cockatiel';
import { AspayError, DomainError, UnreadableRecordError, UnsupportedEventError } from '../domain/errors';
import type { FailureClassification } from './consume-records';
import { UseCaseError } from './errors';

/**
 * Whether a failure is worth trying again: the one decision every caller that retries consults, as an
 * ordered list of rules (the first that matches wins), like stripe-node's `_shouldRetry`. Pure, so the use
 * cases and the adapters both read it. Each caller asks for itself, and reads the answer its own way:
 */
export type RetryAsker =
  /** A consumer's record: retried = transient (it waits for its dependency and is never dead-lettered for
   * it); not = poison (dead-lettered after a few attempts: the same record fails the same way). */
  | 'consumer'
  /** The outbox relay's pass: retried after a backoff; not = the invocation ends (a bug, not an outage). */
  | 'relay'
  /** One bank call: retried with backoff inside the circuit breaker, which counts it (circuit-breaker.ts). */
  | 'bank'
  /** An API request: retried = answered 503, "retry shortly" (http/errors.ts). */
  | 'api'
  /** A webhook POST that was not answered 2xx: retried within the invocation, then by the sweep. */
  | 'webhook'
  /** The write of an outcome already decided (retry-until.ts): retried while its deadline leaves time. */
  | 'recording';

export interface RetryDecision {
  readonly retry: boolean;
  /** Which rule decided, for logs. */
  readonly rule: string;
}

interface RetryRule {
  readonly askers: readonly RetryAsker[];
  readonly retry: boolean;
  /** The rule's name when it matches `error`. */
  readonly matches: (error: Error) => string | undefined;
}

/** How an asker reads a failure: the thrown error alone, or also the errors behind it; and its answer when no rule matches. */
interface AskerReading {
  readonly readsCauses: boolean;
  readonly otherwise: RetryDecision;
}

const ASKERS: Readonly<Record<RetryAsker, AskerReading>> = {
  // An error no rule recognises is poison. Every dependency this code talks to fails with an error
  // recognised below, so an unknown error is almost always a bug that fails deterministically.
  // Dead-lettered, it parks only its own payment and is redriven once fixed; called transient, it would hold
  // every payment of its partition for the hours the event source mapping keeps retrying, then have the batch
  // discarded without the per-payment parking that keeps later events behind it.
  consumer: { readsCauses: true, otherwise: { retry: false, rule: 'unknown error' } },
  // A relay that stops early leaves events waiting for the next schedule tick, and a failure that persists
  // still shows (as growing or missing lag): anything but a bug is retried.
  relay: { readsCauses: false, otherwise: { retry: true, rule: 'not a programming error' } },
  // Only the bank's own transient failure: an abandoned call (its signal aborted) is no failure of the bank,
  // neither retried nor counted by the breaker.
  bank: { readsCauses: false, otherwise: { retry: false, rule: 'not the bank unavailable' } },
  api: { readsCauses: false, otherwise: { retry: false, rule: 'not an unreachable database' } },
  // Every failed POST is tried again until the delivery's give-up age (config/webhooks.ts), whatever the
  // endpoint answered: a merchant's endpoint that fails may be fixed meanwhile.
  webhook: { readsCauses: false, otherwise: { retry: true, rule: 'endpoint failed' } },
  // Giving up at once would lose an outcome only this caller knows, and the use case cannot tell an outage
  // from a bug: a bug fails at the deadline all the same.
  recording: { readsCauses: false, otherwise: { retry: true, rule: 'an outcome only this caller knows' } },
};

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
 * Beyond an unreachable database (the rule the API's 503 uses, `isDatabaseUnavailable`), what a consumer
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

const fieldsOf = (error: Error) => error as Error & ErrorFields;
const when = (matches: boolean, rule: string) => (matches ? rule : undefined);

/** The rules, in order: those that retry first, then those that do not. */
const RETRY_RULES: readonly RetryRule[] = [
  // The bank answered 5xx or timed out (TransientBankError's code), or the breaker is open while it recovers.
  {
    askers: ['consumer', 'bank'],
    retry: true,
    matches: (error) =>
      when(
        (error instanceof AspayError && error.type === 'bank_unavailable') ||
          error instanceof BrokenCircuitError,
        'bank unavailable',
      ),
  },
  // The mail service cannot take a receipt for now (MailUnavailableError's code): the receipt waits for it.
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) =>
      when(error instanceof AspayError && error.type === 'mail_unavailable', 'mail service unavailable'),
  },
  // Another sender holds a receipt for now: its claim passes within the lease (ReceiptHeldError's code).
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) =>
      when(error instanceof AspayError && error.type === 'receipt_held', 'receipt held by another sender'),
  },
  // The same socket errors and pg connection failures make the API answer 503 (any peer: the errno does not
  // say which).
  {
    askers: ['consumer', 'api'],
    retry: true,
    matches: (error) => when(isDatabaseUnavailable(error), 'dependency unreachable'),
  },
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) => when(fieldsOf(error).code === DNS_TRY_AGAIN, 'DNS lookup failed for now'),
  },
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) => when(CLOSED_CLIENT_MESSAGE.test(error.message), 'database connection lost'),
  },
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) => {
      const { code } = fieldsOf(error);
      return typeof code === 'string' &&
        /^[0-9A-Z]{5}$/.test(code) &&
        BUSY_SQLSTATE.some((rule) => rule.test(code))
        ? `database busy: SQLSTATE ${code}`
        : undefined;
    },
  },
  // kafkajs marks every error a retry can cure (connection, leader election, request timeout) as retriable.
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) =>
      when(error.name.startsWith('KafkaJS') && fieldsOf(error).retriable === true, 'Kafka unavailable'),
  },
  // AWS SDK v3 (SQS, DynamoDB): its own retry marker, throttling, or a server-side fault.
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) => when(!!fieldsOf(error).$retryable, 'AWS retryable'),
  },
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) => when(AWS_THROTTLING_NAMES.has(error.name), 'AWS throttling'),
  },
  {
    askers: ['consumer'],
    retry: true,
    matches: (error) => {
      const fields = fieldsOf(error);
      return when(fields.$fault === 'server' || (fields.$metadata?.httpStatusCode ?? 0) >= 500, 'AWS 5xx');
    },
  },
  // The code is wrong rather than a dependency briefly away: the relay's invocation ends and shows up as a
  // function error.
  {
    askers: ['relay'],
    retry: false,
    matches: (error) =>
      when(
        error instanceof TypeError ||
          error instanceof ReferenceError ||
          error instanceof SyntaxError ||
          error instanceof RangeError,
        'programming error',
      ),
  },
  {
    askers: ['consumer'],
    retry: false,
    matches: (error) => when(error instanceof UnreadableRecordError, 'unreadable'),
  },
  // Fails the event schema or has another major version: the reader will never accept it.
  {
    askers: ['consumer'],
    retry: false,
    matches: (error) => when(error instanceof UnsupportedEventError, 'invalid or unsupported'),
  },
  // A domain rule refused it (illegal transition, refund too large...): the same event is refused again.
  {
    askers: ['consumer'],
    retry: false,
    matches: (error) => when(error instanceof DomainError || error instanceof UseCaseError, 'domain rule'),
  },
  // Any other error of ASPay's (a misconfiguration, an unreadable secret) fails the same way until fixed.
  {
    askers: ['consumer'],
    retry: false,
    matches: (error) => (error instanceof AspayError ? error.type : undefined),
  },
];

/** The error and what caused it: wrappers (kafkajs retries, Powertools, AggregateError) hide the real reason. */
function* chain(error: unknown, depth = 0): Generator<Error> {
  if (!(error instanceof Error) || depth > 5) return;
  yield error;
  if (error instanceof AggregateError) for (const inner of error.errors) yield* chain(inner, depth + 1);
  yield* chain(error.cause, depth + 1);
}

/**
 * Whether `asker` should try again after `failure` (an error, or for a webhook the endpoint's answer). A
 * rule that retries, found on the error or anywhere behind it, wins over one that does not: a wrapper (a
 * batch given up, kafkajs' retries) must not hide a dependency that is away. Within that, the outermost error
 * is read first, against the rules in order.
 */
export function retryDecision(failure: unknown, asker: RetryAsker): RetryDecision {
  const { readsCauses, otherwise } = ASKERS[asker];
  const errors = readsCauses ? [...chain(failure)] : failure instanceof Error ? [failure] : [];
  const rules = RETRY_RULES.filter((rule) => rule.askers.includes(asker));
  for (const retry of [true, false])
    for (const error of errors)
      for (const candidate of rules) {
        const rule = candidate.retry === retry ? candidate.matches(error) : undefined;
        if (rule) return { retry, rule };
      }
  return otherwise;
}

/** Poison or transient: the consumer's reading of the retry decision, what it does with a failed record. */
export function classifyFailure(error: unknown): FailureClassification {
  const { retry, rule } = retryDecision(error, 'consumer');
  return { kind: retry ? 'transient' : 'poison', rule };
}
