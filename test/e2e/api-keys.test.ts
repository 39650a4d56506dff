import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../lambdas/core/domain/api-key';
import { LOCAL_STACK_ENV } from '../../localstack/src/settings';
import { TEST_TIMINGS } from '../../localstack/src/test-timings';
import { type ApiResult, callApi, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { aspayJson } from '../support/run-script';

const db = testDatabase();
const PROBLEM = 'application/problem+json';
/** How long the local gateway keeps an authorizer answer under the test timings (AWS: 60 s). */
const GATEWAY_CACHE_MS = Number(TEST_TIMINGS[LOCAL_STACK_ENV.authorizerCacheSeconds]) * 1000;

function expectProblem(response: ApiResult, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM);
  expect(response.body.code).toBe(code);
}

async function keyIdOf(key: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM api_keys WHERE key_hash = $1', [
    hashApiKey(key),
  ]);
  return rows[0]?.id as string;
}

async function paymentCountOf(merchantId: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM payments WHERE merchant_id = $1',
    [merchantId],
  );
  return rows[0]?.count ?? -1;
}

/** Polls `GET /v1/balance` with `key` until it answers 401; how long that took, from `since`. */
async function msUntilRefused(key: string, since: number, limitMs: number): Promise<number> {
  while (Date.now() - since < limitMs) {
    if ((await callApi('/v1/balance', { apiKey: key })).status === 401) return Date.now() - since;
    await sleep(100);
  }
  throw new Error(`the key was still accepted ${limitMs} ms later`);
}

