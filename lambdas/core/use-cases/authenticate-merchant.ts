import { authenticatedMode, hashApiKey } from '../domain/api-key';
import type { Mode } from '../domain/mode';
import type { MerchantDirectory } from './ports/merchants';

const BEARER = /^Bearer\s+(sk_(?:test|live)_[A-Za-z0-9_-]{16,128})$/;

/**
 * The merchant whose API key is in the `Authorization: Bearer …` header and the mode of that key, or
 * undefined (unknown key, or a key whose prefix disagrees with the mode it is stored for).
 */
export async function authenticateMerchant(
  merchants: MerchantDirectory,
  authorization: string | undefined,
): Promise<{ id: string; mode: Mode } | undefined> {
  const apiKey = authorization ? BEARER.exec(authorization.trim())?.[1] : undefined;
  if (!apiKey) return undefined;
  const found = await merchants.findByApiKeyHash(hashApiKey(apiKey));
  const mode = found && authenticatedMode(apiKey, found.mode);
  return found && mode ? { id: found.id, mode } : undefined;
}
