import { randomBytes } from 'node:crypto';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../domain/api-key';
import type { Mode } from '../domain/mode';
import type { MerchantRegistry } from './ports';

/**
 * Registers a merchant and returns its two API keys, one per mode (Stripe's model: one account, a test key
 * to build against the bank sandbox, a live key for real payments). The keys are shown this once: only their
 * hashes are stored.
 */
export async function registerMerchant(
  registry: MerchantRegistry,
  name: string,
): Promise<{ merchantId: string; apiKeys: Record<Mode, string> }> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200)
    throw new Error('a merchant name has 1 to 200 characters');
  const merchantId = `mer_${randomBytes(12).toString('hex')}`;
  const apiKeys = { test: generateApiKey('test'), live: generateApiKey('live') };
  const stored = (apiKey: string) => ({ hash: hashApiKey(apiKey), prefix: apiKeyPrefix(apiKey) });
  await registry.create({
    id: merchantId,
    name: trimmed,
    apiKeys: { test: stored(apiKeys.test), live: stored(apiKeys.live) },
  });
  return { merchantId, apiKeys };
}
