import type { EventEnvelope, EventType } from './events';

/**
 * Customer receipts: what the customer who paid is told by e-mail, when the merchant opted in and the payment
 * names the customer's address. The seed's promise: a receipt on success, a notice on failure, and one when a
 * refund reaches the customer (the bank executed it: a refund only asked for has not).
 */
export const RECEIPT_EVENTS = [
  'payment.succeeded',
  'payment.failed',
  'payment.refund_executed',
] as const satisfies readonly EventType[];

export type ReceiptEventType = (typeof RECEIPT_EVENTS)[number];

export function isReceiptEvent(event: EventEnvelope): event is EventEnvelope<ReceiptEventType> {
  return (RECEIPT_EVENTS as readonly string[]).includes(event.type);
}

export interface ReceiptMessage {
  readonly subject: string;
  readonly text: string;
}

/** What the receipt says about the payment besides the event: whose shop, and what was bought. */
export interface ReceiptContext {
  readonly merchantName: string;
  readonly description: string | null;
}

/** The e-mail for one event: plain text, amounts as the event carries them, times in UTC. */
export function receiptMessage(
  event: EventEnvelope<ReceiptEventType>,
  context: ReceiptContext,
): ReceiptMessage {
  const shop = context.merchantName;
  const details = [
    ...(context.description ? [`Description: ${context.description}`] : []),
    `Payment: ${event.paymentId}`,
    `Date: ${event.occurredAt} (UTC)`,
  ];
  switch (event.type) {
    case 'payment.succeeded':
      return {
        subject: `Your receipt from ${shop}`,
        text: [`You paid ${event.data.amount} ${event.data.currency} to ${shop}.`, '', ...details].join('\n'),
      };
    case 'payment.failed':
      return {
        subject: `Your payment to ${shop} did not go through`,
        text: [
          `Your payment of ${event.data.amount} ${event.data.currency} to ${shop} failed: nothing was charged.`,
          '',
          ...details,
        ].join('\n'),
      };
    case 'payment.refund_executed':
      return {
        subject: `${shop} refunded you`,
        text: [
          `${shop} refunded ${event.data.amount} ${event.data.currency} of your payment.`,
          '',
          `Refund: ${event.data.refundId}`,
          ...details,
        ].join('\n'),
      };
  }
}
