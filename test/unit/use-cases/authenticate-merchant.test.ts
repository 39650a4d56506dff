import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../lambdas/core/domain/api-key';
import { authenticateMerchant } from '../../../lambdas/core/use-cases/authenticate-merchant';
import type { MerchantDirectory } from '../../../lambdas/core/use-cases/ports';

const KEY = 'sk_test_0123456789abcdefghijklmnop';
const directory: MerchantDirectory = {
  findByApiKeyHash: async (hash) => (hash === hashApiKey(KEY) ? { id: 'mer_1' } : undefined),
};

describe('authenticateMerchant', () => {
  it('finds the merchant by the hash of its bearer key', async () => {
    await expect(authenticateMerchant(directory, `Bearer ${KEY}`)).resolves.toEqual({ id: 'mer_1' });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${KEY}`],
    ['a key of the wrong shape', 'Bearer hunter2'],
    ['an unknown key', 'Bearer sk_test_unknownunknownunknown'],
  ])('rejects %s', async (_, header) => {
    await expect(authenticateMerchant(directory, header)).resolves.toBeUndefined();
  });
});
