import { RateLimitedError, type RequestRate } from '../domain/rate-limit';
import type { RequestRateLimiter } from './ports/merchants';

/** Lets a merchant's request through while the merchant is within its rate; throws RateLimitedError otherwise. */
export async function admitMerchantRequest(
  limiter: RequestRateLimiter,
  merchantId: string,
  rate: RequestRate,
  nowMs: number = Date.now(),
): Promise<void> {
  const outcome = await limiter.take(merchantId, rate, nowMs);
  if (!outcome.admitted) throw new RateLimitedError(outcome.retryAfterSeconds);
}
