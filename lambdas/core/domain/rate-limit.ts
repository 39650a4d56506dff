/**
 * Per-merchant request limits on the API. API Gateway usage plans would need one API Gateway API key per
 * merchant, and an account holds at most 10,000 of them per Region, a quota that cannot be increased
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
 * their throttling is also best-effort only
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html). So the stage
 * throttle (cdk.json `apiThrottle*`) bounds the whole API and the API handlers bound each merchant with a shared
 * budget in DynamoDB (adapters/dynamodb/rate-limit-store.ts).
 */
import { ENV } from '../config/environment';
import { integerSetting } from '../config/settings';

/** A sustained rate with a burst allowance, as API Gateway's throttling settings express it. */
export interface RequestRate {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * The generic cell rate algorithm (a token bucket kept as one timestamp, the theoretical arrival time `tat`):
 * a request at `now` is admitted while `max(tat, now)` is at most `latestTat`, and moves `tat` on by one
 * `intervalMs`. At rest the bucket holds `burst` requests and refills at `perSecond`. `count` requests taken
 * at once fit while `max(tat, now)` is at most their `latestTat` and move `tat` on by `count` intervals.
 */
export function cellRate(
  rate: RequestRate,
  nowMs: number,
  count = 1,
): { intervalMs: number; latestTatMs: number } {
  const intervalMs = 1000 / rate.perSecond;
  return { intervalMs, latestTatMs: nowMs + (rate.burst - count) * intervalMs };
}

/** Whole seconds until `count` requests would be admitted again, at least 1 (Retry-After has second precision). */
export function retryAfterSeconds(tatMs: number, rate: RequestRate, nowMs: number, count = 1): number {
  return Math.max(1, Math.ceil((tatMs - cellRate(rate, nowMs, count).latestTatMs) / 1000));
}

/** Without a stage setting (the local stack): generous, so that only a deliberate flood is refused. */
export const DEFAULT_MERCHANT_REQUEST_RATE = { perSecond: 100, burst: 300 } as const;

/** The per-merchant rate the CDK stack (from cdk.json) or the local stack sets in the environment. */
export function merchantRequestRate(env: NodeJS.ProcessEnv): RequestRate {
  return {
    perSecond: integerSetting(env, ENV.merchantRequestsPerSecond, DEFAULT_MERCHANT_REQUEST_RATE.perSecond, 1),
    burst: integerSetting(env, ENV.merchantRequestBurst, DEFAULT_MERCHANT_REQUEST_RATE.burst, 1),
  };
}