describe('API keys (/v1/api_keys)', () => {
  it('a read-only key reads, and gets 403 on every POST and on key management, changing nothing', async () => {
    const merchant = await createTestMerchant(db);
    const created = await callApi('/v1/api_keys', { apiKey: merchant.apiKey, body: { access: 'read' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'api_key',
      access: 'read',
      livemode: false,
      status: 'active',
    });
    const readOnly: string = created.body.secret;
    expect(readOnly).toMatch(/^rk_test_/);

    expect((await callApi('/v1/payments', { apiKey: readOnly })).status).toBe(200);
    expect((await callApi('/v1/balance', { apiKey: readOnly })).status).toBe(200);
    expectProblem(
      await callApi('/v1/payments', { apiKey: readOnly, body: validPayment() }),
      403,
      'permission_denied',
    );
    const paid = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    expectProblem(
      await callApi(`/v1/payments/${paid.body.id}/refunds`, { apiKey: readOnly, body: {} }),
      403,
      'permission_denied',
    );
    expectProblem(await callApi('/v1/api_keys', { apiKey: readOnly, body: {} }), 403, 'permission_denied');
    expectProblem(await callApi('/v1/api_keys', { apiKey: readOnly }), 403, 'permission_denied');
    expect(await paymentCountOf(merchant.id)).toBe(1);
  });

  it('a rolled key works until the expiry the merchant picked, to the second, and then answers 401', async () => {
    const merchant = await createTestMerchant(db);
    const keyId = await keyIdOf(merchant.apiKey);
    // Used first, so the gateway holds an Allow for it from before the roll. An overlap longer than the
    // gateway's cache time sees that answer replaced by one that carries the expiry, which the handlers check.
    expect((await callApi('/v1/balance', { apiKey: merchant.apiKey })).status).toBe(200);

    const rolled = await callApi(`/v1/api_keys/${keyId}/roll`, {
      apiKey: merchant.apiKey,
      body: { expiresInSeconds: GATEWAY_CACHE_MS / 1000 + 3 },
    });
    expect(rolled.status).toBe(201);
    expect(rolled.body.secret).toMatch(/^sk_test_/);
    expect(rolled.body.rolled).toMatchObject({ id: keyId, status: 'active', expiresAt: expect.any(String) });
    const expiresAt = Date.parse(rolled.body.rolled.expiresAt);

    expect((await callApi('/v1/balance', { apiKey: merchant.apiKey })).status).toBe(200);
    expect((await callApi('/v1/balance', { apiKey: rolled.body.secret })).status).toBe(200);
    // Polled from now until it is refused: never before its expiry, and within a second of it.
    const refusedAfterExpiry = await msUntilRefused(merchant.apiKey, expiresAt, 2_000);
    expect(refusedAfterExpiry).toBeGreaterThanOrEqual(0);
    expect(refusedAfterExpiry).toBeLessThan(1_000);
    expect((await callApi('/v1/balance', { apiKey: rolled.body.secret })).status).toBe(200);

    const listed = await callApi('/v1/api_keys', { apiKey: rolled.body.secret });
    expect(listed.body.data.map((key: { id: string; status: string }) => [key.id, key.status])).toEqual([
      [rolled.body.id, 'active'],
      [keyId, 'expired'],
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(rolled.body.secret);
  });

  it('a revoked key answers 401 within the authorizer cache time, measured', async () => {
    const merchant = await createTestMerchant(db);
    const second = await callApi('/v1/api_keys', { apiKey: merchant.apiKey, body: {} });
    expect((await callApi('/v1/balance', { apiKey: second.body.secret })).status).toBe(200);

    const revokedAt = Date.now();
    const revoked = await callApi(`/v1/api_keys/${second.body.id}/revoke`, {
      apiKey: merchant.apiKey,
      body: {},
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({
      id: second.body.id,
      status: 'revoked',
      revokedAt: expect.any(String),
    });

    const refusedAfter = await msUntilRefused(second.body.secret, revokedAt, GATEWAY_CACHE_MS + 2_000);
    console.info(
      `revoked key refused ${refusedAfter} ms after the revoke (gateway cache ${GATEWAY_CACHE_MS} ms)`,
    );
    expect(refusedAfter).toBeLessThanOrEqual(GATEWAY_CACHE_MS + 1_000);
    expect((await callApi('/v1/balance', { apiKey: merchant.apiKey })).status).toBe(200);
  });

  it("refuses to revoke the mode's last full-access key with 409, and another merchant's key with 404", async () => {
    const merchant = await createTestMerchant(db);
    const other = await createTestMerchant(db);
    const keyId = await keyIdOf(merchant.apiKey);

    expectProblem(
      await callApi(`/v1/api_keys/${keyId}/revoke`, { apiKey: merchant.apiKey, body: {} }),
      409,
      'last_full_access_key',
    );
    expectProblem(
      await callApi(`/v1/api_keys/${keyId}/revoke`, { apiKey: other.apiKey, body: {} }),
      404,
      'not_found',
    );
    expectProblem(
      await callApi(`/v1/api_keys/${keyId}/roll`, { apiKey: merchant.liveApiKey, body: {} }),
      404,
      'not_found',
    );
    expect((await callApi('/v1/balance', { apiKey: merchant.apiKey })).status).toBe(200);
  });

  it('shows a new key once: a replay of its creation answers the same key without it', async () => {
    const merchant = await createTestMerchant(db);
    const idempotencyKey = `create-key-${merchant.id}`;
    const first = await callApi('/v1/api_keys', { apiKey: merchant.apiKey, body: {}, idempotencyKey });
    const replay = await callApi('/v1/api_keys', { apiKey: merchant.apiKey, body: {}, idempotencyKey });

    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^sk_test_/);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.body.secret).toBeUndefined();
  });

  it('rejects an expiry longer than 7 days, and changes nothing', async () => {
    const merchant = await createTestMerchant(db);
    const keyId = await keyIdOf(merchant.apiKey);
    const refused = await callApi(`/v1/api_keys/${keyId}/roll`, {
      apiKey: merchant.apiKey,
      body: { expiresInSeconds: 8 * 24 * 3600 },
    });
    expectProblem(refused, 400, 'validation_error');
    const { rows } = await db.query('SELECT count(*)::int AS count FROM api_keys WHERE merchant_id = $1', [
      merchant.id,
    ]);
    expect(rows[0]?.count).toBe(2);
  });
});

describe('API keys for operators (npx aspay keys)', () => {
  it('lists, creates, rolls and revokes a merchant key; each secret printed once', async () => {
    const merchant = await createTestMerchant(db);

    const listed = await aspayJson('keys', 'list', '--merchant', merchant.id);
    expect(listed.code).toBe(0);
    expect(
      listed.json.map((key: { access: string; livemode: boolean }) => [key.access, key.livemode]).sort(),
    ).toEqual([
      ['full', false],
      ['full', true],
    ]);

    const created = await aspayJson(
      'keys',
      'create',
      '--merchant',
      merchant.id,
      '--mode',
      'live',
      '--read-only',
    );
    expect(created.json.secret).toMatch(/^rk_live_/);
    expect((await callApi('/v1/payments', { apiKey: created.json.secret })).status).toBe(200);

    // Never used, so nothing of it is cached: the roll stops the old key at once.
    const rolled = await aspayJson('keys', 'roll', await keyIdOf(merchant.liveApiKey), '--expires-in', '0');
    expect(rolled.code).toBe(0);
    expect(rolled.json.secret).toMatch(/^sk_live_/);
    expect((await callApi('/v1/balance', { apiKey: merchant.liveApiKey })).status).toBe(401);
    expect((await callApi('/v1/balance', { apiKey: rolled.json.secret })).status).toBe(200);

    const revoked = await aspayJson('keys', 'revoke', created.json.id);
    expect(revoked.json).toMatchObject({ id: created.json.id, status: 'revoked' });
    const last = await aspayJson('keys', 'revoke', rolled.json.id);
    expect(last.code).toBe(1);
    expect(last.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a malformed or unknown key id and a bad expiry with a one-line usage error', async () => {
    const merchant = await createTestMerchant(db);
    for (const args of [
      ['keys', 'roll', 'not-an-id'],
      ['keys', 'revoke', '00000000-0000-4000-8000-000000000000'],
      ['keys', 'roll', await keyIdOf(merchant.apiKey), '--expires-in', '-1'],
      ['keys', 'create', '--merchant', merchant.id, '--mode', 'prod'],
      ['keys', 'list'],
    ]) {
      const answer = await aspayJson(...args);
      expect(answer.code, args.join(' ')).toBe(2);
      expect(answer.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
