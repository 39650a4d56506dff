import type pg from 'pg';
import type { Mode } from '../../domain/mode';
import type { MerchantDirectory, MerchantRegistry } from '../../use-cases/ports';

export function postgresMerchantDirectory(pool: pg.Pool): MerchantDirectory {
  return {
    async findByApiKeyHash(apiKeyHash) {
      // The column the hash is found in is the key's stored mode.
      const { rows } = await pool.query<{ id: string; mode: Mode }>(
        `SELECT id, CASE WHEN live_api_key_hash = $1 THEN 'live' ELSE 'test' END AS mode
         FROM merchants WHERE test_api_key_hash = $1 OR live_api_key_hash = $1`,
        [apiKeyHash],
      );
      return rows[0];
    },
  };
}

export function postgresMerchantRegistry(pool: pg.Pool): MerchantRegistry {
  return {
    async create({ id, name, apiKeys }) {
      await pool.query(
        `INSERT INTO merchants (id, name, test_api_key_hash, test_api_key_prefix, live_api_key_hash, live_api_key_prefix)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, name, apiKeys.test.hash, apiKeys.test.prefix, apiKeys.live.hash, apiKeys.live.prefix],
      );
    },
  };
}
