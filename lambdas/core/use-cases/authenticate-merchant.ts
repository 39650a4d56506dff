import { hashApiKey } from '../domain/api-key';
import type { MerchantDirectory } from './ports';

const BEARER = /^Bearer\s+(sk_(?:test|live)_[A-Za-z0-9_-]{16,128})$/;

/** The merchant whose API key is in the `Authorization: Bearer …` header, or undefined. */
export async function authenticateMerchant(
  merchants: MerchantDirectory,
  authorization: string | undefined,
): Promise<{ id: string } | undefined> {
  const apiKey = authorization ? BEARER.exec(authorization.trim())?.[1] : undefined;
  if (!apiKey) return undefined;
  return merchants.findByApiKeyHash(hashApiKey(apiKey));
}
