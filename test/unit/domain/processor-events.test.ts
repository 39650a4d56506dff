import { describe, expect, it } from 'vitest';
import { paymentOutcomeApplies, refundOutcomeStep } from '../../../lambdas/core/domain/processor-events';

describe('what a processor reports later', () => {
  it('settles only a PENDING payment', () => {
    expect(paymentOutcomeApplies('PENDING', 'SUCCESS')).toBe(true);
    expect(paymentOutcomeApplies('PENDING', 'FAILED')).toBe(true);
    for (const status of ['INITIATED', 'SUCCESS', 'FAILED', 'REFUNDED'] as const) {
      expect(paymentOutcomeApplies(status, 'SUCCESS')).toBe(false);
      expect(paymentOutcomeApplies(status, 'FAILED')).toBe(false);
    }
  });

  it('executes or fails a PENDING refund, reverses an EXECUTED one that fails, and moves nothing back', () => {
    expect(refundOutcomeStep('PENDING', 'succeeded')).toBe('execute');
    expect(refundOutcomeStep('PENDING', 'failed')).toBe('fail');
    expect(refundOutcomeStep('EXECUTED', 'failed')).toBe('reverse');
    expect(refundOutcomeStep('EXECUTED', 'succeeded')).toBe('stale');
    expect(refundOutcomeStep('FAILED', 'succeeded')).toBe('stale');
    expect(refundOutcomeStep('FAILED', 'failed')).toBe('stale');
  });
});
