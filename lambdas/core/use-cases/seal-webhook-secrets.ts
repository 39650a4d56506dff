import type { MerchantRegistry } from './ports/merchants';
import type { SecretSealer } from './ports/secrets';

const BATCH = 100;

/**
 * The one-time backfill after secrets began to be sealed: seals every webhook secret still stored in plain text
 * and clears the plain copy (a database migration cannot, since sealing needs KMS). Safe to run again or
 * alongside the notifier, which reads whichever form a merchant has. Returns how many it sealed.
 */
export async function sealPlainWebhookSecrets(
  registry: MerchantRegistry,
  sealer: SecretSealer,
): Promise<number> {
  let sealed = 0;
  for (;;) {
    const plain = await registry.plainWebhookSecrets(BATCH);
    if (plain.length === 0) return sealed;
    for (const { merchantId, secret } of plain)
      if (await registry.replacePlainWebhookSecret(merchantId, secret, await sealer.seal(secret, merchantId)))
        sealed++;
  }
}
