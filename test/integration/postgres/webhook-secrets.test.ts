import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresMerchantRegistry } from '../../../lambdas/core/adapters/postgres/merchants';
import { postgresWebhookDeliveries } from '../../../lambdas/core/adapters/postgres/webhook-deliveries';
import { signWebhook, verifyWebhookSignature } from '../../../lambdas/core/domain/webhook-signature';
import { registerMerchant } from '../../../lambdas/core/use-cases/register-merchant';
import { sealPlainWebhookSecrets } from '../../../lambdas/core/use-cases/seal-webhook-secrets';
import { expectRejected, inRolledBackTransaction, testDatabase, testSecretBox } from '../../support/database';
import { localEndpoints } from '../../support/local-stack';

const db = testDatabase();
const sinkHost = new URL(localEndpoints().webhookSinkUrl).host;

const merchantRow = (client: pg.ClientBase, id: string) =>
  client.query<{ row: string; webhook_secret: string | null; webhook_secret_sealed: string | null }>(
    'SELECT row_to_json(m)::text AS row, webhook_secret, webhook_secret_sealed FROM merchants m WHERE id = $1',
    [id],
  );

describe('webhook secrets at rest', () => {
  it('are stored sealed only when a merchant registers, and open to a secret whose signatures verify', async () => {
    await inRolledBackTransaction(db, async (client) => {
      const pool = client as unknown as pg.Pool;
      const registered = await registerMerchant(postgresMerchantRegistry(pool), 'Sealed Shop', {
        url: `http://${sinkHost}/hooks/sealed-shop`,
        sealer: testSecretBox(),
        allowedHosts: new Set([sinkHost]),
      });
      const secret = registered.webhookSecret!;
      const { rows } = await merchantRow(client, registered.merchantId);
      expect(rows[0]!.webhook_secret).toBeNull();
      expect(rows[0]!.row).not.toContain(secret);

      const endpoint = await postgresWebhookDeliveries(pool, testSecretBox()).endpointOf(
        registered.merchantId,
      );
      const rawBody = '{"id":"evt_1"}';
      const header = signWebhook(endpoint!.secret, rawBody, new Date());
      expect(verifyWebhookSignature({ header, rawBody, secret })).toBe(true);
    });
  });

  it('from before sealing are still read, until the backfill seals them and clears the plain copy', async () => {
    await inRolledBackTransaction(db, async (client) => {
      const pool = client as unknown as pg.Pool;
      const id = `mer_plain_${randomUUID().slice(0, 8)}`;
      const secret = `whsec_${randomUUID()}`;
      await client.query(
        `INSERT INTO merchants (id, name, test_api_key_hash, test_api_key_prefix, webhook_url, webhook_secret)
         VALUES ($1, 'Plain Shop', $2, 'sk_test_xxxx', 'https://hooks.example.com/plain', $3)`,
        [id, randomUUID(), secret],
      );
      const deliveries = postgresWebhookDeliveries(pool, testSecretBox());
      expect((await deliveries.endpointOf(id))?.secret).toBe(secret);

      expect(
        await sealPlainWebhookSecrets(postgresMerchantRegistry(pool), testSecretBox()),
      ).toBeGreaterThanOrEqual(1);
      const { rows } = await merchantRow(client, id);
      expect(rows[0]).toMatchObject({ webhook_secret: null, webhook_secret_sealed: expect.any(String) });
      expect(rows[0]!.row).not.toContain(secret);
      expect((await deliveries.endpointOf(id))?.secret).toBe(secret);
      expect(await sealPlainWebhookSecrets(postgresMerchantRegistry(pool), testSecretBox())).toBe(0);
    });
  });

  it('are kept in one form at a time: a plain copy beside a sealed one is refused', async () => {
    await inRolledBackTransaction(db, async (client) => {
      await expectRejected(
        client,
        `INSERT INTO merchants (id, name, test_api_key_hash, test_api_key_prefix, webhook_secret, webhook_secret_sealed)
         VALUES ('mer_both', 'Both', 'h', 'sk_test_p', 'plain', 'v1.local.a.b.c')`,
        [],
        /merchants_webhook_secret_in_one_form/,
      );
    });
  });
});
