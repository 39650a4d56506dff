import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEvent } from '../../lambdas/core/domain/events';
import { formatAmount, type Money } from '../../lambdas/core/domain/money';
import { planRefundFailure } from '../../lambdas/core/domain/payment';
import type { PaymentRecord } from '../../lambdas/core/use-cases/ports/payments';
import { bankClaimContract } from './payment-lifecycle.contract';
import {
  eventIds,
  type PaymentPorts,
  recordRefund,
  successfulPayment,
  usd,
  type WithPaymentPorts,
} from './payment-ports';

const PAST = new Date('2001-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(PAST.getTime() + ms);

const executedEvent = (payment: PaymentRecord, refundId: string, amount: Money) =>
  createEvent(
    'payment.refund_executed',
    eventIds(payment),
    { refundId, amount, currency: payment.currency, bankRefundId: 're_contract' },
    new Date(),
  );

/** Fails the refund and gives its amount back to the payment as the domain plans it, in one transaction. */
function failRefund(ports: PaymentPorts, refundId: string, refundedAfter?: Money) {
  return ports.executions.inTransaction(async (tx) => {
    const failed = await tx.markFailed(refundId, 'rejected by the bank: contract');
    if (!failed) return undefined;
    const plan = planRefundFailure({
      status: failed.payment.status,
      amount: failed.payment.amount,
      refunded: failed.payment.refundedAmount,
      failed: failed.amount,
    });
    const decision = { ...plan, refundedAfter: refundedAfter ?? plan.refundedAfter };
    const event = createEvent(
      'payment.refund_failed',
      eventIds(failed.payment),
      {
        refundId,
        amount: failed.amount,
        currency: failed.payment.currency,
        refundedTotal: decision.refundedAfter,
        statusAfter: decision.statusAfter,
        reason: 'rejected by the bank: contract',
      },
      new Date(),
    );
    await tx.giveBack(failed.payment, { ...decision, event }, 'refund failed');
    return failed;
  });
}

/** The `RefundExecutions` behaviours every implementation shares. */
export function refundExecutionsContract(implementation: string, withPorts: WithPaymentPorts) {
  describe(`the refund executions (${implementation})`, () => {
    describe('a PENDING refund’s bank claim', () => {
      bankClaimContract((work) =>
        withPorts(async (ports) => {
          const payment = await successfulPayment(ports);
          const refundId = await recordRefund(ports, payment, '10.00');
          await work(ports.executions.bankClaim(refundId), async () => {
            await ports.executions.markExecuted(
              refundId,
              're_1',
              executedEvent(payment, refundId, usd('10.00')),
            );
          });
        }),
      );

      it('carries what the bank needs: the payment’s charge, merchant and mode, the amount, the attempts', () =>
        withPorts(async (ports) => {
          const payment = await successfulPayment(ports);
          const refundId = await recordRefund(ports, payment, '10.00');

          const claimed = await ports.executions
            .bankClaim(refundId)
            .claim({ holder: randomUUID(), now: PAST, leaseMs: 1 });

          expect(claimed).toMatchObject({
            paymentId: payment.id,
            merchantId: ports.merchantId,
            mode: 'test',
            chargeId: 'ch_contract',
            bankAttempts: 0,
          });
          expect(formatAmount(claimed?.amount ?? usd('0'))).toBe('10.00');
        }));
    });

    it('records an execution once, leaving the payment’s refunded amount as it is', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const refundId = await recordRefund(ports, payment, '10.00');

        await ports.executions.markExecuted(refundId, 're_1', executedEvent(payment, refundId, usd('10.00')));
        await ports.executions.markExecuted(refundId, 're_2', executedEvent(payment, refundId, usd('10.00')));

        expect(await failRefund(ports, refundId)).toBeUndefined();
        const after = await ports.lifecycle.find(payment.id);
        expect([after?.status, formatAmount(after?.refundedAmount ?? usd('0'))]).toEqual([
          'SUCCESS',
          '10.00',
        ]);
      }));

    it('fails a refund once and gives its amount back, a REFUNDED payment SUCCESS again', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const refundId = await recordRefund(ports, payment, '25.00');

        const failed = await failRefund(ports, refundId);
        const again = await failRefund(ports, refundId);

        expect(failed?.payment).toMatchObject({ id: payment.id, status: 'REFUNDED' });
        expect(formatAmount(failed?.amount ?? usd('0'))).toBe('25.00');
        expect(again).toBeUndefined();
        const after = await ports.lifecycle.find(payment.id);
        expect([after?.status, formatAmount(after?.refundedAmount ?? usd('0'))]).toEqual(['SUCCESS', '0.00']);
        expect((await ports.store.history(payment.id)).at(-1)).toMatchObject({
          from: 'REFUNDED',
          to: 'SUCCESS',
          reason: 'refund failed',
        });
        expect(
          await ports.executions.bankClaim(refundId).claim({ holder: randomUUID(), now: PAST, leaseMs: 1 }),
        ).toBe(undefined);
      }));

    it('gives back no more than the failed refund: the refunded amount shrinks only to the refunds standing', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const failing = await recordRefund(ports, payment, '10.00');
        await recordRefund(ports, payment, '5.00');

        await expect(failRefund(ports, failing, usd('0.00'))).rejects.toThrow(
          /cannot shrink but by a failed refund/,
        );
      }));

    it('counts the holder’s deferrals, and lists a refund as overdue from its next attempt on', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const refundId = await recordRefund(ports, payment, '10.00');
        const fresh = await recordRefund(ports, payment, '5.00');
        const claim = ports.executions.bankClaim(refundId);
        const holder = randomUUID();
        await claim.claim({ holder, now: PAST, leaseMs: 60_000 });
        await ports.executions.defer(refundId, randomUUID(), at(5_000), true);
        await ports.executions.defer(refundId, holder, at(5_000), true);
        const overdue = (now: Date) => ports.executions.overdue(now, 3_600_000, 1_000);

        expect(await claim.expiry()).toBeUndefined();
        expect(await claim.claim({ holder, now: at(1), leaseMs: 60_000 })).toMatchObject({
          bankAttempts: 1,
        });
        expect(await overdue(at(4_999))).not.toContain(refundId);
        expect(await overdue(at(5_000))).toContain(refundId);
        expect(await overdue(new Date())).not.toContain(fresh);
        expect(await overdue(new Date(Date.now() + 3_600_000 + 60_000))).toContain(fresh);
      }));
  });
}
