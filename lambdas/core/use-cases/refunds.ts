import { randomUUID } from 'node:crypto';
import { createEvent } from '../domain/events';
import { formatAmount, moneyFromStored, parseMoney } from '../domain/money';
import { planRefund } from '../domain/payment';
import { IdempotencyKeyReusedError, PaymentNotFoundError } from './errors';
import { type Clock, systemClock } from './payments';
import type { MerchantScope } from './ports/merchants';
import type { PaymentRecord } from './ports/payments';
import type { RefundRecord, RefundStore } from './ports/refunds';

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
 * Refunds a SUCCESS payment in full or in part. The payment row is locked while the domain plans the
 * refund, so concurrent refunds can never add up to more than the amount.
 */
export async function refundPayment(
  store: RefundStore,
  command: RefundCommand,
  clock: Clock = systemClock,
): Promise<{ refund: RefundRecord; payment: PaymentRecord; created: boolean }> {
  const result = await store.refund(
    { merchantId: command.merchantId, mode: command.mode },
    command.paymentId,
    command.idempotencyKey,
    (payment) => {
      const amount = moneyFromStored(payment.amount, payment.currency);
      const plan = planRefund({
        status: payment.status,
        amount,
        refunded: moneyFromStored(payment.refundedAmount, payment.currency),
        requested: command.amount === undefined ? undefined : parseMoney(command.amount, payment.currency),
      });
      const refundId = randomUUID();
      return {
        refund: {
          id: refundId,
          kind: command.kind ?? 'merchant',
          idempotencyKey: command.idempotencyKey,
          requestHash: command.requestHash,
          amount: formatAmount(plan.refund),
          reason: command.reason ?? null,
        },
        refundedAfter: formatAmount(plan.refundedAfter),
        statusAfter: plan.statusAfter,
        event: createEvent(
          'payment.refunded',
          { paymentId: payment.id, merchantId: payment.merchantId, mode: payment.mode },
          {
            refundId,
            amount: formatAmount(plan.refund),
            currency: payment.currency,
            refundedTotal: formatAmount(plan.refundedAfter),
            statusAfter: plan.statusAfter,
            ...(command.reason ? { reason: command.reason } : {}),
          },
          clock(),
        ),
      };
    },
  );
  if (!result) throw new PaymentNotFoundError();
  if (!result.created && result.refund.requestHash !== command.requestHash)
    throw new IdempotencyKeyReusedError();
  return result;
}
