import { isKeyUsable } from '../domain/api-key';
import { isLivemode } from '../domain/mode';
import { formatAmount, type Money } from '../domain/money';
import type { RefundStatus } from '../domain/payment';
import type { ApiKeyRecord } from '../use-cases/ports/api-keys';
import type { EventRecord } from '../use-cases/ports/events';
import type { PaymentRecord, StatusChangeRecord } from '../use-cases/ports/payments';
import type { RefundRecord } from '../use-cases/ports/refunds';
import type { ApiKey, Event, Payment, Refund } from './schemas';

/**
 * Money as the API shows it: the amount as a decimal string with exactly the currency's number of decimals
 * ("10.50", "100", "1.200"), and the currency's code (a refunded amount, in the payment's currency, is the
 * amount alone).
 */
function moneyFields(money: Money): { amount: string; currency: string } {
  return { amount: formatAmount(money), currency: money.currency.code };
}

/** A payment as the API shows it: amounts as canonical decimal strings, timestamps in UTC ISO-8601. */
export function paymentRepresentation(payment: PaymentRecord, history?: StatusChangeRecord[]): Payment {
  return {
    id: payment.id,
    object: 'payment',
    merchantId: payment.merchantId,
    livemode: isLivemode(payment.mode),
    status: payment.status,
    ...moneyFields(payment.amount),
    refundedAmount: formatAmount(payment.refundedAmount),
    pendingRefundAmount: formatAmount(payment.pendingRefundAmount),
    source: payment.source,
    description: payment.description,
    customer: payment.customer,
    metadata: payment.metadata,
    failureReason: payment.failureReason,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
    ...(history
      ? {
          history: history.map((change) => ({
            from: change.from,
            to: change.to,
            reason: change.reason,
            occurredAt: change.occurredAt.toISOString(),
          })),
        }
      : {}),
  };
}

/** A refund's status as the API names it, after Stripe's (https://docs.stripe.com/api/refunds/object). */
const REFUND_STATUS_NAMES = {
  PENDING: 'pending',
  EXECUTED: 'succeeded',
  FAILED: 'failed',
} as const satisfies Record<RefundStatus, Refund['status']>;

export function refundRepresentation(refund: RefundRecord, payment: PaymentRecord): Refund {
  return {
    id: refund.id,
    object: 'refund',
    livemode: isLivemode(payment.mode),
    paymentId: refund.paymentId,
    ...moneyFields(refund.amount),
    reason: refund.reason,
    status: REFUND_STATUS_NAMES[refund.status],
    failureReason: refund.failureReason,
    createdAt: refund.createdAt.toISOString(),
    updatedAt: refund.updatedAt.toISOString(),
    payment: paymentRepresentation(payment),
  };
}

/** A balance line: the currency, and the amount with the currency's number of decimals. */
export function balanceRepresentation(balance: Money): { currency: string; amount: string } {
  const { currency, amount } = moneyFields(balance);
  // Currency first: the order balance lines have always had on the wire.
  return { currency, amount };
}

/** An event as its webhook carries it, with how that webhook went. */
export function eventRepresentation({ body, delivery }: EventRecord): Event {
  return {
    id: body.id,
    object: 'event',
    type: body.type,
    createdAt: body.createdAt,
    livemode: body.livemode,
    data: body.data,
    delivery: delivery && {
      status: delivery.status,
      attempts: delivery.attempts,
      responseStatus: delivery.responseStatus,
      lastError: delivery.lastError,
      lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
      nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    },
  };
}

/** A page of a list route (schemas.ts `listEnvelope`): its items, and the next page's cursor when there is one. */
export function listRepresentation<T extends { id: string }>(data: T[], hasMore: boolean) {
  return {
    object: 'list' as const,
    data,
    hasMore,
    nextStartingAfter: hasMore ? (data.at(-1)?.id ?? null) : null,
  };
}

/** An API key as the API shows it: never the key, only its first characters; its status as of `now`. */
export function apiKeyRepresentation(key: ApiKeyRecord, now: Date): ApiKey {
  return {
    id: key.id,
    object: 'api_key',
    livemode: isLivemode(key.mode),
    access: key.access,
    redactedKey: key.prefix,
    status: key.revokedAt ? 'revoked' : isKeyUsable(key, now) ? 'active' : 'expired',
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
