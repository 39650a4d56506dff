import type pg from 'pg';
import type { Mode } from '../../domain/mode';
import type { MerchantDirectory, MerchantRegistry } from '../../use-cases/ports/merchants';
import { namedQuery } from './sql';

export function postgresMerchantDirectory(pool: pg.Pool): MerchantDirectory {
  return {
    async findByApiKeyHash(apiKeyHash) {
      // The column the hash is found in is the key's stored mode; a disabled merchant's keys find nothing.
      const { rows } = await pool.query<{ id: string; mode: Mode }>(
        `SELECT id, CASE WHEN live_api_key_hash = $1 THEN 'live' ELSE 'test' END AS mode
         FROM merchants WHERE (test_api_key_hash = $1 OR live_api_key_hash = $1) AND disabled_at IS NULL`,
        [apiKeyHash],
      );
      return rows[0];
    },
  };
}

export function postgresMerchantRegistry(pool: pg.Pool): MerchantRegistry {
  return {
    async create({ id, name, apiKeys, webhook }) {
      await pool.query(
        namedQuery(
          `INSERT INTO merchants (id, name, test_api_key_hash, test_api_key_prefix, live_api_key_hash, live_api_key_prefix,
                                  webhook_url, webhook_secret_sealed)
           VALUES (:id, :name, :test_api_key_hash, :test_api_key_prefix, :live_api_key_hash, :live_api_key_prefix,
                   :webhook_url, :webhook_secret_sealed)`,
          {
            id,
            name,
            test_api_key_hash: apiKeys.test.hash,
            test_api_key_prefix: apiKeys.test.prefix,
            live_api_key_hash: apiKeys.live.hash,
            live_api_key_prefix: apiKeys.live.prefix,
            webhook_url: webhook?.url ?? null,
            webhook_secret_sealed: webhook?.sealedSecret ?? null,
          },
        ),
      );
    },
    async plainWebhookSecrets(limit) {
      const { rows } = await pool.query<{ id: string; webhook_secret: string }>(
        'SELECT id, webhook_secret FROM merchants WHERE webhook_secret IS NOT NULL ORDER BY id LIMIT $1',
        [limit],
      );
      return rows.map((row) => ({ merchantId: row.id, secret: row.webhook_secret }));
    },
    async replacePlainWebhookSecret(merchantId, plain, sealed) {
      const { rowCount } = await pool.query(
        `UPDATE merchants SET webhook_secret_sealed = $3, webhook_secret = NULL
          WHERE id = $1 AND webhook_secret = $2`,
        [merchantId, plain, sealed],
      );
      return rowCount === 1;
    },
  };
}
