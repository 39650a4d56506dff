import { randomBytes } from 'node:crypto';
import { type ApiKeyMode, apiKeyPrefix, generateApiKey, hashApiKey } from '../domain/api-key';
import { checkWebhookUrl } from '../domain/webhook-url';
import type { MerchantRegistry, SecretSealer } from './ports';

/** A webhook endpoint to register with the merchant. */
export interface WebhookRegistration {
  readonly url: string;
  readonly sealer: SecretSealer;
  /** The local stack's allow-listed `host:port` pairs (empty in AWS). */
  readonly allowedHosts: ReadonlySet<string>;
}

/**
 * Registers a merchant and returns its API key, and its webhook signing secret when it has an endpoint. Both
 * are shown this once: only the key's hash and the sealed secret are stored. The URL is checked against the
 * webhook URL policy (https for live merchants, no private or metadata addresses) before anything is written;
 * the sender checks it again, with the host name resolved, at every delivery.
 */
export async function registerMerchant(
  registry: MerchantRegistry,
  name: string,
  mode: ApiKeyMode,
  webhook?: WebhookRegistration,
): Promise<{ merchantId: string; apiKey: string; webhookSecret?: string }> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200)
    throw new Error('a merchant name has 1 to 200 characters');
  const url =
    webhook &&
    checkWebhookUrl(webhook.url, { requireHttps: mode === 'live', allowedHosts: webhook.allowedHosts }).href;
  const merchantId = `mer_${randomBytes(12).toString('hex')}`;
  const apiKey = generateApiKey(mode);
  const webhookSecret = webhook && `whsec_${randomBytes(24).toString('hex')}`;
  await registry.create({
    id: merchantId,
    name: trimmed,
    apiKeyHash: hashApiKey(apiKey),
    apiKeyPrefix: apiKeyPrefix(apiKey),
    webhook:
      url && webhookSecret
        ? { url, sealedSecret: await webhook.sealer.seal(webhookSecret, merchantId) }
        : undefined,
  });
  return webhookSecret ? { merchantId, apiKey, webhookSecret } : { merchantId, apiKey };
}
