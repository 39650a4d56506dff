import type { WebhookSettings } from '../config/webhooks';
import { attemptDelivery, type DeliveryStatus, type NotifyDeps, recordOutcome } from './notify-merchant';
import type { ClaimedWebhookDelivery, WebhookDeliveryOutcome } from './ports/webhooks';

export type RetryWebhooksSettings = NotifyDeps['settings'] &
  Pick<WebhookSettings, 'sweepBatch' | 'sweepPerMerchant'>;

export interface RetryWebhooksDeps extends Omit<NotifyDeps, 'settings'> {
  readonly settings: RetryWebhooksSettings;
}

export type RetryWebhooksResult = Record<DeliveryStatus, number>;

/**
 * One retry sweep: claims the pending deliveries that are due until `claimedUntil` (when this invocation can
 * no longer run), the longest due first and a bounded number per merchant, so a merchant down for days never
 * holds up the others; sends each once with a fresh signature and records what follows (delivered, the next
 * retry with exponential backoff, or `failed` past the give-up age).
 */
export async function retryWebhooks(
  deps: RetryWebhooksDeps,
  claimedUntil: Date,
): Promise<RetryWebhooksResult> {
  const claimed = await deps.deliveries.claimDue(deps.clock(), claimedUntil, {
    limit: deps.settings.sweepBatch,
    perMerchant: deps.settings.sweepPerMerchant,
  });
  const outcomes = await Promise.all(claimed.map((delivery) => retryOne(deps, delivery, claimedUntil)));
  const result: RetryWebhooksResult = { delivered: 0, pending: 0, failed: 0 };
  for (const status of outcomes) result[status]++;
  return result;
}

async function retryOne(
  deps: RetryWebhooksDeps,
  delivery: ClaimedWebhookDelivery,
  claimedUntil: Date,
): Promise<DeliveryStatus> {
  const endpoint = await deps.deliveries.endpointOf(delivery.merchantId);
  const outcome: WebhookDeliveryOutcome = endpoint
    ? await attemptDelivery(deps, delivery, endpoint, {
        tries: 1,
        attemptsBefore: delivery.attempts,
        firstAttemptAt: delivery.createdAt,
      })
    : {
        status: 'failed',
        url: delivery.url,
        attempts: 0,
        unanswered: 0,
        responseStatus: null,
        lastError: 'the merchant no longer has a webhook endpoint',
        attemptedAt: deps.clock(),
      };
  await recordOutcome(deps, delivery.eventId, outcome, claimedUntil);
  return outcome.status;
}
