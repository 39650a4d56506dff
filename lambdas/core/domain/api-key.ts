import { createHash, randomBytes } from 'node:crypto';

/**
 * Merchant API keys: `sk_<mode>_<32 random bytes, base64url>`. They carry 256 bits of entropy, so a plain
 * SHA-256 is a sound way to store them (a slow password hash would only add latency to every request).
 */
export type ApiKeyMode = 'test' | 'live';

export function generateApiKey(mode: ApiKeyMode): string {
  return `sk_${mode}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** What is safe to show back to a person: enough to recognise a key, useless to an attacker. */
export function apiKeyPrefix(apiKey: string): string {
  return `${apiKey.slice(0, 12)}…`;
}
