import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  RefundExceedsAvailableError,
  RefundNotAllowedError,
} from '../../../lambdas/core/domain/errors';
import { moneyFromStored, parseMoney } from '../../../lambdas/core/domain/money';
import {
  assertTransition,
  canTransition,
  isTerminal,
  PAYMENT_STATUSES,
  type PaymentStatus,
  planRefund,
  planRefundFailure,
} from '../../../lambdas/core/domain/payment';

const usd = (amount: string) => parseMoney(amount, 'USD');
const zero = moneyFromStored('0', 'USD');

describe('the payment lifecycle', () => {
  it('allows exactly INITIATED→PENDING→SUCCESS|FAILED and SUCCESS→REFUNDED', () => {
    const allowed = PAYMENT_STATUSES.flatMap((from) =>
      PAYMENT_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual([
      'INITIATED→PENDING',
      'PENDING→FAILED',
      'PENDING→SUCCESS',
      'SUCCESS→REFUNDED',
    ]);
  });

  it('walks only a legal path whatever sequence of transitions is attempted', () => {
    // Every walk from INITIATED is a prefix of one of these; nothing follows FAILED or REFUNDED.
    const legalPaths = ['INITIATED PENDING SUCCESS REFUNDED', 'INITIATED PENDING FAILED'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PAYMENT_STATUSES), { maxLength: 30 }), (attempts) => {
        let status: PaymentStatus = 'INITIATED';
        const visited: PaymentStatus[] = [status];
        for (const to of attempts) {
          if (canTransition(status, to)) {
            assertTransition(status, to);
            status = to;
            visited.push(to);
          } else {
            expect(() => assertTransition(status, to)).toThrow(IllegalTransitionError);
          }
        }
        const walk = visited.join(' ');
        expect(legalPaths.some((path) => `${path} `.startsWith(`${walk} `))).toBe(true);
      }),
    );
  });

  it('makes exactly FAILED and REFUNDED final', () => {
    expect(PAYMENT_STATUSES.filter(isTerminal).sort()).toEqual(['FAILED', 'REFUNDED']);
  });
});

describe('planRefund', () => {
  it('keeps a partial refund SUCCESS and a full one REFUNDED', () => {
    expect(
      planRefund({ status: 'SUCCESS', amount: usd('100.00'), refunded: zero, requested: usd('30.00') })
        .statusAfter,
    ).toBe('SUCCESS');
    const rest = planRefund({ status: 'SUCCESS', amount: usd('100.00'), refunded: usd('30.00') });
    expect(rest.refund.amount.toFixed(2)).toBe('70.00');
    expect(rest.statusAfter).toBe('REFUNDED');
  });

  it('refuses refunds of payments that have not succeeded, and above what remains', () => {
    expect(() => planRefund({ status: 'PENDING', amount: usd('10.00'), refunded: zero })).toThrow(
      RefundNotAllowedError,
    );
    expect(() =>
      planRefund({ status: 'SUCCESS', amount: usd('10.00'), refunded: usd('5.00'), requested: usd('5.01') }),
    ).toThrow(RefundExceedsAvailableError);
  });

  it("names what remains refundable, in the currency's decimals, when refusing a refund above it", () => {
    expect(() =>
      planRefund({ status: 'SUCCESS', amount: usd('10'), refunded: usd('4.5'), requested: usd('5.51') }),
    ).toThrow('The refund exceeds what remains refundable (5.50).');
  });

  it('never lets the refunds of a payment add up to more than its amount', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5_000 }), { maxLength: 20 }), (requestsInCents) => {
        const amount = usd('100.00');
        let refunded = zero;
        let status: PaymentStatus = 'SUCCESS';
        for (const cents of requestsInCents) {
          try {
            const plan = planRefund({ status, amount, refunded, requested: usd((cents / 100).toFixed(2)) });
            refunded = plan.refundedAfter;
            status = plan.statusAfter;
          } catch (error) {
            expect(
              error instanceof RefundExceedsAvailableError || error instanceof RefundNotAllowedError,
            ).toBe(true);
          }
          expect(refunded.amount.lte(amount.amount)).toBe(true);
          expect(status === 'REFUNDED').toBe(refunded.amount.equals(amount.amount));
        }
      }),
    );
  });
});

describe('planRefundFailure', () => {
  it('gives a failed refund back: REFUNDED returns to SUCCESS, a partial refund just shrinks', () => {
    const full = planRefundFailure({
      status: 'REFUNDED',
      amount: usd('100.00'),
      refunded: usd('100.00'),
      failed: usd('70.00'),
    });
    expect(full.statusAfter).toBe('SUCCESS');
    expect(full.refundedAfter.amount.toFixed(2)).toBe('30.00');
    const partial = planRefundFailure({
      status: 'SUCCESS',
      amount: usd('100.00'),
      refunded: usd('30.00'),
      failed: usd('30.00'),
    });
    expect(partial.statusAfter).toBe('SUCCESS');
    expect(partial.refundedAfter.amount.toFixed(2)).toBe('0.00');
  });

  it('refuses to give back more than was refunded, or on a payment that never succeeded', () => {
    expect(() =>
      planRefundFailure({
        status: 'SUCCESS',
        amount: usd('100.00'),
        refunded: usd('10.00'),
        failed: usd('10.01'),
      }),
    ).toThrow(RefundExceedsAvailableError);
    expect(() =>
      planRefundFailure({ status: 'FAILED', amount: usd('100.00'), refunded: zero, failed: usd('1.00') }),
    ).toThrow(RefundNotAllowedError);
  });
});
