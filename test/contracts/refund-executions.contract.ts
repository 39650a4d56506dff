import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatAmount, type Money } from '../../lambdas/core/domain/money';
import type { PaymentRecord } from '../../lambdas/core/use-cases/ports/payments';
import { recordRefundExecuted, refundGivenBack } from '../../lambdas/core/use-cases/refund-at-bank';
import { bankClaimContract } from './payment-lifecycle.contract';
import {
  type PaymentPorts,
  recordRefund,
  successfulPayment,
  usd,
  type WithPaymentPorts,
} from './payment-ports';

const PAST = new Date('2001-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(PAST.getTime() + ms);

/** Executes the refund at the bank's `bankRefundId` as the bank processor records it, in one transaction. */
const executeRefund = (ports: PaymentPorts, refundId: string, bankRefundId = 're_contract') =>
  ports.executions.inTransaction((tx) => recordRefundExecuted(tx, refundId, bankRefundId, new Date()));

/**
 * Fails the refund as the bank processor records it, in one transaction: its payment as it was locked, or
 * undefined when it was no longer PENDING. `pendingAfter` overrides the domain's plan, as a defect would.
 */
function failRefund(ports: PaymentPorts, refundId: string, pendingAfter?: Money) {
  return ports.executions.inTransaction(async (tx) => {
    const failed = await tx.markFailed(refundId, 'rejected by the bank: contract');
    if (!failed) return undefined;
    const decision = refundGivenBack(
      failed.payment,
      { id: refundId, amount: failed.amount },
      'rejected by the bank: contract',
      new Date(),
    );
    await tx.applyOutcome(
      failed.payment,
      { ...decision, pendingAfter: pendingAfter ?? decision.pendingAfter },
      'refund failed',
    );
    return failed;
  });
}

/** A payment's status and its refunded and pending totals, as stored. */
async function totalsOf(ports: PaymentPorts, paymentId: string) {
  const payment = (await ports.lifecycle.find(paymentId)) as PaymentRecord;
  return [payment.status, formatAmount(payment.refundedAmount), formatAmount(payment.pendingRefundAmount)];
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
            await executeRefund(ports, refundId);
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

    it('records an execution once: its amount moves from pending to refunded, the full amount REFUNDED', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const partial = await recordRefund(ports, payment, '10.00');
        const rest = await recordRefund(ports, payment, '15.00');
        expect(await totalsOf(ports, payment.id)).toEqual(['SUCCESS', '0.00', '25.00']);

        expect(await executeRefund(ports, partial, 're_1')).toBe(true);
        expect(await executeRefund(ports, partial, 're_2')).toBe(false);
        expect(await failRefund(ports, partial)).toBeUndefined();
        expect(await totalsOf(ports, payment.id)).toEqual(['SUCCESS', '10.00', '15.00']);

        await executeRefund(ports, rest);
        expect(await totalsOf(ports, payment.id)).toEqual(['REFUNDED', '25.00', '0.00']);
        expect((await ports.store.history(payment.id)).at(-1)).toMatchObject({
          from: 'SUCCESS',
          to: 'REFUNDED',
          reason: 'refund executed by the bank',
        });
      }));

    it('fails a refund once and makes its amount available again, the payment untouched otherwise', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const refundId = await recordRefund(ports, payment, '25.00');

        const failed = await failRefund(ports, refundId);
        const again = await failRefund(ports, refundId);

        expect(failed?.payment).toMatchObject({ id: payment.id, status: 'SUCCESS' });
        expect(formatAmount(failed?.amount ?? usd('0'))).toBe('25.00');
        expect(again).toBeUndefined();
        expect(await totalsOf(ports, payment.id)).toEqual(['SUCCESS', '0.00', '0.00']);
        expect((await ports.store.history(payment.id)).at(-1)).toMatchObject({
          from: 'PENDING',
          to: 'SUCCESS',
        });
        expect(
          await ports.executions.bankClaim(refundId).claim({ holder: randomUUID(), now: PAST, leaseMs: 1 }),
        ).toBe(undefined);
      }));

    it('gives back no more than the failed refund: the pending total is always the refunds pending', () =>
      withPorts(async (ports) => {
        const payment = await successfulPayment(ports);
        const failing = await recordRefund(ports, payment, '10.00');
        await recordRefund(ports, payment, '5.00');

        await expect(failRefund(ports, failing, usd('0.00'))).rejects.toThrow(
          /must total its executed .*and pending .*refunds/,
        );
        expect(await totalsOf(ports, payment.id)).toEqual(['SUCCESS', '0.00', '15.00']);
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
