import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEnvelope } from '../domain/events';
import { isReceiptEvent, receiptMessage } from '../domain/receipts';
import { ReceiptHeldError } from './errors';
import type { Clock } from './ports/clock';
import type { Mailer, MailOutcome, ReceiptClaim, ReceiptDeliveries } from './ports/receipts';
import { retryingUntil } from './retry-until';

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
  /** Sent or refused already. */
  | 'already_handled';

/**
 * One e-mail per event to the customer who paid, when its merchant opted in (docs/receipts.md). The delivery
 * record, unique per event, is created and claimed first; the attempt is counted before the e-mail leaves, so
 * a crash between the two shows as an attempt that may have arrived, and the next holder's resend carries the
 * same Message-ID. The consumer keeps the event until its receipt is sent or refused for good: while the mail
 * service is away (MailUnavailableError) or another holder's claim lasts (ReceiptHeldError), the record waits
 * and is tried again, so a receipt is never stranded pending and never a dead letter.
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
  if ((await claimReceipt(deps, receipt, claim, workUntil)) === 'handled') return 'already_handled';
  const attempt = claim();
  // Our claim passed and another holder took the receipt over: it is theirs now; look again later.
  if (!(await deps.deliveries.recordAttempt(event.eventId, attempt)))
    throw new ReceiptHeldError(event.eventId);
  // The outcome is known once the mail service answered: recorded while the invocation lives, whatever the
  // database's outage (as the notifier records a webhook's). Its claim may pass meanwhile, but nobody takes the
  // receipt over without the database, and this record is the holder's until someone does: given up at the
  // claim's end, the e-mail would be sent again after every outage longer than the lease.
  const settle = (outcome: Parameters<ReceiptDeliveries['settle']>[2], until = workUntil) =>
    retryingUntil(() => deps.deliveries.settle(event.eventId, holder, outcome), until, deps.clock);
  const message = receiptMessage(event, recipient);
  let outcome: MailOutcome;
  try {
    outcome = await deps.mailer.send({ ...message, to: recipient.address, messageId: messageIdOf(event) });
  } catch (error) {
    // Given back for the next try, while the claim lasts: if even that cannot be written, the claim passes
    // within the lease anyway, and the consumer's retry need not wait for more.
    await settle({ status: 'pending', error: (error as Error).message }, attempt.until).catch(
      () => undefined,
    );
    throw error;
  }
  if (outcome.kind === 'rejected') {
    await settle({ status: 'failed', error: outcome.reason });
    return 'rejected';
  }
  await settle({ status: 'sent' });
  return 'sent';
}

/**
 * Claims the event's receipt: `claimed`, or `handled` when it was sent or refused already. A receipt another
 * holder claimed (it is sending it, or it died) is waited for until that claim passes, then taken over; a claim
 * lasting beyond `workUntil` leaves it for a later try (ReceiptHeldError).
 */
async function claimReceipt(
  deps: ReceiptDeps,
  receipt: Parameters<ReceiptDeliveries['open']>[0],
  claim: () => ReceiptClaim,
  workUntil: Date,
): Promise<'claimed' | 'handled'> {
  for (;;) {
    const opened = await deps.deliveries.open(receipt, deps.clock(), claim());
    if (opened.kind !== 'held') return opened.kind;
    if (opened.until >= workUntil) throw new ReceiptHeldError(receipt.eventId);
    await sleep(Math.max(0, opened.until.getTime() - deps.clock().getTime()) + 1);
  }
}

/** The e-mail's Message-ID (RFC 5322 §3.6.4): the event's, so every copy of one receipt carries the same. */
export function messageIdOf(event: Pick<EventEnvelope, 'eventId'>): string {
  return `<${event.eventId}@receipts.aspay>`;
}
