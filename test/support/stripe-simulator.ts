import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import { stripeBank } from '../../lambdas/core/adapters/bank/stripe-bank';
import { createStripeSimulator } from '../../localstack/src/stripe/stripe-simulator';
import { testConnectorParts } from './bank-simulator';

/**
 * A Stripe simulator of the test's own on a free port (closed after the file): Stripe's later decisions only
 * when the test asks (`controls.runLater()`), and a `hang` fault withholding its answer for 2 s.
 */
export async function privateStripeSimulator() {
  const simulator = createStripeSimulator({ laterMs: null, hangMs: 2_000 });
  await new Promise<void>((resolve) => simulator.server.listen(0, '127.0.0.1', resolve));
  afterAll(() => simulator.close());
  const { port } = simulator.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, controls: simulator.controls };
}

/** The Stripe connector on the simulator at `url`, with the test timings of testConnectorParts. */
export function testStripeBank(url: string, env: NodeJS.ProcessEnv = {}, secretKey = 'sk_test_aspay') {
  const { settings, breakerState, hooks, alarms } = testConnectorParts(env);
  const credentials = async () => ({ secretKey, webhookSecret: 'whsec_aspay', apiUrl: url });
  return { bank: stripeBank(credentials, settings, breakerState, hooks), alarms };
}
