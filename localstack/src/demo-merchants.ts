import pg from 'pg';
import { localSecretBox } from '../../lambdas/core/adapters/secrets/envelope';
import { storedFormOf } from '../../lambdas/core/use-cases/api-keys';

/**
 * Two demo merchants, so the demo and the tests can check tenant isolation. Each has a key per mode, fixed
 * for the local stack only (its live bank is the simulator too); AWS merchants get random keys.
 */
export const DEMO_MERCHANTS = [
  {
    id: 'mer_demo_acme',
    name: 'Acme Books (demo)',
    apiKey: 'sk_test_demo_acme_4f9c2e7b1d6a8035c2e1f4b7a9d0c3e6',
    liveApiKey: 'sk_live_demo_acme_7c1e9a3f5b2d8046e1c3a5f7b9d2e4a6',
    webhookSecret: 'whsec_demo_acme_0b1c2d3e4f5a6b7c8d9e',
  },
  {
    id: 'mer_demo_globex',
    name: 'Globex Travel (demo)',
    apiKey: 'sk_test_demo_globex_8b3d5f1a7c9e2046d8b1a3f5c7e9024b',
    liveApiKey: 'sk_live_demo_globex_2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e0b',
    webhookSecret: 'whsec_demo_globex_9e8d7c6b5a4f3e2d1c0b',
  },
] as const;

/** Registers the demo merchants, their webhook endpoints on the local sink included, secrets sealed. */
export async function seedDemoMerchants(endpoints: {
  databaseUrl: string;
  webhookSinkUrl: string;
  webhookSecretsKeyFile: string;
}): Promise<void> {
  const secrets = localSecretBox(endpoints.webhookSecretsKeyFile);
  const client = new pg.Client({ connectionString: endpoints.databaseUrl });
  await client.connect();
  try {
    for (const merchant of DEMO_MERCHANTS) {
      await client.query(
        `INSERT INTO merchants (id, name, webhook_url, webhook_secret_sealed) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET webhook_url = EXCLUDED.webhook_url,
           webhook_secret_sealed = EXCLUDED.webhook_secret_sealed, webhook_secret = NULL`,
        [
          merchant.id,
          merchant.name,
          `${endpoints.webhookSinkUrl}/hooks/${merchant.id}`,
          await secrets.seal(merchant.webhookSecret, merchant.id),
        ],
      );
      // The demo keys are fixed, and usable again after every start (a demo may have rolled or revoked them).
      for (const [mode, secret] of [
        ['test', merchant.apiKey],
        ['live', merchant.liveApiKey],
      ] as const) {
        const stored = storedFormOf(secret, 'full');
        await client.query(
          `INSERT INTO api_keys (id, merchant_id, mode, access, key_hash, key_prefix)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (key_hash) DO UPDATE SET expires_at = NULL, revoked_at = NULL`,
          [stored.id, merchant.id, mode, stored.access, stored.hash, stored.prefix],
        );
      }
    }
  } finally {
    await client.end();
  }
}
