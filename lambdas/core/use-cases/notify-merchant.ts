import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope, EventType } from '../domain/events';
import { SIGNATURE_HEADER, signWebhook } from '../domain/webhook-signature';
import type { Clock } from './payments';
import type { WebhookDeliveries, WebhookSender } from './ports';

/** Receipts on success, alerts on failure, notices on refunds; other events notify nobody. */
export const NOTIFIED_EVENTS: ReadonlySet<EventType> = new Set([
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
]);

export interface NotifyDeps {
  readonly deliveries: WebhookDeliveries;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
}

export type NotifyOutcome = 'delivered' | 'failed' | 'already_handled' | 'no_endpoint' | 'not_notified';

/**
 * Delivers one signed webhook per event. An endpoint that fails is retried with backoff; a delivery that
 * finally fails is recorded as failed (visible, never silently dropped). The delivery record, unique per
 * event, makes a redelivered event a no-op. A failed notification never affects the payment.
 */
export async function notifyMerchant(deps: NotifyDeps, event: EventEnvelope): Promise<NotifyOutcome> {
  if (!NOTIFIED_EVENTS.has(event.type)) return 'not_notified';
  if (await deps.deliveries.alreadyHandled(event.eventId)) return 'already_handled';
  const endpoint = await deps.deliveries.endpointOf(event.merchantId);
  if (!endpoint) return 'no_endpoint';
  const rawBody = JSON.stringify({
    id: event.eventId,
    type: event.type,
    createdAt: event.occurredAt,
    data: { paymentId: event.paymentId, ...event.data },
  });
  let responseStatus: number | null = null;
  let lastError: string | null = null;
  let attempts = 0;
  while (attempts < deps.maxAttempts) {
    attempts++;
    try {
      responseStatus = await deps.sender.send(endpoint.url, rawBody, {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(endpoint.secret, rawBody, deps.clock()),
        'ASPay-Event-Id': event.eventId,
      });
      if (responseStatus >= 200 && responseStatus < 300) {
        lastError = null;
        break;
      }
      lastError = `endpoint answered ${responseStatus}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (attempts < deps.maxAttempts) await sleep(deps.backoffBaseMs * 2 ** (attempts - 1));
  }
  const status = lastError === null ? 'delivered' : 'failed';
  await deps.deliveries.record({
    eventId: event.eventId,
    merchantId: event.merchantId,
    paymentId: event.paymentId,
    eventType: event.type,
    url: endpoint.url,
    status,
    attempts,
    responseStatus,
    lastError,
  });
  return status;
}
