import type pg from 'pg';
import type { MerchantDirectory, MerchantRegistry } from '../../use-cases/ports';

export function postgresMerchantDirectory(pool: pg.Pool): MerchantDirectory {
  return {
    async findByApiKeyHash(apiKeyHash) {
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM merchants WHERE api_key_hash = $1', [
        apiKeyHash,
      ]);
      return rows[0];
    },
  };
}

export function postgresMerchantRegistry(pool: pg.Pool): MerchantRegistry {
  return {
    async create(merchant) {
      await pool.query(
        `INSERT INTO merchants (id, name, api_key_hash, api_key_prefix, webhook_url, webhook_secret_sealed)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          merchant.id,
          merchant.name,
          merchant.apiKeyHash,
          merchant.apiKeyPrefix,
          merchant.webhook?.url ?? null,
          merchant.webhook?.sealedSecret ?? null,
        ],
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
