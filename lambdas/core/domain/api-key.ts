import { createHash, randomBytes } from 'node:crypto';
import type { Mode } from './mode';

/**
 * Merchant API keys: `sk_<mode>_<32 random bytes, base64url>`, one per mode and merchant. They carry 256 bits
 * of entropy, so a plain SHA-256 is a sound way to store them (a slow password hash would only add latency to
 * every request).
 */
export function generateApiKey(mode: Mode): string {
  return `sk_${mode}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** What is safe to show back to a person: enough to recognise a key, useless to an attacker. */
export function apiKeyPrefix(apiKey: string): string {
  return `${apiKey.slice(0, 12)}…`;
}

/** The mode a key's prefix names, or undefined for a string that is no API key. */
export function apiKeyMode(apiKey: string): Mode | undefined {
  if (apiKey.startsWith('sk_test_')) return 'test';
  if (apiKey.startsWith('sk_live_')) return 'live';
  return undefined;
}

/**
 * A key authenticates in the mode it was stored for, and only when its own prefix names that mode: a key
 * filed under the other mode (a mistake, or a tampered row) is refused rather than trusted either way.
 */
export function authenticatedMode(apiKey: string, storedMode: Mode): Mode | undefined {
  return apiKeyMode(apiKey) === storedMode ? storedMode : undefined;
}
