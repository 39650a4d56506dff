import type { EventType } from '../domain/events';
import { EventNotFoundError, NoWebhookEndpointError } from './errors';
import { NOTIFIED_EVENTS } from './notify-merchant';
import type { Clock } from './ports/clock';
import type { EventHistory, EventRecord } from './ports/events';
import type { MerchantScope } from './ports/merchants';

/**
 * The merchant's events (of one payment when `paymentId` is given) as it can see them, newest first: the types
 * its webhooks carry (internal events, such as the saga's, stay internal), each with its webhook delivery.
 */
export function listEvents(
  history: EventHistory,
  scope: MerchantScope,
  query: { paymentId?: string; type?: EventType; limit: number; startingAfter?: string },
) {
  const { type, ...page } = query;
  const types = [...NOTIFIED_EVENTS].filter((notified) => type === undefined || notified === type);
  return history.list(scope, { ...page, types });
}

/** One of the merchant's events, as `GET /v1/events` lists it: the id its webhook carried finds it. */
export async function getEvent(history: EventHistory, scope: MerchantScope, eventId: string) {
  const found = await history.find(scope, { eventId, types: [...NOTIFIED_EVENTS] });
  if (!found) throw new EventNotFoundError();
  return found;
}

/**
 * Delivers one of the merchant's events once more, with the same id and body, to its webhook endpoint: due at
 * once for the retry sweep, with retries and a give-up window of its own. The event as it now stands.
 */
export async function resendEvent(
  history: EventHistory,
  scope: MerchantScope,
  eventId: string,
  clock: Clock,
): Promise<EventRecord> {
  const found = await getEvent(history, scope, eventId);
  const scheduled = await history.resend(scope, { body: found.body, now: clock() });
  if (scheduled === 'no_endpoint') throw new NoWebhookEndpointError();
  return getEvent(history, scope, eventId);
}
