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
        'INSERT INTO merchants (id, name, api_key_hash, api_key_prefix) VALUES ($1, $2, $3, $4)',
        [merchant.id, merchant.name, merchant.apiKeyHash, merchant.apiKeyPrefix],
      );
    },
  };
}
