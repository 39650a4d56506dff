import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../lambdas/core/domain/api-key';
import type { Mode } from '../../../lambdas/core/domain/mode';
import { authenticateMerchant } from '../../../lambdas/core/use-cases/authenticate-merchant';
import type { MerchantDirectory } from '../../../lambdas/core/use-cases/ports/merchants';

const TEST_KEY = 'sk_test_0123456789abcdefghijklmnop';
const LIVE_KEY = 'sk_live_0123456789abcdefghijklmnop';

/** A directory holding `keys`, each stored for the given mode. */
const directoryOf = (keys: Record<string, Mode>): MerchantDirectory => ({
  findByApiKeyHash: async (hash) => {
    const found = Object.entries(keys).find(([key]) => hashApiKey(key) === hash);
    return found ? { id: 'mer_1', mode: found[1] } : undefined;
  },
});
const directory = directoryOf({ [TEST_KEY]: 'test', [LIVE_KEY]: 'live' });

describe('authenticateMerchant', () => {
  it('finds the merchant by the hash of its bearer key, in the mode of that key', async () => {
    await expect(authenticateMerchant(directory, `Bearer ${TEST_KEY}`)).resolves.toEqual({
      id: 'mer_1',
      mode: 'test',
    });
    await expect(authenticateMerchant(directory, `Bearer ${LIVE_KEY}`)).resolves.toEqual({
      id: 'mer_1',
      mode: 'live',
    });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${TEST_KEY}`],
    ['a key of the wrong shape', 'Bearer hunter2'],
    ['an unknown key', 'Bearer sk_test_unknownunknownunknown'],
  ])('rejects %s', async (_, header) => {
    await expect(authenticateMerchant(directory, header)).resolves.toBeUndefined();
  });

  it.each([
    ['a test key stored as live', TEST_KEY, 'live'],
    ['a live key stored as test', LIVE_KEY, 'test'],
  ] as const)('rejects %s: the prefix must agree with the stored mode', async (_, key, stored) => {
    await expect(
      authenticateMerchant(directoryOf({ [key]: stored }), `Bearer ${key}`),
    ).resolves.toBeUndefined();
  });
});
