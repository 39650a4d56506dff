import { describe, expect, it } from 'vitest';
import { CONSUMERS, toleratedOutageSeconds } from '../../../lambdas/core/config/messaging';

describe('the consumer settings', () => {
  it.each(Object.values(CONSUMERS))(
    '$handler waits out a dependency outage of more than an hour before a batch reaches the DLQ',
    (settings) => {
      expect(toleratedOutageSeconds(settings)).toBe((1 + 10) * 900);
      expect(toleratedOutageSeconds(settings)).toBeGreaterThan(3_600);
    },
  );
});
