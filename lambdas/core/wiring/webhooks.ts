import { secretOpener } from '../adapters/secrets/secret-opener';
import { httpWebhookSender } from '../adapters/webhooks/http-sender';
import { webhookSettings } from '../config/webhooks';
import { systemClock } from '../use-cases/ports/clock';

/**
 * The webhook settings, the opener of merchants' signing secrets and the sender: built once per container,
 * at module load (like the Powertools singletons in observability.ts), for every invocation to share.
 */
export function webhookWiring() {
  const settings = webhookSettings();
  return {
    settings,
    secrets: secretOpener(),
    // https only: a merchant's one endpoint receives both modes' notices, live ones among them.
    sender: httpWebhookSender({ ...settings, requireHttps: true }),
    clock: systemClock,
  };
}
