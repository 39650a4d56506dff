import { describe, expect, it } from 'vitest';
import { cellRate, retryAfterSeconds } from '../../../lambdas/core/domain/rate-limit';

describe('the cell rate of a request budget', () => {
  it('spaces requests by the interval of the sustained rate and allows the burst ahead of now', () => {
    expect(cellRate({ perSecond: 50, burst: 100 }, 1_000)).toEqual({
      intervalMs: 20,
      latestTatMs: 1_000 + 99 * 20,
    });
  });

  it('rounds the wait up to whole seconds, at least one', () => {
    const rate = { perSecond: 10, burst: 1 };
    expect(retryAfterSeconds(1_050, rate, 1_000)).toBe(1);
    expect(retryAfterSeconds(3_500, rate, 1_000)).toBe(3);
    expect(retryAfterSeconds(1_000, rate, 1_000)).toBe(1);
  });
});
