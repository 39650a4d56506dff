import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, OUTCOME_RECORDING_RETRY } from '../config/retry-policies';
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
} from './ports/webhooks';

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
  await recordOutcome(deps, notice.eventId, outcome, claimedUntil);
  return outcome.status;
}

/**
 * Records a holder's outcome, retrying while its claim holds: the database may be away just after the POST,
 * and a delivered notice whose outcome is lost stays pending, so the sweep would send it again once the claim
 * passes. Any error is retried (the use case cannot tell an outage from a bug; a bug fails at the claim's end
 * all the same); past the claim the sweep owns the delivery, so recording stops and the error is thrown.
 */
export async function recordOutcome(
  deps: Pick<NotifyDeps, 'deliveries' | 'clock'>,
  eventId: string,
  outcome: WebhookDeliveryOutcome,
  claimedUntil: Date,
): Promise<void> {
  for (let retry = 1; ; retry++) {
    const waitMs = backoffMs(OUTCOME_RECORDING_RETRY, retry);
    try {
      return await deps.deliveries.settle(eventId, outcome);
    } catch (error) {
      if (deps.clock().getTime() + waitMs >= claimedUntil.getTime()) throw error;
      await sleep(waitMs);
    }
  }
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
  let unanswered = 0;
  while (attempts < tries) {
    attempts++;
    const attempt = await deps.sender.send(endpoint.url, notice.rawBody, {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signWebhook(endpoint.secret, notice.rawBody, deps.clock()),
      'ASPay-Event-Id': notice.eventId,
    });
    if ('status' in attempt) {
      responseStatus = attempt.status;
      if (responseStatus >= 200 && responseStatus < 300) {
        lastError = null;
        break;
      }
      lastError = `endpoint answered ${responseStatus}`;
    } else {
      responseStatus = null;
      lastError = attempt.error;
      // The merchant may already hold this notice: the next attempt can deliver it twice (at-least-once).
      if (attempt.mayHaveArrived) unanswered++;
    }
    if (attempts < tries) await sleep(backoffMs({ baseMs: deps.settings.inInvocationBackoffMs }, attempts));
  }
  const attemptedAt = deps.clock();
  const common = { url: endpoint.url, attempts, unanswered, responseStatus, lastError, attemptedAt };
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
