import { randomBytes } from 'node:crypto';
import { type ApiKeyMode, apiKeyPrefix, generateApiKey, hashApiKey } from '../domain/api-key';
import type { MerchantRegistry } from './ports';

/**
 * Registers a merchant and returns its API key. The key is shown this once: only its hash is stored.
 */
export async function registerMerchant(
  registry: MerchantRegistry,
  name: string,
  mode: ApiKeyMode,
): Promise<{ merchantId: string; apiKey: string }> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200)
    throw new Error('a merchant name has 1 to 200 characters');
  const merchantId = `mer_${randomBytes(12).toString('hex')}`;
  const apiKey = generateApiKey(mode);
  await registry.create({
    id: merchantId,
    name: trimmed,
    apiKeyHash: hashApiKey(apiKey),
    apiKeyPrefix: apiKeyPrefix(apiKey),
  });
  return { merchantId, apiKey };
}
