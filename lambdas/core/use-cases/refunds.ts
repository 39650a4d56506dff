import { randomUUID } from 'node:crypto';
import { createEvent, eventIdsOf } from '../domain/events';
import { parseMoney } from '../domain/money';
import { planRefund } from '../domain/payment';
import { IdempotencyKeyReusedError, PaymentNotFoundError, RefundNotFoundError } from './errors';
import { type Clock, systemClock } from './ports/clock';
import type { MerchantScope } from './ports/merchants';
import type { PaymentRecord } from './ports/payments';
import type { RefundDecision, RefundRecord, RefundStore } from './ports/refunds';

export interface RefundCommand extends MerchantScope {
  paymentId: string;
  idempotencyKey: string;
  requestHash: string;
  /** Omitted: refund everything that remains. */
  amount?: string;
  reason?: string;
  /** Defaults to a merchant's refund; the saga records compensations. */
  kind?: 'merchant' | 'compensation';
}

/**
 * What recording the refund does to its payment (its pending total grows), planned by the domain against the
 * locked payment's current state.
 */
function decideRefund(payment: PaymentRecord, command: RefundCommand, clock: Clock): RefundDecision {
  const plan = planRefund({
    ...refundTotalsOf(payment),
    requested: command.amount === undefined ? undefined : parseMoney(command.amount, payment.currency),
  });
  const refundId = randomUUID();
  return {
    refund: {
      id: refundId,
      kind: command.kind ?? 'merchant',
      idempotencyKey: command.idempotencyKey,
      requestHash: command.requestHash,
      amount: plan.refund,
      reason: command.reason ?? null,
    },
    pendingAfter: plan.pendingAfter,
    event: createEvent(
      'payment.refunded',
      eventIdsOf(payment),
      {
        refundId,
        amount: plan.refund,
        currency: payment.currency,
        refundedTotal: plan.refundedAfter,
        pendingTotal: plan.pendingAfter,
        statusAfter: plan.statusAfter,
        ...(command.reason ? { reason: command.reason } : {}),
      },
      clock(),
    ),
  };
}

/** A payment's refund totals as the domain's refund plans read them. */
export function refundTotalsOf(payment: PaymentRecord) {
  return {
    status: payment.status,
    amount: payment.amount,
    refunded: payment.refundedAmount,
    pending: payment.pendingRefundAmount,
  };
}

/**
 * Refunds a SUCCESS payment in full or in part: the refund is recorded PENDING and the bank processor
 * executes it. The payment row is locked while the domain plans the refund, so concurrent refunds can never
 * add up to more than the amount.
 */
export async function refundPayment(
  store: RefundStore,
  command: RefundCommand,
  clock: Clock = systemClock,
): Promise<{ refund: RefundRecord; payment: PaymentRecord; created: boolean }> {
  const scope = { merchantId: command.merchantId, mode: command.mode };
  const result = await store.inTransaction(async (tx) => {
    const payment = await tx.lockPayment(scope, command.paymentId);
    if (!payment) return undefined;
    const existing = await tx.refundByKey(scope, command.idempotencyKey);
    if (existing) return { refund: existing, payment, created: false };
    return { ...(await tx.record(payment, decideRefund(payment, command, clock))), created: true };
  });
  if (!result) throw new PaymentNotFoundError();
  if (!result.created && result.refund.requestHash !== command.requestHash)
    throw new IdempotencyKeyReusedError();
  return result;
}

/** One of the merchant's refunds, in the key's mode, with its payment. */
export async function getRefund(
  store: RefundStore,
  scope: MerchantScope,
  refundId: string,
): Promise<{ refund: RefundRecord; payment: PaymentRecord }> {
  const found = await store.findRefund(scope, refundId);
  if (!found) throw new RefundNotFoundError();
  return found;
}

/** A payment's refunds, newest first, a page at a time: the payment must be the merchant's, in the key's mode. */
export async function listRefunds(
  store: RefundStore,
  scope: MerchantScope,
  paymentId: string,
  page: { limit: number; startingAfter?: string },
): Promise<{ payment: PaymentRecord; refunds: RefundRecord[]; hasMore: boolean }> {
  const listed = await store.listForPayment(scope, paymentId, page);
  if (!listed) throw new PaymentNotFoundError();
  return listed;
}
