import { configuredBanks } from './adapters/bank/configured-bank';
import { secretOpener } from './adapters/secrets/secret-opener';
import { httpWebhookSender } from './adapters/webhooks/http-sender';
import { bankSettings } from './config/bank';
import { webhookSettings } from './config/webhooks';

/**
 * Settings and clients a handler builds once per container, at module load (like the Powertools singletons
 * in observability.ts), for every invocation to share.
 */

const clock = () => new Date();

/** The bank settings and the banks per mode, each behind its breaker. */
export function bankWiring() {
  const settings = bankSettings();
  return { settings, banks: configuredBanks(settings), clock };
}

/** The webhook settings, the opener of merchants' signing secrets and the sender. */
export function webhookWiring() {
  const settings = webhookSettings();
  return {
    settings,
    secrets: secretOpener(),
    // https only: a merchant's one endpoint receives both modes' notices, live ones among them.
    sender: httpWebhookSender({ ...settings, requireHttps: true }),
    clock,
  };
}
