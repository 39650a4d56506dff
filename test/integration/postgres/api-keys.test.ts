import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresApiKeyDirectory, postgresApiKeys } from '../../../lambdas/core/adapters/postgres/api-keys';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { DATABASE_ROLES } from '../../../lambdas/core/config/database-roles';
import { generateApiKey, hashApiKey } from '../../../lambdas/core/domain/api-key';
import {
  authenticateApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rollApiKey,
  storedFormOf,
} from '../../../lambdas/core/use-cases/api-keys';
import { LastFullAccessKeyError } from '../../../lambdas/core/use-cases/errors';
import { createTestMerchant, migration, testDatabase, withRolledBackPool } from '../../support/database';
import { localEndpoints } from '../../support/local-stack';

const db = testDatabase();
const API_KEYS = migration('0023_api_keys.sql');
const bearer = (key: string) => `Bearer ${key}`;

/** A merchant as the schema before 0023 held it: one key per mode, in the merchants table's own columns. */
async function merchantBefore(pool: pg.Pool, id: string): Promise<{ test: string; live: string }> {
  const keys = { test: generateApiKey('test'), live: generateApiKey('live') };
  const test = storedFormOf(keys.test, 'full');
  const live = storedFormOf(keys.live, 'full');
  await pool.query(
    `INSERT INTO merchants (id, name, test_api_key_hash, test_api_key_prefix, live_api_key_hash, live_api_key_prefix)
     VALUES ($1, $1, $2, $3, $4, $5)`,
    [id, test.hash, test.prefix, live.hash, live.prefix],
  );
  return keys;
}

/** A pool that logs in as the onboarding role, as create-merchant does (through the local RDS Proxy). */
function onboardingPool(): pg.Pool {
  const url = localEndpoints().functionRoleDatabaseUrls[DATABASE_ROLES.onboarding.name];
  if (!url) throw new Error('the local stack has no database URL for the onboarding role');
  const pool = createPool(url, { max: 1 });
  afterAll(() => pool.end());
  return pool;
}
const onboarding = onboardingPool();

/** The lookup the authorizer of the release before 0023 runs: it must keep working while a deployment rolls. */
async function previousReleaseFinds(pool: pg.Pool, key: string): Promise<boolean> {
  const { rows } = await pool.query(
    'SELECT id FROM merchants WHERE (test_api_key_hash = $1 OR live_api_key_hash = $1) AND disabled_at IS NULL',
    [hashApiKey(key)],
  );
  return rows.length === 1;
}

describe('the migration that makes API keys objects', () => {
  // Down to the schema before it, data as that schema held it, then up again: one transaction, rolled back.
  it("carries today's keys over: each works with the new authorizer and still with the old one", () =>
    withRolledBackPool(db, async (pool) => {
      await pool.query(API_KEYS.down);
      const keys = await merchantBefore(pool, 'mer_before_0023');

      await pool.query(API_KEYS.up);

      const directory = postgresApiKeyDirectory(pool);
      for (const [mode, key] of Object.entries(keys)) {
        expect(await authenticateApiKey(directory, bearer(key))).toMatchObject({
          merchantId: 'mer_before_0023',
          mode,
          access: 'full',
        });
        expect(await previousReleaseFinds(pool, key)).toBe(true);
      }
    }));

  it("carries the keys of a merchant that the previous release's create-merchant registers after it", async () => {
    // As that release's function writes it: its role, which may insert into api_keys but not read it.
    const id = `mer_rollout_${randomUUID().slice(0, 8)}`;
    const keys = await merchantBefore(onboarding, id);
    expect(await authenticateApiKey(postgresApiKeyDirectory(db), bearer(keys.live))).toMatchObject({
      merchantId: id,
      mode: 'live',
    });
  });

  it('gives back, on the way down, the usable full-access key of each mode to the old columns', () =>
    withRolledBackPool(db, async (pool) => {
      const merchant = await createTestMerchant(pool);
      const scope = { merchantId: merchant.id, mode: 'test' as const };
      const created = await createApiKey(postgresApiKeys(pool), scope, 'full');
      await revokeApiKey(postgresApiKeys(pool), scope, await keyIdOf(pool, merchant.apiKey));

      await pool.query(API_KEYS.down);

      expect(await previousReleaseFinds(pool, created.secret)).toBe(true);
      expect(await previousReleaseFinds(pool, merchant.liveApiKey)).toBe(true);
      expect(await previousReleaseFinds(pool, merchant.apiKey)).toBe(false);
    }));
});

async function keyIdOf(pool: pg.Pool, key: string): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM api_keys WHERE key_hash = $1', [
    hashApiKey(key),
  ]);
  return rows[0]?.id as string;
}

