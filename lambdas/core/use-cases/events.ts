import type { EventType } from '../domain/events';
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
