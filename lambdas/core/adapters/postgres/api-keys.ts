import type pg from 'pg';
import type { ApiKeyAccess, NewApiKey } from '../../domain/api-key';
import type { Mode } from '../../domain/mode';
import type { ApiKeyDirectory, ApiKeyRecord, ApiKeys } from '../../use-cases/ports/api-keys';
import type { MerchantScope } from '../../use-cases/ports/merchants';
import { inTransaction } from './pool';
import { namedQuery } from './sql';

const KEY_COLUMNS = `id, merchant_id, mode, access, key_prefix, created_at, last_used_at, expires_at, revoked_at`;

/** A key (the row `alias`) that may authenticate: neither revoked nor expired (its merchant is checked apart). */
const usable = (alias: string) =>
  `${alias}.revoked_at IS NULL AND (${alias}.expires_at IS NULL OR ${alias}.expires_at > now())`;

interface KeyRow {
  id: string;
  merchant_id: string;
  mode: Mode;
  access: ApiKeyAccess;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

function toKey(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    mode: row.mode,
    access: row.access,
    prefix: row.key_prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** The INSERT of a new key of the scope, returning it. */
function insertKey(scope: MerchantScope, key: NewApiKey) {
  return namedQuery(
    `INSERT INTO api_keys (id, merchant_id, mode, access, key_hash, key_prefix)
     VALUES (:id, :merchant_id, :mode, :access, :key_hash, :key_prefix)
     RETURNING ${KEY_COLUMNS}`,
    {
      id: key.id,
      merchant_id: scope.merchantId,
      mode: scope.mode,
      access: key.access,
      key_hash: key.hash,
      key_prefix: key.prefix,
    },
  );
}

export function postgresApiKeyDirectory(pool: pg.Pool): ApiKeyDirectory {
  return {
    async findUsable(keyHash) {
      // The use is noted in the same statement, at most once an hour per key: the authorizer runs once per key
      // per cache time, so this is a write an hour per key at most, never one per request.
      const { rows } = await pool.query<
        Pick<KeyRow, 'id' | 'merchant_id' | 'mode' | 'access' | 'expires_at'>
      >(
        `WITH found AS (
           SELECT k.id, k.merchant_id, k.mode, k.access, k.expires_at, k.last_used_at
             FROM api_keys k JOIN merchants m ON m.id = k.merchant_id
            WHERE k.key_hash = $1 AND ${usable('k')} AND m.disabled_at IS NULL
         ), noted AS (
           UPDATE api_keys SET last_used_at = now() FROM found
            WHERE api_keys.id = found.id
              AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 hour')
         )
         SELECT id, merchant_id, mode, access, expires_at FROM found`,
        [keyHash],
      );
      const row = rows[0];
      return (
        row && {
          keyId: row.id,
          merchantId: row.merchant_id,
          mode: row.mode,
          access: row.access,
          expiresAt: row.expires_at,
        }
      );
    },
  };
}

export function postgresApiKeys(pool: pg.Pool): ApiKeys {
  return {
    async list({ merchantId, mode }, { limit, startingAfter }) {
      const { rows } = await pool.query<KeyRow>(
        namedQuery(
          `SELECT ${KEY_COLUMNS} FROM api_keys
            WHERE merchant_id = :merchant_id AND mode = :mode
              AND (:starting_after::uuid IS NULL OR (created_at, id) < (
                SELECT created_at, id FROM api_keys
                 WHERE merchant_id = :merchant_id AND mode = :mode AND id = :starting_after))
            ORDER BY created_at DESC, id DESC
            LIMIT :limit`,
          { merchant_id: merchantId, mode, starting_after: startingAfter ?? null, limit: limit + 1 },
        ),
      );
      return { keys: rows.slice(0, limit).map(toKey), hasMore: rows.length > limit };
    },

    async find({ merchantId, mode }, keyId) {
      const { rows } = await pool.query<KeyRow>(
        `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND merchant_id = $2 AND mode = $3`,
        [keyId, merchantId, mode],
      );
      return rows[0] && toKey(rows[0]);
    },

    async create(scope, key) {
      const { rows } = await pool.query<KeyRow>(insertKey(scope, key));
      return toKey(rows[0] as KeyRow);
    },

    roll(scope, keyId, successor, expiresAt) {
      return inTransaction(pool, async (client) => {
        const { rows } = await client.query<KeyRow>(
          namedQuery(
            `UPDATE api_keys k SET expires_at = LEAST(COALESCE(k.expires_at, :expires_at), :expires_at)
              WHERE k.id = :id AND k.merchant_id = :merchant_id AND k.mode = :mode AND ${usable('k')}
              RETURNING ${KEY_COLUMNS}`,
            { id: keyId, merchant_id: scope.merchantId, mode: scope.mode, expires_at: expiresAt },
          ),
        );
        if (!rows[0]) return undefined;
        const inserted = await client.query<KeyRow>(insertKey(scope, successor));
        return { rolled: toKey(rows[0]), successor: toKey(inserted.rows[0] as KeyRow) };
      });
    },

    revoke({ merchantId, mode }, keyId) {
      return inTransaction(pool, async (client) => {
        // One revoke at a time per merchant (a transaction-scoped advisory lock, which needs no privilege on
        // the merchants table): the count of its usable full-access keys holds until COMMIT.
        await client.query("SELECT pg_advisory_xact_lock(hashtextextended('api_keys:' || $1, 0))", [
          merchantId,
        ]);
        const { rows } = await client.query<KeyRow & { last_full_access: boolean }>(
          `SELECT ${KEY_COLUMNS},
                  k.access = 'full' AND ${usable('k')} AND NOT EXISTS (
                    SELECT 1 FROM api_keys other
                     WHERE other.merchant_id = k.merchant_id AND other.mode = k.mode AND other.id <> k.id
                       AND other.access = 'full' AND ${usable('other')}) AS last_full_access
             FROM api_keys k WHERE k.id = $1 AND k.merchant_id = $2 AND k.mode = $3`,
          [keyId, merchantId, mode],
        );
        const key = rows[0];
        if (!key) return undefined;
        if (key.last_full_access) return 'last_full_access_key';
        if (key.revoked_at) return toKey(key);
        const revoked = await client.query<KeyRow>(
          `UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
          [keyId],
        );
        return toKey(revoked.rows[0] as KeyRow);
      });
    },
  };
}
