import type { EventType } from '../domain/events';
import { EventNotFoundError } from './errors';
import { NOTIFIED_EVENTS } from './notify-merchant';
import type { EventHistory } from './ports/events';
import type { MerchantScope } from './ports/merchants';

/**
 * A payment's events as its merchant can see them, newest first: the types its webhooks carry (internal events,
 * such as the bank's refund execution, stay internal), each with its webhook delivery.
 */
export function listPaymentEvents(
  history: EventHistory,
  scope: MerchantScope,
  query: { paymentId: string; type?: EventType; limit: number; startingAfter?: string },
) {
  const { type, ...page } = query;
  const types = [...NOTIFIED_EVENTS].filter((notified) => type === undefined || notified === type);
  return history.listForPayment(scope, { ...page, types });
}

/** One of the merchant's events, as `GET /v1/events` lists it: the id its webhook carried finds it. */
export async function getEvent(history: EventHistory, scope: MerchantScope, eventId: string) {
  const found = await history.find(scope, { eventId, types: [...NOTIFIED_EVENTS] });
  if (!found) throw new EventNotFoundError();
  return found;
}
