import { describe, expect, it } from 'vitest';
import type { SecretSealer } from '../../../lambdas/core/use-cases/ports/secrets';
import { sealPlainWebhookSecrets } from '../../../lambdas/core/use-cases/seal-webhook-secrets';
import { inMemoryMerchants, markingSealer } from '../../support/in-memory-merchants';

describe('sealing the webhook secrets stored in plain text', () => {
  it('seals every one, more than a batch of them, each for its own merchant, and clears the plain copy', async () => {
    const plain = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`mer_${i}`, `whsec_${i}`]));
    const { registry, plain: left, sealed } = inMemoryMerchants(plain);

    expect(await sealPlainWebhookSecrets(registry, markingSealer)).toBe(150);

    expect(left.size).toBe(0);
    expect(sealed.get('mer_149')).toBe('sealed(mer_149:whsec_149)');
  });

  it('seals a secret the merchant changed meanwhile in its new form, counted once', async () => {
    const { registry, plain, sealed } = inMemoryMerchants({ mer_a: 'whsec_old', mer_b: 'whsec_b' });
    const changingMidway: SecretSealer = {
      async seal(plaintext, merchantId) {
        if (merchantId === 'mer_a' && plain.get('mer_a') === 'whsec_old') plain.set('mer_a', 'whsec_new');
        return markingSealer.seal(plaintext, merchantId);
      },
    };

    expect(await sealPlainWebhookSecrets(registry, changingMidway)).toBe(2);

    expect(sealed.get('mer_a')).toBe('sealed(mer_a:whsec_new)');
    expect(sealed.get('mer_b')).toBe('sealed(mer_b:whsec_b)');
  });

  it('seals nothing, and says so, when no secret is left in plain text', async () => {
    const { registry } = inMemoryMerchants();

    expect(await sealPlainWebhookSecrets(registry, markingSealer)).toBe(0);
  });
});
