import { randomUUID } from 'node:crypto';
import { claimLeaseMs, type WebhookSettings } from '../config/webhooks';
import {
  attemptDelivery,
  type DeliveryStatus,
  type NotifyDeps,
  type NotifyOutcome,
  recordOutcome,
} from './notify-merchant';
import type { ClaimedWebhookDelivery, WebhookDeliveryOutcome } from './ports/webhooks';

export type RetryWebhooksSettings = NotifyDeps['settings'] &
  Pick<WebhookSettings, 'sweepBatch' | 'sweepPerMerchant'>;

export interface RetryWebhooksDeps extends Omit<NotifyDeps, 'settings'> {
  readonly settings: RetryWebhooksSettings;
}

export type RetryWebhooksResult = Record<DeliveryStatus, number>;

/**
 * One retry sweep: claims the pending deliveries that are due, the longest due first and a bounded number per
 * merchant, so a merchant down for days never holds up the others; sends each once with a fresh signature
 * (recorded before it is sent, which renews the claim) and records what follows (delivered, the next retry
 * with exponential backoff, or `failed` past the give-up age). `workUntil` is when this invocation can no
 * longer run. A delivery another holder took over meanwhile (this sweep could not record in time) is counted
 * in none of the results.
 */
export async function retryWebhooks(deps: RetryWebhooksDeps, workUntil: Date): Promise<RetryWebhooksResult> {
  const holder = randomUUID();
  const now = deps.clock();
  const claimed = await deps.deliveries.claimDue(
    now,
    { holder, until: new Date(now.getTime() + claimLeaseMs(deps.settings)) },
    { limit: deps.settings.sweepBatch, perMerchant: deps.settings.sweepPerMerchant },
  );
  const outcomes = await Promise.all(claimed.map((delivery) => retryOne(deps, delivery, holder, workUntil)));
  const result: RetryWebhooksResult = { delivered: 0, pending: 0, failed: 0 };
  for (const status of outcomes) if (status !== 'taken_over') result[status]++;
  return result;
}

async function retryOne(
  deps: RetryWebhooksDeps,
  delivery: ClaimedWebhookDelivery,
  holder: string,
  workUntil: Date,
): Promise<DeliveryStatus | Extract<NotifyOutcome, 'taken_over'>> {
  const endpoint = await deps.deliveries.endpointOf(delivery.merchantId);
  const outcome: WebhookDeliveryOutcome | 'taken_over' = endpoint
    ? await attemptDelivery(deps, delivery, endpoint, {
        holder,
        workUntil,
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
  if (outcome === 'taken_over') return outcome;
  return (await recordOutcome(deps, delivery.eventId, holder, outcome, workUntil))
    ? outcome.status
    : 'taken_over';
}
