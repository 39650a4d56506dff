import { describe, expect, it } from 'vitest';
import {
  apiKeyKind,
  apiKeyPrefix,
  generateApiKey,
  isKeyUsable,
  matchesStoredKind,
} from '../../../lambdas/core/domain/api-key';
import { modeOfLivemode } from '../../../lambdas/core/domain/mode';

describe('API keys and modes', () => {
  it('names its mode and access in its prefix (sk_ full, rk_ read-only), which the shown prefix keeps', () => {
    const test = generateApiKey('test');
    const live = generateApiKey('live');
    const readOnly = generateApiKey('live', 'read');

    expect(apiKeyKind(test)).toEqual({ mode: 'test', access: 'full' });
    expect(apiKeyKind(live)).toEqual({ mode: 'live', access: 'full' });
    expect(apiKeyKind(readOnly)).toEqual({ mode: 'live', access: 'read' });
    expect(apiKeyPrefix(test)).toMatch(/^sk_test_/);
    expect(apiKeyPrefix(live)).toMatch(/^sk_live_/);
    expect(apiKeyPrefix(readOnly)).toMatch(/^rk_live_/);
    expect(apiKeyKind('pk_test_abc')).toBeUndefined();
    expect(apiKeyKind('sk_prod_abc')).toBeUndefined();
  });

  it('authenticates a key only as the mode and access it is stored for, when its prefix agrees', () => {
    const test = generateApiKey('test');
    const live = generateApiKey('live');
    const readOnly = generateApiKey('test', 'read');

    expect(matchesStoredKind(test, { mode: 'test', access: 'full' })).toBe(true);
    expect(matchesStoredKind(live, { mode: 'live', access: 'full' })).toBe(true);
    expect(matchesStoredKind(readOnly, { mode: 'test', access: 'read' })).toBe(true);
    expect(matchesStoredKind(test, { mode: 'live', access: 'full' })).toBe(false);
    expect(matchesStoredKind(live, { mode: 'test', access: 'full' })).toBe(false);
    expect(matchesStoredKind(readOnly, { mode: 'test', access: 'full' })).toBe(false);
    expect(matchesStoredKind(test, { mode: 'test', access: 'read' })).toBe(false);
  });

  it('stops a key at its revocation or its expiry, to the millisecond', () => {
    const now = new Date('2026-12-07T12:00:00.000Z');
    const later = new Date(now.getTime() + 1);
    expect(isKeyUsable({ revokedAt: null, expiresAt: null }, now)).toBe(true);
    expect(isKeyUsable({ revokedAt: null, expiresAt: later }, now)).toBe(true);
    expect(isKeyUsable({ revokedAt: null, expiresAt: now }, now)).toBe(false);
    expect(isKeyUsable({ revokedAt: now, expiresAt: null }, later)).toBe(false);
  });

  it('takes only an explicit livemode: true for live; a missing flag (an older event) is test', () => {
    expect(modeOfLivemode(true)).toBe('live');
    expect(modeOfLivemode(false)).toBe('test');
    expect(modeOfLivemode(undefined)).toBe('test');
  });
});
