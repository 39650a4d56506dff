import { setTimeout as sleep } from 'node:timers/promises';
import { nextWebhookAttempt, type WebhookSettings } from '../config/webhooks';
import type { EventEnvelope, EventType } from '../domain/events';
import { SIGNATURE_HEADER, signWebhook } from '../domain/webhook-signature';
import type { Clock } from './payments';
import type {
  WebhookDeliveries,
  WebhookDeliveryOutcome,
  WebhookEndpoint,
  WebhookNotice,
  WebhookSender,
} from './ports';

/** Receipts on success, alerts on failure, notices on refunds; other events notify nobody. */
export const NOTIFIED_EVENTS: ReadonlySet<EventType> = new Set([
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
]);

export type NotifySettings = Pick<
  WebhookSettings,
  'inInvocationAttempts' | 'inInvocationBackoffMs' | 'retryBaseMs' | 'retryMaxMs' | 'giveUpAfterMs'
>;

export interface NotifyDeps {
  readonly deliveries: WebhookDeliveries;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly settings: NotifySettings;
}

export type DeliveryStatus = WebhookDeliveryOutcome['status'];

export type NotifyOutcome = DeliveryStatus | 'already_handled' | 'no_endpoint' | 'not_notified';

/**
 * Delivers one signed webhook per event. The delivery record, unique per event, is created first and claimed
 * by this invocation until `claimedUntil` (when it can no longer run): a redelivered event finds it and sends
 * nothing, and the retry sweep leaves it alone while the claim holds. An endpoint that fails is tried again
 * with backoff within the invocation; a delivery that still fails is left `pending` for the retry sweep
 * (retryWebhooks), which delays the notice, never loses it. A failed notification never affects the payment.
 */
export async function notifyMerchant(
  deps: NotifyDeps,
  event: EventEnvelope,
  claimedUntil: Date,
): Promise<NotifyOutcome> {
  if (!NOTIFIED_EVENTS.has(event.type)) return 'not_notified';
  const endpoint = await deps.deliveries.endpointOf(event.merchantId);
  if (!endpoint) return 'no_endpoint';
  const notice: WebhookNotice = {
    eventId: event.eventId,
    merchantId: event.merchantId,
    paymentId: event.paymentId,
    eventType: event.type,
    rawBody: JSON.stringify({
      id: event.eventId,
      type: event.type,
      createdAt: event.occurredAt,
      livemode: event.livemode,
      data: { paymentId: event.paymentId, ...event.data },
    }),
  };
  const openedAt = deps.clock();
  if (!(await deps.deliveries.open(notice, endpoint.url, openedAt, claimedUntil))) return 'already_handled';
  const outcome = await attemptDelivery(deps, notice, endpoint, {
    tries: deps.settings.inInvocationAttempts,
    attemptsBefore: 0,
    firstAttemptAt: openedAt,
  });
  await deps.deliveries.settle(notice.eventId, outcome);
  return outcome.status;
}

/**
 * Sends the notice up to `tries` times (backoff between them), each with a fresh signature, and decides what
 * follows: delivered, pending until the next retry, or failed once the delivery is past the give-up age.
 */
export async function attemptDelivery(
  deps: Omit<NotifyDeps, 'deliveries'>,
  notice: WebhookNotice,
  endpoint: WebhookEndpoint,
  { tries, attemptsBefore, firstAttemptAt }: { tries: number; attemptsBefore: number; firstAttemptAt: Date },
): Promise<WebhookDeliveryOutcome> {
  let responseStatus: number | null = null;
  let lastError: string | null = null;
  let attempts = 0;
  while (attempts < tries) {
    attempts++;
    try {
      responseStatus = await deps.sender.send(endpoint.url, notice.rawBody, {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(endpoint.secret, notice.rawBody, deps.clock()),
        'ASPay-Event-Id': notice.eventId,
      });
      if (responseStatus >= 200 && responseStatus < 300) {
        lastError = null;
        break;
      }
      lastError = `endpoint answered ${responseStatus}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (attempts < tries) await sleep(deps.settings.inInvocationBackoffMs * 2 ** (attempts - 1));
  }
  const attemptedAt = deps.clock();
  const common = { url: endpoint.url, attempts, responseStatus, lastError, attemptedAt };
  if (lastError === null) return { ...common, status: 'delivered' };
  const next = nextWebhookAttempt(deps.settings, {
    now: attemptedAt,
    firstAttemptAt,
    attempts: attemptsBefore + attempts,
  });
  return next === 'give_up'
    ? { ...common, status: 'failed' }
    : { ...common, status: 'pending', nextAttemptAt: next.retryAt };
}
