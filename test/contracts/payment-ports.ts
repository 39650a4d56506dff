import { randomUUID } from 'node:crypto';
import { createEvent, paymentSnapshot } from '../../lambdas/core/domain/events';
import type { Mode } from '../../lambdas/core/domain/mode';
import { type Money, moneyFromStored } from '../../lambdas/core/domain/money';
import { type PaymentStatus, planRefund } from '../../lambdas/core/domain/payment';
import type { PaymentLifecycle } from '../../lambdas/core/use-cases/ports/payment-lifecycle';
import type { NewPayment, PaymentRecord, PaymentStore } from '../../lambdas/core/use-cases/ports/payments';
import type { RefundExecutions } from '../../lambdas/core/use-cases/ports/refund-executions';
import type { RefundStore } from '../../lambdas/core/use-cases/ports/refunds';
import { refundTotalsOf } from '../../lambdas/core/use-cases/refunds';

/** The ports over the payments table and its refunds, as one implementation (in memory, or PostgreSQL) has them. */
export interface PaymentPorts {
  readonly store: PaymentStore;
  readonly refunds: RefundStore;
  readonly lifecycle: PaymentLifecycle;
  readonly executions: RefundExecutions;
  /** A merchant payments may belong to (the database's payments reference their merchant). */
  readonly merchantId: string;
}

/** Runs one contract test on ports of their own: nothing one test writes is seen by another. */
export type WithPaymentPorts = (work: (ports: PaymentPorts) => Promise<void>) => Promise<void>;

export const usd = (amount: string) => moneyFromStored(amount, 'USD');

/** The ids an event about `payment` carries. */
export const eventIds = (payment: { id: string; merchantId: string; mode: Mode }) => ({
  paymentId: payment.id,
  merchantId: payment.merchantId,
  mode: payment.mode,
});

export function newPayment(merchantId: string, fields: Partial<NewPayment> = {}): NewPayment {
  return {
    id: randomUUID(),
    merchantId,
    mode: 'test',
    idempotencyKey: randomUUID(),
    requestHash: 'hash',
    amount: usd('25.00'),
    currency: 'USD',
    source: 'tok_success',
    description: 'contract',
    customer: 'cus_1',
    metadata: { order: '42' },
    ...fields,
  };
}

/** Creates a payment with its `payment.initiated` event. */
export async function createPayment(ports: PaymentPorts, fields: Partial<NewPayment> = {}) {
  const payment = newPayment(ports.merchantId, fields);
  const initiated = createEvent(
    'payment.initiated',
    eventIds(payment),
    paymentSnapshot({ ...payment, status: 'INITIATED' }),
    new Date(),
  );
  return ports.store.create(payment, initiated);
}

/** A PENDING payment, waiting on the bank. */
export async function pendingPayment(ports: PaymentPorts): Promise<PaymentRecord> {
  const { payment } = await createPayment(ports);
  return (await ports.lifecycle.transition(payment.id, 'INITIATED', 'PENDING', {})) as PaymentRecord;
}

/** A payment the bank charged (`ch_contract`) for `amount`. */
export async function successfulPayment(ports: PaymentPorts, amount = '25.00'): Promise<PaymentRecord> {
  const { payment } = await createPayment(ports, { amount: usd(amount) });
  await ports.lifecycle.transition(payment.id, 'INITIATED', 'PENDING', {});
  const event = createEvent('payment.succeeded', eventIds(payment), paymentSnapshot(payment), new Date());
  return (await ports.lifecycle.transition(payment.id, 'PENDING', 'SUCCESS', {
    bankChargeId: 'ch_contract',
    event,
  })) as PaymentRecord;
}

/** The `payment.refunded` event of a refund as planned. */
export function refundedEvent(
  payment: PaymentRecord,
  refund: {
    id: string;
    refund: Money;
    refundedAfter: Money;
    pendingAfter: Money;
    statusAfter: PaymentStatus;
  },
) {
  return createEvent(
    'payment.refunded',
    eventIds(payment),
    {
      refundId: refund.id,
      amount: refund.refund,
      currency: payment.currency,
      refundedTotal: refund.refundedAfter,
      pendingTotal: refund.pendingAfter,
      statusAfter: refund.statusAfter,
    },
    new Date(),
  );
}

/** Records a refund of `amount` (PENDING, waiting on the bank) as the domain plans it; its id. */
export async function recordRefund(
  ports: PaymentPorts,
  payment: PaymentRecord,
  amount: string,
  fields: { idempotencyKey?: string; reason?: string } = {},
): Promise<string> {
  const scope = { merchantId: payment.merchantId, mode: payment.mode };
  return ports.refunds.inTransaction(async (tx) => {
    const locked = (await tx.lockPayment(scope, payment.id)) as PaymentRecord;
    const plan = planRefund({ ...refundTotalsOf(locked), requested: usd(amount) });
    const id = randomUUID();
    const event = refundedEvent(locked, { id, ...plan });
    await tx.record(locked, {
      refund: {
        id,
        kind: 'merchant',
        idempotencyKey: fields.idempotencyKey ?? randomUUID(),
        requestHash: 'hash',
        amount: plan.refund,
        reason: fields.reason ?? null,
      },
      pendingAfter: plan.pendingAfter,
      event,
    });
    return id;
  });
}
