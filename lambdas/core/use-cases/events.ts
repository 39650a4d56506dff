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
  query: { paymentId: string; limit: number; startingAfter?: string },
) {
  return history.listForPayment(scope, { ...query, types: [...NOTIFIED_EVENTS] });
}
