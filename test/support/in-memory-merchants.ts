import type { MerchantRegistry } from '../../lambdas/core/use-cases/ports/merchants';
import type { SecretSealer } from '../../lambdas/core/use-cases/ports/secrets';

type RegisteredMerchant = Parameters<MerchantRegistry['create']>[0];

/**
 * The merchant registry in memory: registered merchants, and merchants whose webhook secret is still stored in
 * plain text (from before secrets were sealed), replaced only while the plain secret is unchanged.
 */
export function inMemoryMerchants(plainSecrets: Record<string, string> = {}) {
  const merchants: RegisteredMerchant[] = [];
  const plain = new Map(Object.entries(plainSecrets));
  const sealed = new Map<string, string>();
  const registry: MerchantRegistry = {
    async create(merchant) {
      merchants.push(merchant);
    },
    async plainWebhookSecrets(limit) {
      return [...plain].slice(0, limit).map(([merchantId, secret]) => ({ merchantId, secret }));
    },
    async replacePlainWebhookSecret(merchantId, secret, sealedSecret) {
      if (plain.get(merchantId) !== secret) return false;
      plain.delete(merchantId);
      sealed.set(merchantId, sealedSecret);
      return true;
    },
  };
  return { registry, merchants, plain, sealed };
}

/** A sealer that marks what it sealed and for whom, so a test can see which merchant a secret is bound to. */
export const markingSealer: SecretSealer = {
  seal: async (plaintext, merchantId) => `sealed(${merchantId}:${plaintext})`,
};
