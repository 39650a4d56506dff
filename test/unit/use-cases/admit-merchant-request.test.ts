import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../../lambdas/core/domain/rate-limit';
import { admitMerchantRequest } from '../../../lambdas/core/use-cases/admit-merchant-request';
import type { RequestRateLimiter } from '../../../lambdas/core/use-cases/ports/merchants';

const RATE = { perSecond: 10, burst: 20 };

/** A limiter that admits the first `admitted` requests, then refuses with a 3-second wait; records the keys asked. */
function limiterAdmitting(admitted: number) {
  const keys: string[] = [];
  const limiter: RequestRateLimiter = {
    async take(key) {
      keys.push(key);
      return keys.length <= admitted ? { admitted: true } : { admitted: false, retryAfterSeconds: 3 };
    },
  };
  return { limiter, keys };
}

describe("admitting a merchant's request", () => {
  it("draws on the merchant's own budget and lets the request through while it lasts", async () => {
    const { limiter, keys } = limiterAdmitting(1);

    await expect(admitMerchantRequest(limiter, 'mer_a', RATE, 0)).resolves.toBeUndefined();
    expect(keys).toEqual(['mer_a']);
  });

  it('refuses the request past the budget, saying when to retry', async () => {
    const { limiter } = limiterAdmitting(0);

    const refused = await admitMerchantRequest(limiter, 'mer_a', RATE, 0).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ retryAfterSeconds: 3 });
  });
});
