import { randomBytes } from 'node:crypto';
import { ValidationError } from '../domain/errors';
import type { Mode } from '../domain/mode';
import { checkWebhookUrl } from '../domain/webhook-url';
import { newApiKey } from './api-keys';
import type { MerchantRegistry } from './ports/merchants';
import type { SecretSealer } from './ports/secrets';

const MERCHANT_NAME_RULE = 'a merchant name has 1 to 200 characters';

/** A webhook endpoint to register with the merchant. */
export interface WebhookRegistration {
  readonly url: string;
  readonly sealer: SecretSealer;
  /** The local stack's allow-listed `host:port` pairs (empty in AWS). */
  readonly allowedHosts: ReadonlySet<string>;
}

/**
 * Registers a merchant and returns its first two API keys, full-access, one per mode (Stripe's model: one account, a test key
 * to build against the bank sandbox, a live key for real payments), and its webhook signing secret when it has
 * an endpoint. They are shown this once: only the keys' hashes and the sealed secret are stored. The endpoint
 * receives both modes' notices, live ones among them, so it must use https (no private or metadata addresses)
 * before anything is written; the sender checks it again, with the host name resolved, at every delivery.
 */
export async function registerMerchant(
  registry: MerchantRegistry,
  name: string,
  webhook?: WebhookRegistration,
): Promise<{ merchantId: string; apiKeys: Record<Mode, string>; webhookSecret?: string }> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200)
    throw new ValidationError(
      [{ field: 'name', code: 'merchant_name_length', message: MERCHANT_NAME_RULE }],
      MERCHANT_NAME_RULE,
    );
  const url =
    webhook && checkWebhookUrl(webhook.url, { requireHttps: true, allowedHosts: webhook.allowedHosts }).href;
  const merchantId = `mer_${randomBytes(12).toString('hex')}`;
  const keys = { test: newApiKey('test', 'full'), live: newApiKey('live', 'full') };
  const webhookSecret = webhook && `whsec_${randomBytes(24).toString('hex')}`;
  await registry.create({
    id: merchantId,
    name: trimmed,
    apiKeys: { test: keys.test.stored, live: keys.live.stored },
    webhook:
      url && webhookSecret
        ? { url, sealedSecret: await webhook.sealer.seal(webhookSecret, merchantId) }
        : undefined,
  });
  const apiKeys = { test: keys.test.secret, live: keys.live.secret };
  return webhookSecret ? { merchantId, apiKeys, webhookSecret } : { merchantId, apiKeys };
}
