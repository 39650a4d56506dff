import { describe, expect, it } from 'vitest';
import {
  apiKeyMode,
  apiKeyPrefix,
  authenticatedMode,
  generateApiKey,
} from '../../../lambdas/core/domain/api-key';
import { modeOfLivemode } from '../../../lambdas/core/domain/mode';

describe('API keys and modes', () => {
  it('names its mode in its prefix, which the shown prefix keeps', () => {
    const test = generateApiKey('test');
    const live = generateApiKey('live');

    expect(apiKeyMode(test)).toBe('test');
    expect(apiKeyMode(live)).toBe('live');
    expect(apiKeyPrefix(test)).toMatch(/^sk_test_/);
    expect(apiKeyPrefix(live)).toMatch(/^sk_live_/);
    expect(apiKeyMode('pk_test_abc')).toBeUndefined();
  });

  it('authenticates a key only in the mode it is stored for, and only when its prefix agrees', () => {
    const test = generateApiKey('test');
    const live = generateApiKey('live');

    expect(authenticatedMode(test, 'test')).toBe('test');
    expect(authenticatedMode(live, 'live')).toBe('live');
    expect(authenticatedMode(test, 'live')).toBeUndefined();
    expect(authenticatedMode(live, 'test')).toBeUndefined();
  });

  it('takes only an explicit livemode: true for live; a missing flag (an older event) is test', () => {
    expect(modeOfLivemode(true)).toBe('live');
    expect(modeOfLivemode(false)).toBe('test');
    expect(modeOfLivemode(undefined)).toBe('test');
  });
});
