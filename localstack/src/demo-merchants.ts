import pg from 'pg';
import { localSecretBox } from '../../lambdas/core/adapters/secrets/local-key';
import { apiKeyPrefix, hashApiKey } from '../../lambdas/core/domain/api-key';

/**
 * Two demo merchants, so the demo and the tests can check tenant isolation.
 * Their keys are fixed test-mode keys for the local stack only; AWS merchants get random keys.
 */
export const DEMO_MERCHANTS = [
  {
    id: 'mer_demo_acme',
    name: 'Acme Books (demo)',
    apiKey: 'sk_test_demo_acme_4f9c2e7b1d6a8035c2e1f4b7a9d0c3e6',
    webhookSecret: 'whsec_demo_acme_0b1c2d3e4f5a6b7c8d9e',
  },
  {
    id: 'mer_demo_globex',
    name: 'Globex Travel (demo)',
    apiKey: 'sk_test_demo_globex_8b3d5f1a7c9e2046d8b1a3f5c7e9024b',
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
        `INSERT INTO merchants (id, name, api_key_hash, api_key_prefix, webhook_url, webhook_secret_sealed)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET api_key_hash = EXCLUDED.api_key_hash, api_key_prefix = EXCLUDED.api_key_prefix,
           webhook_url = EXCLUDED.webhook_url, webhook_secret_sealed = EXCLUDED.webhook_secret_sealed,
           webhook_secret = NULL`,
        [
          merchant.id,
          merchant.name,
          hashApiKey(merchant.apiKey),
          apiKeyPrefix(merchant.apiKey),
          `${endpoints.webhookSinkUrl}/hooks/${merchant.id}`,
          await secrets.seal(merchant.webhookSecret, merchant.id),
        ],
      );
    }
  } finally {
    await client.end();
  }
}
