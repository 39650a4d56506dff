import { describe, expect, it } from 'vitest';
import { postgresApiKeyDirectory } from '../../lambdas/core/adapters/postgres/api-keys';
import { hashApiKey } from '../../lambdas/core/domain/api-key';
import { callApi, validPayment } from '../support/api-client';
import { createTestMerchant, testDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { aspayJson } from '../support/run-script';

const db = testDatabase();

describe('merchant administration (npx aspay merchants)', () => {
  it('disables a merchant: its keys answer 401, and enabling lets them in again', async () => {
    const merchant = await createTestMerchant(db);
    const directory = postgresApiKeyDirectory(db);

    const disabled = await aspayJson('merchants', 'disable', merchant.id);
    expect(disabled.code).toBe(0);
    expect(disabled.json).toMatchObject({ id: merchant.id, disabledAt: expect.any(String) });
    // Saying it again keeps the time it was disabled.
    expect((await aspayJson('merchants', 'disable', merchant.id)).json.disabledAt).toBe(
      disabled.json.disabledAt,
    );
    // Its key was never used, so no authorization of it is cached: the API refuses it at once.
    const refused = await callApi('/v1/payments', { apiKey: merchant.apiKey });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await directory.findUsable(hashApiKey(merchant.liveApiKey))).toBeUndefined();

    const listed = await aspayJson('merchants', 'list');
    expect(listed.json).toContainEqual(
      expect.objectContaining({ id: merchant.id, disabledAt: disabled.json.disabledAt }),
    );
    const enabled = await aspayJson('merchants', 'enable', merchant.id);
    expect(enabled.json).toMatchObject({ id: merchant.id, disabledAt: null });
    expect(await directory.findUsable(hashApiKey(merchant.apiKey))).toMatchObject({
      merchantId: merchant.id,
      mode: 'test',
      access: 'full',
    });
  });

  it('lets the payments a merchant made before it was disabled finish', async () => {
    const merchant = await createTestMerchant(db);
    const created = await callApi('/v1/payments', { apiKey: merchant.apiKey, body: validPayment() });
    expect(created.status).toBe(202);
    await aspayJson('merchants', 'disable', merchant.id);

    const settled = await eventually(
      () => db.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [created.body.id]),
      (result) => result.rows[0]?.status === 'SUCCESS',
    );
    expect(settled.rows[0]?.status).toBe('SUCCESS');
    const shown = await aspayJson('merchants', 'show', merchant.id);
    expect(shown.json).toMatchObject({
      id: merchant.id,
      payments: [{ mode: 'test', status: 'SUCCESS', count: 1 }],
    });
  });

  it('refuses an unknown merchant with a one-line usage error', async () => {
    for (const action of ['show', 'disable', 'enable']) {
      const answer = await aspayJson('merchants', action, 'mer_nobody');
      expect(answer.code).toBe(2);
      expect(answer.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
