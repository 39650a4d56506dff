import type pg from 'pg';
import type { MerchantRegistry } from '../../use-cases/ports/merchants';
import { namedQuery } from './sql';

export function postgresMerchantRegistry(pool: pg.Pool): MerchantRegistry {
  return {
    async create({ id, name, apiKeys, webhook }) {
      await pool.query(
        namedQuery(
          // One statement: the merchant and its first keys exist together or not at all. No RETURNING: the
          // onboarding role may insert merchants but read none (the keys' foreign key is checked at the
          // statement's end, when the merchant's row is there).
          `WITH merchant AS (
             INSERT INTO merchants (id, name, webhook_url, webhook_secret_sealed)
             VALUES (:id, :name, :webhook_url, :webhook_secret_sealed)
           )
           INSERT INTO api_keys (id, merchant_id, mode, access, key_hash, key_prefix)
           VALUES (:test_key_id, :id, 'test', :test_key_access, :test_key_hash, :test_key_prefix),
                  (:live_key_id, :id, 'live', :live_key_access, :live_key_hash, :live_key_prefix)`,
          {
            id,
            name,
            webhook_url: webhook?.url ?? null,
            webhook_secret_sealed: webhook?.sealedSecret ?? null,
            test_key_id: apiKeys.test.id,
            test_key_access: apiKeys.test.access,
            test_key_hash: apiKeys.test.hash,
            test_key_prefix: apiKeys.test.prefix,
            live_key_id: apiKeys.live.id,
            live_key_access: apiKeys.live.access,
            live_key_hash: apiKeys.live.hash,
            live_key_prefix: apiKeys.live.prefix,
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