describe('API keys in PostgreSQL', () => {
  it('finds a usable key, notes its use once an hour at most, and not a revoked one', () =>
    withRolledBackPool(db, async (pool) => {
      const merchant = await createTestMerchant(pool);
      const directory = postgresApiKeyDirectory(pool);
      const keyId = await keyIdOf(pool, merchant.apiKey);
      const lastUsed = async () =>
        (await pool.query('SELECT last_used_at FROM api_keys WHERE id = $1', [keyId])).rows[0]?.last_used_at;

      const usedAgo = (interval: string) =>
        pool.query(`UPDATE api_keys SET last_used_at = now() - $2::interval WHERE id = $1`, [
          keyId,
          interval,
        ]);

      expect(await lastUsed()).toBeNull();
      await authenticateApiKey(directory, bearer(merchant.apiKey));
      expect(await lastUsed()).toBeInstanceOf(Date);
      // Used 30 minutes ago: not written again; 2 hours ago: written.
      await usedAgo('30 minutes');
      const halfAnHourAgo = await lastUsed();
      await authenticateApiKey(directory, bearer(merchant.apiKey));
      expect(await lastUsed()).toEqual(halfAnHourAgo);
      await usedAgo('2 hours');
      const twoHoursAgo = await lastUsed();
      await authenticateApiKey(directory, bearer(merchant.apiKey));
      expect((await lastUsed()).getTime()).toBeGreaterThan(twoHoursAgo.getTime());

      // A merchant keeps a full-access key per mode: a second one lets the first be revoked.
      await createApiKey(postgresApiKeys(pool), { merchantId: merchant.id, mode: 'test' }, 'full');
      await revokeApiKey(postgresApiKeys(pool), { merchantId: merchant.id, mode: 'test' }, keyId);
      expect(await authenticateApiKey(directory, bearer(merchant.apiKey))).toBeUndefined();
    }));

  it("refuses to revoke the mode's last usable full-access key, and revokes it once another exists", () =>
    withRolledBackPool(db, async (pool) => {
      const merchant = await createTestMerchant(pool);
      const keys = postgresApiKeys(pool);
      const scope = { merchantId: merchant.id, mode: 'live' as const };
      const keyId = await keyIdOf(pool, merchant.liveApiKey);
      const readOnly = await createApiKey(keys, scope, 'read');

      // A read-only key does not count: it cannot manage keys.
      await expect(revokeApiKey(keys, scope, keyId)).rejects.toBeInstanceOf(LastFullAccessKeyError);
      await revokeApiKey(keys, scope, readOnly.key.id);
      await createApiKey(keys, scope, 'full');
      expect((await revokeApiKey(keys, scope, keyId)).revokedAt).toBeInstanceOf(Date);
    }));

  it('rolls a key: the old one expires when asked, beside a new one of the same access', () =>
    withRolledBackPool(db, async (pool) => {
      const merchant = await createTestMerchant(pool);
      const keys = postgresApiKeys(pool);
      const scope = { merchantId: merchant.id, mode: 'test' as const };
      const readOnly = await createApiKey(keys, scope, 'read');
      const now = new Date();

      const rolled = await rollApiKey(keys, scope, readOnly.key.id, 3600, () => now);

      expect(rolled.secret).toMatch(/^rk_test_/);
      expect(rolled.rolled.expiresAt?.getTime()).toBe(now.getTime() + 3600 * 1000);
      const listed = await listApiKeys(keys, scope, { limit: 10 });
      // (Created in one transaction, as here, keys share a creation time: the order between them is by id.)
      expect(listed.keys.map((key) => key.id)).toEqual(
        expect.arrayContaining([rolled.key.id, readOnly.key.id]),
      );
      // The rolled key still authenticates until its expiry.
      expect(await authenticateApiKey(postgresApiKeyDirectory(pool), bearer(readOnly.secret))).toMatchObject({
        access: 'read',
        expiresAt: rolled.rolled.expiresAt,
      });
    }));

  it('answers no key of another merchant or of the other mode', () =>
    withRolledBackPool(db, async (pool) => {
      const merchant = await createTestMerchant(pool);
      const other = await createTestMerchant(pool);
      const keys = postgresApiKeys(pool);
      const keyId = await keyIdOf(pool, merchant.apiKey);

      expect(await keys.find({ merchantId: other.id, mode: 'test' }, keyId)).toBeUndefined();
      expect(await keys.find({ merchantId: merchant.id, mode: 'live' }, keyId)).toBeUndefined();
      expect(await keys.revoke({ merchantId: other.id, mode: 'test' }, keyId)).toBeUndefined();
    }));
});
