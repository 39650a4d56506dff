import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatAmount } from '../../lambdas/core/domain/money';
import type { PaymentRecord } from '../../lambdas/core/use-cases/ports/payments';
import { createPayment, usd, type WithPaymentPorts } from './payment-ports';

const ids = (payments: PaymentRecord[]) => payments.map((payment) => payment.id);

/** The `PaymentStore` behaviours every implementation shares. */
export function paymentStoreContract(implementation: string, withPorts: WithPaymentPorts) {
  describe(`the payment store (${implementation})`, () => {
    it('creates an INITIATED payment with its fields and first history row, found in its scope', () =>
      withPorts(async (ports) => {
        const { payment, created } = await createPayment(ports, { amount: usd('12.50') });

        expect(created).toBe(true);
        expect(payment).toMatchObject({
          merchantId: ports.merchantId,
          mode: 'test',
          status: 'INITIATED',
          currency: 'USD',
          source: 'tok_success',
          description: 'contract',
          customer: 'cus_1',
          metadata: { order: '42' },
          failureReason: null,
          requestHash: 'hash',
        });
        expect(formatAmount(payment.amount)).toBe('12.50');
        expect(formatAmount(payment.refundedAmount)).toBe('0.00');
        expect(await ports.store.find({ merchantId: ports.merchantId, mode: 'test' }, payment.id)).toEqual(
          payment,
        );
        expect(await ports.store.history(payment.id)).toEqual([
          { from: null, to: 'INITIATED', reason: null, occurredAt: expect.any(Date) },
        ]);
      }));

    it('returns the existing payment for a key the merchant already used in the mode, and writes nothing', () =>
      withPorts(async (ports) => {
        const idempotencyKey = randomUUID();
        const first = await createPayment(ports, { idempotencyKey });
        const again = await createPayment(ports, { idempotencyKey, amount: usd('99.00') });
        const live = await createPayment(ports, { idempotencyKey, mode: 'live' });

        expect(again).toEqual({ payment: first.payment, created: false });
        expect(live.created).toBe(true);
        const listed = await ports.store.list({ merchantId: ports.merchantId, mode: 'test' }, { limit: 10 });
        expect(ids(listed.payments)).toEqual([first.payment.id]);
      }));

    it('finds nothing for another merchant, the other mode or an unknown id', () =>
      withPorts(async (ports) => {
        const { payment } = await createPayment(ports);

        expect(await ports.store.find({ merchantId: 'mer_someone_else', mode: 'test' }, payment.id)).toBe(
          undefined,
        );
        expect(await ports.store.find({ merchantId: ports.merchantId, mode: 'live' }, payment.id)).toBe(
          undefined,
        );
        expect(await ports.store.find({ merchantId: ports.merchantId, mode: 'test' }, randomUUID())).toBe(
          undefined,
        );
      }));

    it('lists the scope newest first (then by id), a page at a time, filtered by status', () =>
      withPorts(async (ports) => {
        const scope = { merchantId: ports.merchantId, mode: 'test' as const };
        const created: PaymentRecord[] = [];
        for (let n = 0; n < 3; n++) created.push((await createPayment(ports)).payment);
        await createPayment(ports, { mode: 'live' });
        await ports.lifecycle.transition(created[1]?.id as string, 'INITIATED', 'PENDING', {});
        const newestFirst = ids(
          [...created].sort(
            (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
          ),
        );

        const first = await ports.store.list(scope, { limit: 2 });
        const second = await ports.store.list(scope, { limit: 2, startingAfter: first.payments[1]?.id });
        const initiated = await ports.store.list(scope, { limit: 10, status: 'INITIATED' });

        expect([ids(first.payments), first.hasMore]).toEqual([newestFirst.slice(0, 2), true]);
        expect([ids(second.payments), second.hasMore]).toEqual([newestFirst.slice(2), false]);
        expect(ids(initiated.payments)).toEqual(newestFirst.filter((id) => id !== created[1]?.id));
      }));

    it('lists nothing after a cursor that is no payment of the scope', () =>
      withPorts(async (ports) => {
        await createPayment(ports);
        const live = await createPayment(ports, { mode: 'live' });

        const scope = { merchantId: ports.merchantId, mode: 'test' as const };
        expect(await ports.store.list(scope, { limit: 10, startingAfter: randomUUID() })).toEqual({
          payments: [],
          hasMore: false,
        });
        expect(await ports.store.list(scope, { limit: 10, startingAfter: live.payment.id })).toEqual({
          payments: [],
          hasMore: false,
        });
      }));

    it('keeps the history of every status change in order, with its reason', () =>
      withPorts(async (ports) => {
        const { payment } = await createPayment(ports);
        await ports.lifecycle.transition(payment.id, 'INITIATED', 'PENDING', {});
        await ports.lifecycle.transition(payment.id, 'PENDING', 'FAILED', { reason: 'card_declined' });

        const history = await ports.store.history(payment.id);

        expect(history.map(({ from, to, reason }) => ({ from, to, reason }))).toEqual([
          { from: null, to: 'INITIATED', reason: null },
          { from: 'INITIATED', to: 'PENDING', reason: null },
          { from: 'PENDING', to: 'FAILED', reason: 'card_declined' },
        ]);
        expect(await ports.store.history(randomUUID())).toEqual([]);
      }));
  });
}
