/**
 * Every retry ASPay makes, decided in this one module: one pure schedule (the wait before retry n) and the
 * named policies built on it, each with the reason for its numbers. The settings modules take their defaults
 * from here (each value stays overridable by the environment variable named there); the consumers, the
 * notifier, the outbox relay and the bank connector compute their waits with `backoffMs`.
 */

/** Doubling waits: the wait before retry n (1-based) is baseMs × 2^(n-1), capped at maxMs when there is one. */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs?: number;
}

/** A named policy: its backoff, and when it stops (a number of attempts, an age, or time left in the invocation). */
export interface RetryPolicy extends Backoff {
  readonly attempts?: number;
  readonly giveUpAfterAttempts?: number;
  readonly giveUpAfterMs?: number;
  readonly stopBeforeTimeoutMs?: number;
}

/** Waiting out an unavailable dependency: capped doubling waits while the invocation has time left. */
export type TransientRetry = Required<Pick<RetryPolicy, 'baseMs' | 'maxMs' | 'stopBeforeTimeoutMs'>>;

/** The wait before retry `retry` (1-based; 0 or less reads as the first). */
export function backoffMs(backoff: Backoff, retry: number): number {
  return Math.min(backoff.maxMs ?? Number.POSITIVE_INFINITY, backoff.baseMs * 2 ** Math.max(0, retry - 1));
}

/** The waits between `attempts` attempts, added up. */
export function totalBackoffMs(backoff: Backoff, attempts: number): number {
  let total = 0;
  for (let retry = 1; retry < attempts; retry++) total += backoffMs(backoff, retry);
  return total;
}

/**
 * A record a consumer fails on the same way every time (a bug, a malformed event): tried 3 times, 2 s then
 * 4 s apart (the seed's rule), then dead-lettered. Three tries absorb a one-off failure the classifier took
 * for poison; 6 s of waiting holds up one payment's partition only briefly before its records flow again.
 */
export const POISON_RECORD_RETRY = { attempts: 3, baseMs: 2_000 } as const satisfies RetryPolicy;

/**
 * A dependency that is away (database, DynamoDB, SQS): waited for, not dead-lettered, since the record is
 * fine and will succeed once it is back. Waits double from 0.5 s to a 5 s cap, so processing resumes within
 * seconds of the return at the cost of one cheap connection attempt per record every 5 s; the wait goes on
 * until the invocation has 10 s left, then the batch fails whole and the event source mapping delivers it
 * again (config/messaging.ts: `toleratedOutageSeconds`).
 */
export const UNAVAILABLE_DEPENDENCY_RETRY = {
  baseMs: 500,
  maxMs: 5_000,
  stopBeforeTimeoutMs: 10_000,
} as const satisfies RetryPolicy;

/**
 * Recording what is already decided while the database is away: a bank's answer, a webhook attempt (before it
 * is sent) or its outcome. The same doubling 0.5 s to 5 s as any unavailable dependency, for as long as the
 * holder's invocation works on it. Giving up sooner would lose an outcome only this holder knows: a charge
 * would wait for a takeover and a repeated call, a delivered notice would be sent again.
 */
export const RECORDING_RETRY = { baseMs: 500, maxMs: 5_000 } as const satisfies RetryPolicy;

/**
 * Webhooks within the notifier's invocation: 3 POSTs, 1 s then 2 s apart. A merchant's endpoint that blips
 * (a deploy, a 502) usually answers within seconds, so most notices arrive at once; a longer outage is left
 * to the scheduled retries below rather than holding the consumer.
 */
export const WEBHOOK_IN_INVOCATION_RETRY = { attempts: 3, baseMs: 1_000 } as const satisfies RetryPolicy;

/**
 * Webhooks the retry sweep resends: 1 min doubling to 1 h, given up after 3 days (a payment gateway's usual
 * promise; Stripe retries for up to 3 days with exponential backoff). Doubling spares an endpoint that is
 * down, the 1 h cap means a merchant back after a long outage gets its notices within the hour, and 3 days
 * cover a weekend.
 */
export const WEBHOOK_SCHEDULED_RETRY = {
  baseMs: 60_000,
  maxMs: 60 * 60_000,
  giveUpAfterMs: 3 * 24 * 60 * 60_000,
} as const satisfies RetryPolicy;

/**
 * One bank call (charge, refund, lookup): 3 tries for a transient failure (timeout, 5xx, 408/425/429,
 * connection error), waits from 0.5 s doubling to a 30 s cap, with decorrelated jitter (cockatiel's
 * ExponentialBackoff) so that many payments retrying at once do not hit a recovering bank in step. The
 * bank takes idempotency keys, so a retry never charges twice; more tries would only hold the consumer
 * while the bank is down, which the pending retry below handles without holding anything.
 */
export const BANK_CALL_RETRY = { attempts: 3, baseMs: 500, maxMs: 30_000 } as const satisfies RetryPolicy;

/**
 * The bank's circuit breaker: 5 whole calls failing in a row (after their retries) open it for 30 s, then
 * one trial call. While the bank is down, payments wait PENDING at once instead of each spending its
 * timeouts and retries on it; 5 in a row is no single slow charge, and 30 s is how soon a recovered bank is
 * used again.
 */
export const BANK_BREAKER = { failureThreshold: 5, halfOpenAfterMs: 30_000 } as const;

/**
 * Payments and refunds left waiting on the bank, retried by the one-minute sweep: 1 min doubling to 15 min;
 * after 10 attempts (about 1.5 h of waits) a payment is reconciled with the bank, a refund given up as FAILED.
 * The bank's outage is not ours to fix; the cap keeps a payment from waiting much longer than the bank's
 * return, and the limit keeps the customer from waiting forever.
 */
export const BANK_PENDING_RETRY = {
  baseMs: 60_000,
  maxMs: 15 * 60_000,
  giveUpAfterAttempts: 10,
} as const satisfies RetryPolicy;

/**
 * A failed outbox relay pass (database or broker away): 0.2 s doubling to 5 s. The relay runs every minute
 * for the whole minute, so short waits keep the lag low once the dependency is back.
 */
export const OUTBOX_RELAY_RETRY = { baseMs: 200, maxMs: 5_000 } as const satisfies RetryPolicy;
