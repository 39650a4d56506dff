import { DomainError } from './errors';

/** A sustained rate with a burst allowance, as API Gateway's throttling settings express it. */
export interface RequestRate {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * The generic cell rate algorithm (a token bucket kept as one timestamp, the theoretical arrival time `tat`):
 * a request at `now` is admitted while `max(tat, now)` is at most `latestTat`, and moves `tat` on by one
 * `intervalMs`. At rest the bucket holds `burst` requests and refills at `perSecond`.
 */
export function cellRate(rate: RequestRate, nowMs: number): { intervalMs: number; latestTatMs: number } {
  const intervalMs = 1000 / rate.perSecond;
  return { intervalMs, latestTatMs: nowMs + (rate.burst - 1) * intervalMs };
}

/** Whole seconds until a request would be admitted again, at least 1 (Retry-After has second precision). */
export function retryAfterSeconds(tatMs: number, rate: RequestRate, nowMs: number): number {
  return Math.max(1, Math.ceil((tatMs - cellRate(rate, nowMs).latestTatMs) / 1000));
}

export class RateLimitedError extends DomainError {
  override readonly name = 'RateLimitedError';
  readonly type = 'rate_limited';
  constructor(readonly retryAfterSeconds: number) {
    super(
      `Too many requests for this merchant. Retry in ${retryAfterSeconds} s; a POST with the same idempotency key.`,
    );
  }
}
