import { describe, expect, it } from 'vitest';
import { type ApiKeyAccess, hashApiKey } from '../../../lambdas/core/domain/api-key';
import type { Mode } from '../../../lambdas/core/domain/mode';
import { authenticateApiKey } from '../../../lambdas/core/use-cases/api-keys';
import type { ApiKeyDirectory } from '../../../lambdas/core/use-cases/ports/api-keys';

const TEST_KEY = 'sk_test_0123456789abcdefghijklmnop';
const LIVE_KEY = 'sk_live_0123456789abcdefghijklmnop';
const READ_KEY = 'rk_test_0123456789abcdefghijklmnop';

/** A directory holding `keys`, each stored for the given mode and access. */
const directoryOf = (keys: Record<string, [Mode, ApiKeyAccess]>): ApiKeyDirectory => ({
  findUsable: async (hash) => {
    const found = Object.entries(keys).find(([key]) => hashApiKey(key) === hash);
    return found
      ? { keyId: 'key_1', merchantId: 'mer_1', mode: found[1][0], access: found[1][1], expiresAt: null }
      : undefined;
  },
});
const directory = directoryOf({
  [TEST_KEY]: ['test', 'full'],
  [LIVE_KEY]: ['live', 'full'],
  [READ_KEY]: ['test', 'read'],
});

describe('authenticateApiKey', () => {
  it('finds the merchant by the hash of its bearer key, in the mode and with the access of that key', async () => {
    await expect(authenticateApiKey(directory, `Bearer ${TEST_KEY}`)).resolves.toMatchObject({
      merchantId: 'mer_1',
      mode: 'test',
      access: 'full',
    });
    await expect(authenticateApiKey(directory, `Bearer ${LIVE_KEY}`)).resolves.toMatchObject({
      mode: 'live',
      access: 'full',
    });
    await expect(authenticateApiKey(directory, `Bearer ${READ_KEY}`)).resolves.toMatchObject({
      mode: 'test',
      access: 'read',
    });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${TEST_KEY}`],
    ['a key of the wrong shape', 'Bearer hunter2'],
    ['an unknown key', 'Bearer sk_test_unknownunknownunknown'],
  ])('rejects %s', async (_, header) => {
    await expect(authenticateApiKey(directory, header)).resolves.toBeUndefined();
  });

  it.each([
    ['a test key stored as live', TEST_KEY, ['live', 'full']],
    ['a live key stored as test', LIVE_KEY, ['test', 'full']],
    ['a read-only key stored as full-access', READ_KEY, ['test', 'full']],
    ['a full-access key stored as read-only', TEST_KEY, ['test', 'read']],
  ] as const)('rejects %s: the prefix must agree with what is stored', async (_, key, stored) => {
    await expect(
      authenticateApiKey(directoryOf({ [key]: [...stored] }), `Bearer ${key}`),
    ).resolves.toBeUndefined();
  });
});
