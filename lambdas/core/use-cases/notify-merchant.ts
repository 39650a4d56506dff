import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs } from '../config/retry-policies';
import { claimLeaseMs, nextWebhookAttempt, type WebhookSettings } from '../config/webhooks';
import {
  type EventEnvelope,
  type EventType,
  MERCHANT_EVENT_TYPES,
  merchantEventBody,
} from '../domain/events';
import { SIGNATURE_HEADER, signWebhook } from '../domain/webhook-signature';
import type { Clock } from './ports/clock';
import type {
  OpenedDelivery,
  WebhookDeliveries,
  WebhookDeliveryOutcome,
  WebhookEndpoint,
  WebhookNotice,
  WebhookSender,
} from './ports/webhooks';
import { retryDecision } from './retry-decision';
import { retryingUntil } from './retry-until';

/** The events the merchant's webhooks carry (domain/events.ts); other events notify nobody. */
export const NOTIFIED_EVENTS: ReadonlySet<EventType> = new Set(MERCHANT_EVENT_TYPES);

export type NotifySettings = Pick<
  WebhookSettings,
  | 'inInvocationAttempts'
  | 'inInvocationBackoffMs'
  | 'retryBaseMs'
  | 'retryMaxMs'
  | 'giveUpAfterMs'
  | 'timeoutMs'
  | 'recordingGraceMs'
>;

export interface NotifyDeps {
  readonly deliveries: WebhookDeliveries;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly settings: NotifySettings;
}

export type DeliveryStatus = WebhookDeliveryOutcome['status'];

/** `taken_over`: this holder's claim passed (it could not record in time) and another holder took the notice. */
export type NotifyOutcome =
  | DeliveryStatus
  | 'already_handled'
  | 'no_endpoint'
  | 'not_notified'
  | 'taken_over';

/**
 * Delivers one signed webhook per event. The delivery record, unique per event, is created first and claimed
 * by this invocation; each attempt is recorded, as one that may have arrived, before it is sent, and renews
 * the claim for that POST. A redelivered event finds the record: it sends nothing if the notice is handled,
 * and takes it over if its holder died (see `openDelivery`). An endpoint that fails is tried again with
 * backoff within the invocation; a delivery that still fails is left `pending` for the retry sweep
 * (retryWebhooks), which delays the notice, never loses it. `workUntil` bounds the work: the invocation's end
 * or the delivery window. A failed notification never affects the payment.
 */
export async function notifyMerchant(
  deps: NotifyDeps,
  event: EventEnvelope,
  workUntil: Date,
): Promise<NotifyOutcome> {
  if (!NOTIFIED_EVENTS.has(event.type)) return 'not_notified';
  const endpoint = await deps.deliveries.endpointOf(event.merchantId);
  if (!endpoint) return 'no_endpoint';
  const notice: WebhookNotice = {
    eventId: event.eventId,
    merchantId: event.merchantId,
    paymentId: event.paymentId,
    eventType: event.type,
    rawBody: JSON.stringify(merchantEventBody(event)),
  };
  const holder = randomUUID();
  const opened = await openDelivery(deps, notice, endpoint.url, holder, workUntil);
  if (opened.kind !== 'claimed') return 'already_handled';
  const outcome = await attemptDelivery(deps, notice, endpoint, {
    holder,
    workUntil,
    tries: deps.settings.inInvocationAttempts,
    attemptsBefore: opened.attempts,
    firstAttemptAt: opened.createdAt,
  });
  if (outcome === 'taken_over') return outcome;
  return (await recordOutcome(deps, notice.eventId, holder, outcome, workUntil))
    ? outcome.status
    : 'taken_over';
}

/**
 * Opens the event's delivery, or takes over one whose holder died. An event is delivered again when the
 * invocation that handled it failed, so the claim it finds is most often a dead holder's: it waits for that
 * claim to pass (one POST and its recording: seconds) and takes the delivery over, rather than leave it to
 * the next sweep. A holder still alive has renewed its claim by then and keeps the notice.
 */
async function openDelivery(
  deps: NotifyDeps,
  notice: WebhookNotice,
  url: string,
  holder: string,
  workUntil: Date,
): Promise<OpenedDelivery> {
  const open = () => {
    const now = deps.clock();
    return deps.deliveries.open(notice, url, now, { holder, until: leaseFrom(deps, now) });
  };
  const opened = await open();
  if (opened.kind !== 'held' || opened.until >= workUntil) return opened;
  // A claim is free once `now` is past it.
  await sleep(opened.until.getTime() - deps.clock().getTime() + 1);
  return open();
}

const leaseFrom = (deps: Pick<NotifyDeps, 'settings'>, now: Date) =>
  new Date(now.getTime() + claimLeaseMs(deps.settings));

/**
 * Records a holder's outcome. False when another holder took the delivery over: its record stands.
 */
export function recordOutcome(
  deps: Pick<NotifyDeps, 'deliveries' | 'clock'>,
  eventId: string,
  holder: string,
  outcome: WebhookDeliveryOutcome,
  workUntil: Date,
): Promise<boolean> {
  return whileWorking(deps, () => deps.deliveries.settle(eventId, holder, outcome), workUntil);
}

/**
 * Writes to the delivery record, retrying while the holder still works on it (retryingUntil): the database may
 * be away just before a POST (which then waits) or just after it (a delivered notice whose outcome is lost
 * stays pending, and another holder would send it again). Each write is conditional on the claim, so one made
 * after another holder took over changes nothing.
 */
function whileWorking<T>(
  deps: Pick<NotifyDeps, 'clock'>,
  write: () => Promise<T>,
  workUntil: Date,
): Promise<T> {
  return retryingUntil(write, workUntil, deps.clock);
}

/**
 * Sends the notice up to `tries` times (backoff between them), each with a fresh signature and each recorded
 * before it is sent, and decides what follows: delivered, pending until the next retry, or failed once the
 * delivery is past the give-up age; `taken_over` when the claim was lost before an attempt (nothing is sent).
 */
export async function attemptDelivery(
  deps: NotifyDeps,
  notice: WebhookNotice,
  endpoint: WebhookEndpoint,
  {
    holder,
    workUntil,
    tries,
    attemptsBefore,
    firstAttemptAt,
  }: { holder: string; workUntil: Date; tries: number; attemptsBefore: number; firstAttemptAt: Date },
): Promise<WebhookDeliveryOutcome | 'taken_over'> {
  let responseStatus: number | null = null;
  let lastError: string | null = null;
  let attempts = 0;
  let unanswered = 0;
  while (attempts < tries) {
    // Counted before it leaves: a crash between the POST and its outcome leaves a record that says the
    // notice may have arrived, so the next holder's resend is one the record accounts for.
    const stillHeld = await whileWorking(
      deps,
      () => {
        const now = deps.clock();
        return deps.deliveries.recordAttempt(notice.eventId, holder, now, leaseFrom(deps, now));
      },
      workUntil,
    );
    if (!stillHeld) return 'taken_over';
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
    if (!retryDecision(attempt, 'webhook').retry) break;
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
