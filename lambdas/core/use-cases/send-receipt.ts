import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '../domain/events';
import { isReceiptEvent, receiptMessage } from '../domain/receipts';
import type { Clock } from './ports/clock';
import type { Mailer, ReceiptDeliveries } from './ports/receipts';

export interface ReceiptDeps {
  readonly deliveries: ReceiptDeliveries;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly claimLeaseMs: number;
}

export type ReceiptOutcome =
  /** Not a receipt's event, no customer address, or the merchant did not opt in. */
  | 'not_requested'
  | 'sent'
  /** The mail service refused this e-mail for good (recorded with its reason). */
  | 'rejected'
  /** Sent or refused already, or held by another holder until after `workUntil`. */
  | 'already_handled';

/**
 * One e-mail per event to the customer who paid, when its merchant opted in (docs/receipts.md). The delivery
 * record, unique per event, is created and claimed first; the attempt is counted before the e-mail leaves, so
 * a crash between the two shows as an attempt that may have arrived, and the next holder's resend carries the
 * same Message-ID. While the mail service is away, the claim is given back and MailUnavailableError reaches
 * the consumer, which waits and retries: the receipt waits, it is never lost and never a dead letter.
 */
export async function sendReceipt(
  deps: ReceiptDeps,
  event: EventEnvelope,
  workUntil: Date,
): Promise<ReceiptOutcome> {
  if (!isReceiptEvent(event)) return 'not_requested';
  // A payment's own events say whether it names a customer: most payments cost no read at all.
  if (event.type !== 'payment.refund_executed' && !event.data.customer) return 'not_requested';
  const recipient = await deps.deliveries.recipientOf(event.paymentId);
  if (!recipient) return 'not_requested';
  const holder = randomUUID();
  const claim = () => ({ holder, until: new Date(deps.clock().getTime() + deps.claimLeaseMs) });
  const receipt = {
    eventId: event.eventId,
    paymentId: event.paymentId,
    merchantId: event.merchantId,
    eventType: event.type,
  };
  let opened = await deps.deliveries.open(receipt, deps.clock(), claim());
  // A holder that died: its claim passes within the lease, and this redelivery takes the receipt over.
  if (opened.kind === 'held' && opened.until < workUntil) {
    await sleep(opened.until.getTime() - deps.clock().getTime() + 1);
    opened = await deps.deliveries.open(receipt, deps.clock(), claim());
  }
  if (opened.kind !== 'claimed') return 'already_handled';
  if (!(await deps.deliveries.recordAttempt(event.eventId, claim()))) return 'already_handled';
  const message = receiptMessage(event, recipient);
  let outcome: Awaited<ReturnType<Mailer['send']>>;
  try {
    outcome = await deps.mailer.send({ ...message, to: recipient.address, messageId: messageIdOf(event) });
  } catch (error) {
    await deps.deliveries.settle(event.eventId, holder, {
      status: 'pending',
      error: (error as Error).message,
    });
    throw error;
  }
  if (outcome.kind === 'rejected') {
    await deps.deliveries.settle(event.eventId, holder, { status: 'failed', error: outcome.reason });
    return 'rejected';
  }
  await deps.deliveries.settle(event.eventId, holder, { status: 'sent' });
  return 'sent';
}

/** The e-mail's Message-ID (RFC 5322 §3.6.4): the event's, so every copy of one receipt carries the same. */
export function messageIdOf(event: Pick<EventEnvelope, 'eventId'>): string {
  return `<${event.eventId}@receipts.aspay>`;
}
