import { randomUUID } from 'node:crypto';
import {
  API_KEY_PATTERN,
  type ApiKeyAccess,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  MAX_ROLL_OVERLAP_SECONDS,
  matchesStoredKind,
  type NewApiKey,
} from '../domain/api-key';
import { ValidationError } from '../domain/errors';
import type { Mode } from '../domain/mode';
import { ApiKeyNotFoundError, LastFullAccessKeyError } from './errors';
import type { ApiKeyDirectory, ApiKeyRecord, ApiKeys, AuthenticatedKey } from './ports/api-keys';
import type { Clock } from './ports/clock';
import type { MerchantScope } from './ports/merchants';

/**
 * A merchant's API keys: found by the authorizer, listed, created, rolled and revoked by the merchant (with a
 * full-access key) and by operators (`npx aspay keys`). A key's secret is shown once, when it is made.
 */

/**
 * The usable key in the `Authorization: Bearer …` header, or undefined (no such key, revoked, expired, its
 * merchant disabled, or a key whose prefix disagrees with the mode or access it is stored for).
 */
export async function authenticateApiKey(
  directory: ApiKeyDirectory,
  authorization: string | undefined,
): Promise<AuthenticatedKey | undefined> {
  const apiKey = authorization?.trim().match(/^Bearer\s+(\S+)$/)?.[1];
  if (!apiKey || !API_KEY_PATTERN.test(apiKey)) return undefined;
  const found = await directory.findUsable(hashApiKey(apiKey));
  return found && matchesStoredKind(apiKey, found) ? found : undefined;
}

/** The form a key is stored in, under a new id: its hash and the prefix to recognise it by, never itself. */
export function storedFormOf(secret: string, access: ApiKeyAccess): NewApiKey {
  return { id: randomUUID(), access, hash: hashApiKey(secret), prefix: apiKeyPrefix(secret) };
}

/** A new key of `access` for a mode: its secret, and the form it is stored in. */
export function newApiKey(mode: Mode, access: ApiKeyAccess): { secret: string; stored: NewApiKey } {
  const secret = generateApiKey(mode, access);
  return { secret, stored: storedFormOf(secret, access) };
}

export function listApiKeys(
  keys: ApiKeys,
  scope: MerchantScope,
  page: { limit: number; startingAfter?: string },
) {
  return keys.list(scope, page);
}

/** A key as created or rolled: the stored key and, this once, its secret. */
export interface IssuedApiKey {
  readonly key: ApiKeyRecord;
  readonly secret: string;
}

export async function createApiKey(
  keys: ApiKeys,
  scope: MerchantScope,
  access: ApiKeyAccess,
): Promise<IssuedApiKey> {
  const { secret, stored } = newApiKey(scope.mode, access);
  return { key: await keys.create(scope, stored), secret };
}

const OVERLAP_RULE = `a rolled key keeps working for 0 to ${MAX_ROLL_OVERLAP_SECONDS} seconds (7 days)`;

/**
 * Rolls a key: a new key of the same access replaces it, and the old one keeps working for `overlapSeconds`
 * more (0: it stops at once), so the merchant can deploy the new one without a moment of refused requests. A
 * key already expiring sooner keeps its earlier expiry. The new key, with its secret, and the rolled one.
 */
export async function rollApiKey(
  keys: ApiKeys,
  scope: MerchantScope,
  keyId: string,
  overlapSeconds: number,
  clock: Clock,
): Promise<IssuedApiKey & { rolled: ApiKeyRecord }> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_ROLL_OVERLAP_SECONDS)
    throw new ValidationError(
      [{ field: 'expiresInSeconds', code: 'roll_overlap_range', message: OVERLAP_RULE }],
      OVERLAP_RULE,
    );
  const current = await keys.find(scope, keyId);
  if (!current) throw new ApiKeyNotFoundError();
  const { secret, stored } = newApiKey(scope.mode, current.access);
  const expiresAt = new Date(clock().getTime() + overlapSeconds * 1000);
  const rolled = await keys.roll(scope, keyId, stored, expiresAt);
  // Found, but revoked or expired meanwhile: nothing usable to roll, as for an unknown key.
  if (!rolled) throw new ApiKeyNotFoundError();
  return { key: rolled.successor, secret, rolled: rolled.rolled };
}

/** Revokes a key at once (the API's cached authorizations of it end within the authorizer's cache time). */
export async function revokeApiKey(
  keys: ApiKeys,
  scope: MerchantScope,
  keyId: string,
): Promise<ApiKeyRecord> {
  const revoked = await keys.revoke(scope, keyId);
  if (revoked === 'last_full_access_key') throw new LastFullAccessKeyError();
  if (!revoked) throw new ApiKeyNotFoundError();
  return revoked;
}
