import { createEvent, type EventEnvelope, type EventType, modeOf } from '../domain/events';
import { paymentEntry, refundEntry, refundReversalEntry } from '../domain/ledger';
import { parseMoney } from '../domain/money';
import { WaitingForEarlierEventError } from './errors';
import type { Clock } from './ports/clock';
import type { Ledger } from './ports/ledger';

/** An event's amount, read back into Money: the event payload is an edge. */
const moneyOf = (data: { amount: string; currency: string }) => parseMoney(data.amount, data.currency);

export type LedgerOutcome = 'posted' | 'duplicate' | 'posting_failed' | 'not_posted' | 'ignored';

/**
 * The ledger's reaction to payment events: a SUCCESS posts the payment entry, a refund the bank executed
 * posts its reversal. The ledger records money that moved: a recorded refund (`payment.refunded`) the bank
 * then rejects never moved any, so only `payment.refund_executed` reverses.
 * A posting the ledger must refuse (a frozen merchant) is reported once as `ledger.posting_failed`, which
 * starts the saga's compensation. A refund of a payment whose posting was refused (a compensated one) posts
 * nothing: there is nothing to reverse. A refund of a payment not posted yet waits (WaitingForEarlierEventError).
 * A refund the processor failed after executing it (`payment.refund_reversed`) reverses the refund's entry, once
 * per event, under the same rules: it follows its `payment.refund_executed` in the payment's order.
 */
/** The events the ledger posts from; it ignores every other. */
export const LEDGER_EVENTS = [
  'payment.succeeded',
  'payment.refund_executed',
  'payment.refund_reversed',
] as const satisfies readonly EventType[];

export async function postToLedger(
  ledger: Ledger,
  event: EventEnvelope,
  clock: Clock,
): Promise<LedgerOutcome> {
  const mode = modeOf(event);
  const source = { eventId: event.eventId, paymentId: event.paymentId, merchantId: event.merchantId, mode };
  if (event.type === 'payment.succeeded') {
    const { data } = event;
    const frozen = await ledger.frozenReason(event.merchantId);
    if (!frozen) {
      return ledger.post(source, paymentEntry(event.paymentId, event.merchantId, mode, moneyOf(data)));
    }
    const reason = `merchant account frozen: ${frozen}`;
    await ledger.reportPostingFailure(
      { eventId: event.eventId, paymentId: event.paymentId, reason },
      createEvent('ledger.posting_failed', source, { failedEventId: event.eventId, reason }, clock()),
    );
    return 'posting_failed';
  }
  if (event.type === 'payment.refund_executed' || event.type === 'payment.refund_reversed') {
    const capture = await ledger.paymentEntryState(event.paymentId);
    if (capture === 'refused') return 'not_posted';
    if (capture === 'missing') throw new WaitingForEarlierEventError(event.paymentId);
    const { data } = event;
    const entry =
      event.type === 'payment.refund_executed'
        ? refundEntry(
            event.paymentId,
            event.merchantId,
            mode,
            moneyOf(data),
            `refund ${data.refundId} executed as ${data.bankRefundId}`,
          )
        : refundReversalEntry(
            event.paymentId,
            event.merchantId,
            mode,
            moneyOf(data),
            `refund ${data.refundId} (${data.bankRefundId}) failed after execution: ${event.data.reason}`,
          );
    return ledger.post(source, entry);
  }
  return 'ignored';
}
