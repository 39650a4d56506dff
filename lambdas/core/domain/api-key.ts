import { createHash, randomBytes } from 'node:crypto';
import type { Mode } from './mode';

/**
 * Merchant API keys: `<kind>_<mode>_<32 random bytes, base64url>`, after Stripe's prefixes
 * (https://docs.stripe.com/keys/restricted-api-keys): `sk_` a full-access key, `rk_` a restricted one that may
 * only read. They carry 256 bits of entropy, so a plain SHA-256 is a sound way to store them (a slow password
 * hash would only add latency to every request).
 */

/** What a key may do: everything, or read (GET) only. */
export type ApiKeyAccess = 'full' | 'read';

/** A new key as it is stored: its hash and a prefix to recognise it by; its secret is shown once, never kept. */
export interface NewApiKey {
  readonly id: string;
  readonly access: ApiKeyAccess;
  readonly hash: string;
  readonly prefix: string;
}

const PREFIX_OF_ACCESS = { full: 'sk', read: 'rk' } as const satisfies Record<ApiKeyAccess, string>;

/** An API key as the `Authorization: Bearer …` header carries it (the length bounds what is hashed). */
export const API_KEY_PATTERN = /^(?:sk|rk)_(?:test|live)_[A-Za-z0-9_-]{16,128}$/;

export function generateApiKey(mode: Mode, access: ApiKeyAccess = 'full'): string {
  return `${PREFIX_OF_ACCESS[access]}_${mode}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** What is safe to show back to a person: enough to recognise a key, useless to an attacker. */
export function apiKeyPrefix(apiKey: string): string {
  return `${apiKey.slice(0, 12)}…`;
}

/** The mode and access a key's prefix names, or undefined for a string that is no API key. */
export function apiKeyKind(apiKey: string): { mode: Mode; access: ApiKeyAccess } | undefined {
  const [kind, mode] = apiKey.split('_', 2);
  const access = kind === 'sk' ? 'full' : kind === 'rk' ? 'read' : undefined;
  return access && (mode === 'test' || mode === 'live') ? { mode, access } : undefined;
}

/**
 * A key authenticates in the mode and with the access it was stored for, and only when its own prefix names
 * both: a key filed under the other mode or access (a mistake, or a tampered row) is refused rather than
 * trusted either way.
 */
export function matchesStoredKind(apiKey: string, stored: { mode: Mode; access: ApiKeyAccess }): boolean {
  const kind = apiKeyKind(apiKey);
  return kind?.mode === stored.mode && kind.access === stored.access;
}

/**
 * How long a rolled key keeps working beside its successor, at most: Stripe offers up to 7 days
 * (https://docs.stripe.com/keys#rolling-keys); longer, a leaked key would outlive its roll for too long.
 */
export const MAX_ROLL_OVERLAP_SECONDS = 7 * 24 * 3600;

/** A key stops authenticating once revoked or past its expiry. */
export function isKeyUsable(key: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
}
