import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambdas/core/config/errors';
import { processorOf } from '../../../lambdas/core/config/processors';

describe("each mode's processor", () => {
  it('is the one the mode names, else the simulator for test mode and the HTTP contract for live mode', () => {
    expect(processorOf('test', {})).toBe('simulator');
    expect(processorOf('live', {})).toBe('http');
    expect(processorOf('test', { ASPAY_TEST_PROCESSOR: 'stripe' })).toBe('stripe');
    expect(processorOf('live', { ASPAY_LIVE_PROCESSOR: 'stripe' })).toBe('stripe');
  });

  it('refuses a processor it does not know, naming the variable', () => {
    expect(() => processorOf('test', { ASPAY_TEST_PROCESSOR: 'adyen' })).toThrow(ConfigurationError);
    expect(() => processorOf('live', { ASPAY_LIVE_PROCESSOR: 'Stripe' })).toThrow(/ASPAY_LIVE_PROCESSOR/);
  });
});
