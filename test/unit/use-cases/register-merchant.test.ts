import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../lambdas/core/domain/api-key';
import { WebhookUrlRejectedError } from '../../../lambdas/core/domain/errors';
import { registerMerchant } from '../../../lambdas/core/use-cases/register-merchant';
import { inMemoryMerchants, markingSealer } from '../../support/in-memory-merchants';

const webhook = (url: string) => ({ url, sealer: markingSealer, allowedHosts: new Set<string>() });

describe('registering a merchant', () => {
  it('returns a full-access test key and live key once, and stores only their hashes', async () => {
    const { registry, merchants } = inMemoryMerchants();

    const registered = await registerMerchant(registry, '  Corner Shop  ');

    expect(registered.apiKeys.test).toMatch(/^sk_test_/);
    expect(registered.apiKeys.live).toMatch(/^sk_live_/);
    expect(merchants).toEqual([
      {
        id: registered.merchantId,
        name: 'Corner Shop',
        apiKeys: {
          test: {
            id: expect.any(String),
            access: 'full',
            hash: hashApiKey(registered.apiKeys.test),
            prefix: expect.any(String),
          },
          live: {
            id: expect.any(String),
            access: 'full',
            hash: hashApiKey(registered.apiKeys.live),
            prefix: expect.any(String),
          },
        },
        webhook: undefined,
      },
    ]);
    expect(JSON.stringify(merchants)).not.toContain(registered.apiKeys.live);
  });

  it('returns the webhook secret once and stores it sealed for this merchant only', async () => {
    const { registry, merchants } = inMemoryMerchants();

    const registered = await registerMerchant(registry, 'Hooked Shop', webhook('https://shop.example/hooks'));

    expect(registered.webhookSecret).toMatch(/^whsec_/);
    expect(merchants[0]?.webhook).toEqual({
      url: 'https://shop.example/hooks',
      sealedSecret: `sealed(${registered.merchantId}:${registered.webhookSecret})`,
    });
  });

  it('refuses a webhook URL that is not https before storing anything', async () => {
    const { registry, merchants } = inMemoryMerchants();

    await expect(
      registerMerchant(registry, 'Plain Shop', webhook('http://shop.example/hooks')),
    ).rejects.toBeInstanceOf(WebhookUrlRejectedError);
    expect(merchants).toEqual([]);
  });

  it.each(['', '   ', 'x'.repeat(201)])('refuses the name %j', async (name) => {
    const { registry, merchants } = inMemoryMerchants();

    await expect(registerMerchant(registry, name)).rejects.toThrow('a merchant name has 1 to 200 characters');
    expect(merchants).toEqual([]);
  });
});
