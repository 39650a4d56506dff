import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RefundExceedsAvailableError } from '../../lambdas/core/domain/errors';
import { formatAmount } from '../../lambdas/core/domain/money';
import { planRefund } from '../../lambdas/core/domain/payment';
import type { PaymentRecord } from '../../lambdas/core/use-cases/ports/payments';
import { refundTotalsOf } from '../../lambdas/core/use-cases/refunds';
import { recordRefund, refundedEvent, successfulPayment, usd, type WithPaymentPorts } from './payment-ports';

/** The `RefundStore` behaviours every implementation shares. */
export function refundStoreContract(implementation: string, withPorts: WithPaymentPorts) {
  describe(`the refund store (${implementation})`, () => {
    it('locks only a payment of the scope', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);

        const locked = await ports.refunds.inTransaction(async (tx) => [
          await tx.lockPayment({ merchantId: ports.merchantId, mode: 'test' }, payment.id),
          await tx.lockPayment({ merchantId: ports.merchantId, mode: 'live' }, payment.id),
          await tx.lockPayment({ merchantId: 'mer_someone_else', mode: 'test' }, payment.id),
        ]);

        expect(locked).toEqual([payment, undefined, undefined]);
      }));

    it('records a refund with the payment’s new totals, its history row and finds it by key in its scope', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const idempotencyKey = randomUUID();
        const refundId = await recordRefund(ports, payment, '25.00', { idempotencyKey, reason: 'returned' });

        const [test, live] = await ports.refunds.inTransaction(async (tx) => [
          await tx.refundByKey({ merchantId: ports.merchantId, mode: 'test' }, idempotencyKey),
          await tx.refundByKey({ merchantId: ports.merchantId, mode: 'live' }, idempotencyKey),
        ]);
        const after = await ports.lifecycle.find(payment.id);
        const history = await ports.store.history(payment.id);

        expect(test).toMatchObject({
          id: refundId,
          paymentId: payment.id,
          reason: 'returned',
          requestHash: 'hash',
        });
        expect(formatAmount(test?.amount ?? usd('0'))).toBe('25.00');
        expect(live).toBeUndefined();
        // Pending until the bank executes it: the payment stays SUCCESS, its history unchanged.
        expect(after?.status).toBe('SUCCESS');
        expect(formatAmount(after?.refundedAmount ?? usd('0'))).toBe('0.00');
        expect(formatAmount(after?.pendingRefundAmount ?? usd('0'))).toBe('25.00');
        expect(history.at(-1)).toMatchObject({ from: 'PENDING', to: 'SUCCESS' });
      }));

    it('counts a refund still waiting on the bank as pending, so no more than what remains is refunded', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        await recordRefund(ports, payment, '15.00');

        const locked = (await ports.refunds.inTransaction((tx) =>
          tx.lockPayment({ merchantId: ports.merchantId, mode: 'test' }, payment.id),
        )) as PaymentRecord;

        expect(formatAmount(locked.pendingRefundAmount)).toBe('15.00');
        expect(() => planRefund({ ...refundTotalsOf(locked), requested: usd('15.00') })).toThrow(
          RefundExceedsAvailableError,
        );
      }));

    it('refuses refunds beyond the payment’s amount, and records nothing of them', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        await recordRefund(ports, payment, '15.00');
        const idempotencyKey = randomUUID();
        const scope = { merchantId: ports.merchantId, mode: 'test' as const };

        await expect(
          ports.refunds.inTransaction(async (tx) => {
            const locked = (await tx.lockPayment(scope, payment.id)) as PaymentRecord;
            const id = randomUUID();
            const beyond = {
              refundedAfter: usd('0.00'),
              pendingAfter: usd('30.00'),
              statusAfter: 'SUCCESS' as const,
            };
            return tx.record(locked, {
              refund: {
                id,
                kind: 'merchant',
                idempotencyKey,
                requestHash: 'hash',
                amount: usd('15.00'),
                reason: null,
              },
              pendingAfter: beyond.pendingAfter,
              event: refundedEvent(locked, { id, refund: usd('15.00'), ...beyond }),
            });
          }),
        ).rejects.toThrow(/payments_refund_bounds/);

        expect(
          await ports.refunds.inTransaction((tx) => tx.refundByKey(scope, idempotencyKey)),
        ).toBeUndefined();
        expect(formatAmount((await ports.lifecycle.find(payment.id))?.pendingRefundAmount ?? usd('0'))).toBe(
          '15.00',
        );
      }));

    it('refuses a second refund with the same key in the scope', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const idempotencyKey = randomUUID();
        await recordRefund(ports, payment, '5.00', { idempotencyKey });

        await expect(recordRefund(ports, payment, '5.00', { idempotencyKey })).rejects.toThrow(
          /refunds_idempotency_key/,
        );
      }));
  });
}
