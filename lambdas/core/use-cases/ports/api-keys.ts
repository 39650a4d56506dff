import type { ApiKeyAccess, NewApiKey } from '../../domain/api-key';
import type { Mode } from '../../domain/mode';
import type { MerchantScope } from './merchants';

/** A merchant's API keys: those the authorizer finds, and those the merchant lists, creates, rolls and revokes. */

/** A key as it is stored (its secret never is: only its hash, and a prefix to recognise it by). */
export interface ApiKeyRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly mode: Mode;
  readonly access: ApiKeyAccess;
  readonly prefix: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /** Set when the key was rolled: it keeps working beside its successor until then. */
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

/** What the authorizer learns of a usable key (not revoked, not expired, its merchant enabled). */
export interface AuthenticatedKey {
  readonly keyId: string;
  readonly merchantId: string;
  readonly mode: Mode;
  readonly access: ApiKeyAccess;
  readonly expiresAt: Date | null;
}

export interface ApiKeyDirectory {
  /** The usable key with this SHA-256 hash, if any; notes its use (at most once an hour, so it costs little). */
  findUsable(keyHash: string): Promise<AuthenticatedKey | undefined>;
}

export interface ApiKeys {
  /** The scope's keys, newest first (keyset pagination on creation time and id, as every list). */
  list(
    scope: MerchantScope,
    page: { limit: number; startingAfter?: string },
  ): Promise<{ keys: ApiKeyRecord[]; hasMore: boolean }>;
  find(scope: MerchantScope, keyId: string): Promise<ApiKeyRecord | undefined>;
  create(scope: MerchantScope, key: NewApiKey): Promise<ApiKeyRecord>;
  /**
   * In one transaction: the usable key `keyId` expires at `expiresAt` (never later than it already would) and
   * `successor` is stored beside it. Undefined when no such usable key is in the scope.
   */
  roll(
    scope: MerchantScope,
    keyId: string,
    successor: NewApiKey,
    expiresAt: Date,
  ): Promise<{ rolled: ApiKeyRecord; successor: ApiKeyRecord } | undefined>;
  /**
   * Revokes the key (revoking it again changes nothing), unless it is the scope's last usable full-access key:
   * then `'last_full_access_key'`, decided under a lock on the merchant so that two revokes cannot both pass.
   */
  revoke(scope: MerchantScope, keyId: string): Promise<ApiKeyRecord | 'last_full_access_key' | undefined>;
}
