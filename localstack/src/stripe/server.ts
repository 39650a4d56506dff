/**
 * Runs the Stripe simulator on ASPAY_STRIPE_SIMULATOR_PORT, sending its signed events to
 * ASPAY_STRIPE_SIMULATOR_WEBHOOK_URL with ASPAY_STRIPE_SIMULATOR_WEBHOOK_SECRET (both or neither), answering
 * after ASPAY_STRIPE_SIMULATOR_LATENCY_MS and deciding later after ASPAY_STRIPE_SIMULATOR_LATER_MS.
 */

import { parseLatency } from '../../../lambdas/core/config/sandbox-bank';
import { LOCAL_STACK_ENV, localPorts } from '../settings';
import { serve } from '../support/serve';
import { createStripeSimulator } from './stripe-simulator';

const env = process.env;
const url = env[LOCAL_STACK_ENV.stripeSimulatorWebhookUrl];
const secret = env[LOCAL_STACK_ENV.stripeSimulatorWebhookSecret];
if (Boolean(url) !== Boolean(secret)) {
  console.error(
    `${LOCAL_STACK_ENV.stripeSimulatorWebhookUrl} and ${LOCAL_STACK_ENV.stripeSimulatorWebhookSecret} go together`,
  );
  process.exit(1);
}
const laterRaw = env[LOCAL_STACK_ENV.stripeSimulatorLaterMs];
const laterMs = laterRaw === 'never' ? null : laterRaw ? Number(laterRaw) : undefined;
if (laterMs !== undefined && laterMs !== null && !(Number.isInteger(laterMs) && laterMs >= 0)) {
  console.error(
    `${LOCAL_STACK_ENV.stripeSimulatorLaterMs} must be a whole number of ms or "never", got "${laterRaw}"`,
  );
  process.exit(1);
}

let latency: ReturnType<typeof parseLatency>;
try {
  latency = parseLatency(env[LOCAL_STACK_ENV.stripeSimulatorLatencyMs] || '0');
} catch {
  console.error(`${LOCAL_STACK_ENV.stripeSimulatorLatencyMs} must be "<ms>" or "<min>-<max>"`);
  process.exit(1);
}

serve(
  createStripeSimulator({
    webhook: url && secret ? { url, secret } : undefined,
    latency,
    laterMs,
  }).server,
  localPorts().stripeSimulator,
  'stripe simulator',
);
