import type { Mode } from '../domain/mode';
import { refundFailureReason } from '../domain/payment';
import {
  type AspayReference,
  type ProcessorEvent,
  type ProcessorEventOutcome,
  paymentOutcomeApplies,
  refundOutcomeStep,
} from '../domain/processor-events';
import type { Clock } from './ports/clock';
import type { PaymentRecord } from './ports/payments';
import type {
  ProcessorEventFindings,
  ProcessorEvents,
  ProcessorEventTransaction,
} from './ports/processor-events';
import { recordRefundExecuted, recordRefundFailed, refundGivenBack } from './refund-at-bank';
import { settlementEvent } from './settle-payment';

/** `duplicate`: the event was recorded before; this delivery changed nothing. */
export type ProcessorEventResult = ProcessorEventFindings & { outcome: ProcessorEventOutcome | 'duplicate' };

type Concluded = ProcessorEventFindings & { outcome: ProcessorEventOutcome };

/**
 * Applies what a processor reported later, once per event id and in one transaction: the event is recorded
 * first (a repeated delivery stops there), its payment locked (so one payment's events apply one at a time),
 * and only the lifecycle's forward moves are made, with the same events as when the bank answers at once: a
 * late success or decline settles a PENDING payment; a refund outcome executes or fails a PENDING refund, or
 * reverses one the processor had accepted. Whatever the payment or refund is already past is recorded as
 * `ignored_stale`; an event about no payment of this merchant and mode as `unmatched`.
 */
export function applyProcessorEvent(
  events: ProcessorEvents,
  event: ProcessorEvent,
  clock: Clock,
): Promise<ProcessorEventResult> {
  return events.inTransaction(async (tx) => {
    if (!(await tx.record(event))) return { outcome: 'duplicate' };
    const concluded = await decide(tx, event, clock);
    await tx.conclude(event.id, concluded.outcome, concluded);
    return concluded;
  });
}

/**
 * The payment the processor's object names, locked: it must be of the event's mode and of the merchant the
 * object names, or the event is not about it.
 */
async function lockReferenced(
  tx: ProcessorEventTransaction,
  ref: AspayReference,
  mode: Mode,
): Promise<PaymentRecord | undefined> {
  if (!ref.paymentId || !ref.merchantId) return undefined;
  const payment = await tx.lockPayment(ref.paymentId);
  return payment && payment.mode === mode && payment.merchantId === ref.merchantId ? payment : undefined;
}

async function decide(
  tx: ProcessorEventTransaction,
  event: ProcessorEvent,
  clock: Clock,
): Promise<Concluded> {
  const { meaning } = event;
  switch (meaning.kind) {
    case 'other':
      return { outcome: 'ignored' };
    case 'dispute_opened': {
      const payment = await tx.lockPaymentCharged(meaning.chargeId);
      const matched = payment?.mode === event.mode ? payment : undefined;
      return matched
        ? { outcome: 'dispute_recorded', paymentId: matched.id, details: meaning.details }
        : { outcome: 'unmatched', details: meaning.details };
    }
    case 'payment_succeeded':
    case 'payment_failed': {
      const payment = await lockReferenced(tx, meaning.ref, event.mode);
      if (!payment) return { outcome: 'unmatched' };
      const to = meaning.kind === 'payment_succeeded' ? 'SUCCESS' : 'FAILED';
      if (!paymentOutcomeApplies(payment.status, to))
        return { outcome: 'ignored_stale', paymentId: payment.id };
      const change =
        meaning.kind === 'payment_succeeded'
          ? { bankChargeId: meaning.chargeId }
          : { reason: meaning.reason };
      const outcomeEvent = settlementEvent(payment, to, change, clock());
      const moved = await tx.transition(payment.id, payment.status, to, { ...change, event: outcomeEvent });
      return { outcome: moved ? 'applied' : 'ignored_stale', paymentId: payment.id };
    }
    case 'refund_succeeded':
    case 'refund_failed': {
      const payment = await lockReferenced(tx, meaning.ref, event.mode);
      const refund =
        payment && meaning.refundId ? await tx.refundOf(payment.id, meaning.refundId) : undefined;
      if (!payment || !refund || !meaning.refundId) return { outcome: 'unmatched', paymentId: payment?.id };
      const found = { paymentId: payment.id, refundId: meaning.refundId };
      const step = refundOutcomeStep(
        refund.status,
        meaning.kind === 'refund_succeeded' ? 'succeeded' : 'failed',
      );
      if (step === 'stale') return { outcome: 'ignored_stale', ...found };
      if (step === 'execute') {
        const executed = await recordRefundExecuted(tx, meaning.refundId, meaning.bankRefundId, clock());
        return { outcome: executed ? 'applied' : 'ignored_stale', ...found };
      }
      const reason = meaning.kind === 'refund_failed' ? meaning.reason : 'failed';
      if (step === 'fail') {
        const why = refundFailureReason({ kind: 'rejected', reason });
        const failed = await recordRefundFailed(tx, meaning.refundId, why, clock());
        return { outcome: failed ? 'applied' : 'ignored_stale', ...found };
      }
      const why = `failed at the bank after it was executed: ${reason}`;
      const amount = await tx.markReversed(meaning.refundId, why);
      if (!amount) return { outcome: 'ignored_stale', ...found };
      const decision = refundGivenBack(payment, { id: meaning.refundId, amount }, why, clock(), {
        bankRefundId: refund.bankRefundId ?? meaning.bankRefundId,
      });
      await tx.applyOutcome(payment, decision, `refund ${why}`);
      return { outcome: 'applied', ...found };
    }
  }
}
