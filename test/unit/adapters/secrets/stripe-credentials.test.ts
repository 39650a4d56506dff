import { describe, expect, it } from 'vitest';
import { stripeCredentials } from '../../../../lambdas/core/adapters/secrets/stripe-credentials';
import { ConfigurationError } from '../../../../lambdas/core/config/errors';

// Each test reads a mode the cache has not seen, or a failed read (which is never cached).
describe('stripeCredentials (local variables)', () => {
  it('refuses a mode whose key or webhook secret is missing, naming the variables to set', async () => {
    await expect(stripeCredentials('live', { ASPAY_STRIPE_LIVE_SECRET_KEY: 'sk_live_abc' })).rejects.toThrow(
      /ASPAY_STRIPE_LIVE_SECRET_KEY and ASPAY_STRIPE_LIVE_WEBHOOK_SECRET/,
    );
  });

  it('refuses a live key for test mode, so a test payment can never reach a live account', async () => {
    const read = stripeCredentials('test', {
      ASPAY_STRIPE_TEST_SECRET_KEY: 'sk_live_abc',
      ASPAY_STRIPE_TEST_WEBHOOK_SECRET: 'whsec_abc',
    });
    await expect(read).rejects.toBeInstanceOf(ConfigurationError);
    await expect(read).rejects.toThrow(/must start with sk_test_ or rk_test_/);
  });

  it('reads the key, the webhook secret and the API URL of the mode, once', async () => {
    const env = {
      ASPAY_STRIPE_TEST_SECRET_KEY: 'sk_test_abc',
      ASPAY_STRIPE_TEST_WEBHOOK_SECRET: 'whsec_abc',
      ASPAY_STRIPE_TEST_API_URL: 'http://127.0.0.1:3300',
    };
    const first = await stripeCredentials('test', env);
    expect(first).toEqual({
      secretKey: 'sk_test_abc',
      webhookSecret: 'whsec_abc',
      apiUrl: 'http://127.0.0.1:3300',
    });
    expect(await stripeCredentials('test', {})).toBe(first);
  });
});
