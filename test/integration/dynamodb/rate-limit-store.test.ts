import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamodbRateLimitStore } from '../../../lambdas/core/adapters/dynamodb/rate-limit-store';
import type { RateLimitStore } from '../../../lambdas/core/use-cases/ports/merchants';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { localEndpoints } from '../../support/local-stack';

const RATE = { perSecond: 10, burst: 5 };
// One instant for every request of the file unless a test moves it: the limiter takes the clock as an input.
// It is the real time because the items' TTL derives from it (DynamoDB Local deletes expired items).
const NOW = Date.now();

let limiter: RateLimitStore;

beforeAll(() => {
  Object.assign(process.env, handlerEnvironment(localEndpoints()));
  limiter = dynamodbRateLimitStore();
});

const merchant = () => `mer_rate_${randomUUID()}`;

describe('the DynamoDB request rate limiter', () => {
  it('admits exactly the burst of concurrent requests, then tells the next one how long to wait', async () => {
    const id = merchant();
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => limiter.take(id, RATE, NOW)));
    expect(outcomes.filter((outcome) => outcome.admitted)).toHaveLength(RATE.burst);
    // 5 admitted at 10/s: the budget is back for one request 100 ms later; Retry-After rounds up to 1 s.
    expect(await limiter.take(id, RATE, NOW)).toEqual({ admitted: false, retryAfterSeconds: 1 });
  });

  it('refills at the sustained rate', async () => {
    const id = merchant();
    for (let i = 0; i < RATE.burst; i += 1) expect((await limiter.take(id, RATE, NOW)).admitted).toBe(true);
    expect((await limiter.take(id, RATE, NOW)).admitted).toBe(false);
    // One interval (100 ms) later, exactly one more request fits.
    expect((await limiter.take(id, RATE, NOW + 100)).admitted).toBe(true);
    expect((await limiter.take(id, RATE, NOW + 100)).admitted).toBe(false);
    // After a pause the whole burst is available again.
    const later = NOW + 60_000;
    for (let i = 0; i < RATE.burst; i += 1) expect((await limiter.take(id, RATE, later)).admitted).toBe(true);
  });

  it('takes several requests at once only when all of them fit in the budget', async () => {
    const id = merchant();
    expect(await limiter.take(id, RATE, NOW, 3)).toEqual({ admitted: true });
    // Two of the burst of 5 are left: three more do not fit, and taking them spends nothing.
    expect((await limiter.take(id, RATE, NOW, 3)).admitted).toBe(false);
    expect(await limiter.take(id, RATE, NOW, 2)).toEqual({ admitted: true });
    expect((await limiter.take(id, RATE, NOW)).admitted).toBe(false);
  });

  it('keeps one budget per merchant', async () => {
    const busy = merchant();
    for (let i = 0; i <= RATE.burst; i += 1) await limiter.take(busy, RATE, NOW);
    expect((await limiter.take(busy, RATE, NOW)).admitted).toBe(false);
    expect((await limiter.take(merchant(), RATE, NOW)).admitted).toBe(true);
  });

  it('tells a merchant far over its budget the whole wait in seconds', async () => {
    const id = merchant();
    const slow = { perSecond: 1, burst: 2 };
    for (let i = 0; i < 2; i += 1) await limiter.take(id, slow, NOW);
    // tat is now NOW + 2 s and the latest admissible tat NOW + 1 s: the next request fits in 1 s.
    expect(await limiter.take(id, slow, NOW)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    expect(await limiter.take(id, slow, NOW + 1_000)).toEqual({ admitted: true });
    expect(await limiter.take(id, slow, NOW + 1_000)).toEqual({ admitted: false, retryAfterSeconds: 1 });
  });
});
