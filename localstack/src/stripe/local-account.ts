import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ENV } from '../../../lambdas/core/config/environment';
import { STATE_DIR } from '../settings';

/** The signing secret of the local Stripe simulator's webhook endpoint, in the git-ignored local state. */
export const LOCAL_STRIPE_WEBHOOK_SECRET_FILE = join(STATE_DIR, 'secrets', 'stripe-simulator-webhook.secret');

/** The simulator's API key: any `sk_test_` key is accepted by it, and this one is nobody's account. */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_aspay_local_simulator';

/** Where the local Stripe simulator sends test mode's events: ASPay's inbound Stripe route for test mode. */
export const STRIPE_EVENTS_PATH = '/v1/webhooks/stripe/test';

/**
 * The local Stripe account of test mode: the simulator's, unless the user gave a Stripe test key of their own
 * (`ASPAY_STRIPE_TEST_SECRET_KEY` and `ASPAY_STRIPE_TEST_WEBHOOK_SECRET` set when starting the stack), in which
 * case test mode talks to Stripe itself and the simulator is left unused. The simulator's signing secret is
 * generated on first start and kept, like the webhook secrets key.
 */
export function localStripeAccount(
  simulatorUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): { secretKey: string; webhookSecret: string; apiUrl?: string; simulated: boolean } {
  const ownKey = env[ENV.stripeTestSecretKey];
  const ownSecret = env[ENV.stripeTestWebhookSecret];
  if (ownKey && ownSecret) return { secretKey: ownKey, webhookSecret: ownSecret, simulated: false };
  return {
    secretKey: LOCAL_STRIPE_SECRET_KEY,
    webhookSecret: ensureSimulatorWebhookSecret(),
    apiUrl: simulatorUrl,
    simulated: true,
  };
}

function ensureSimulatorWebhookSecret(file = LOCAL_STRIPE_WEBHOOK_SECRET_FILE): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `whsec_${randomBytes(24).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}
