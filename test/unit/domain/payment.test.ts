import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  RefundExceedsAvailableError,
  RefundNotAllowedError,
} from '../../../lambdas/core/domain/errors';
import { formatAmount, moneyFromStored, parseMoney } from '../../../lambdas/core/domain/money';
import {
  assertTransition,
  canTransition,
  isTerminal,
  PAYMENT_STATUSES,
  type PaymentStatus,
  planRefund,
  planRefundExecution,
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
  const success = { status: 'SUCCESS' as const, amount: usd('100.00'), refunded: zero, pending: zero };

  it('records a refund as pending and leaves the payment SUCCESS, even a full one', () => {
    const partial = planRefund({ ...success, requested: usd('30.00') });
    expect([
      partial.statusAfter,
      formatAmount(partial.pendingAfter),
      formatAmount(partial.refundedAfter),
    ]).toEqual(['SUCCESS', '30.00', '0.00']);
    const rest = planRefund({ ...success, pending: usd('30.00') });
    expect(formatAmount(rest.refund)).toBe('70.00');
    expect([rest.statusAfter, formatAmount(rest.pendingAfter)]).toEqual(['SUCCESS', '100.00']);
  });

  it('refuses refunds of payments that have not succeeded, and above what remains', () => {
    expect(() => planRefund({ ...success, status: 'PENDING' })).toThrow(RefundNotAllowedError);
    expect(() =>
      planRefund({ ...success, amount: usd('10.00'), refunded: usd('5.00'), requested: usd('5.01') }),
    ).toThrow(RefundExceedsAvailableError);
  });

  it('counts pending refunds against what remains refundable', () => {
    expect(() =>
      planRefund({ ...success, refunded: usd('40.00'), pending: usd('50.00'), requested: usd('10.01') }),
    ).toThrow('The refund exceeds what remains refundable (10.00).');
  });

  it("names what remains refundable, in the currency's decimals, when refusing a refund above it", () => {
    expect(() =>
      planRefund({ ...success, amount: usd('10'), refunded: usd('4.5'), requested: usd('5.51') }),
    ).toThrow('The refund exceeds what remains refundable (5.50).');
  });

  it('never lets the refunds of a payment, executed, pending or failed in any order, exceed its amount', () => {
    const outcome = fc.constantFrom('executed' as const, 'failed' as const, 'stays pending' as const);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5_000 }), outcome), { maxLength: 20 }),
        (steps) => {
          const amount = usd('100.00');
          let state = { status: 'SUCCESS' as PaymentStatus, amount, refunded: zero, pending: zero };
          for (const [cents, fate] of steps) {
            try {
              const plan = planRefund({ ...state, requested: usd((cents / 100).toFixed(2)) });
              state = { ...state, pending: plan.pendingAfter, status: plan.statusAfter };
              const after =
                fate === 'executed'
                  ? planRefundExecution({ ...state, executed: plan.refund })
                  : fate === 'failed'
                    ? planRefundFailure({ ...state, failed: plan.refund, wasExecuted: false })
                    : undefined;
              if (after)
                state = {
                  ...state,
                  refunded: after.refundedAfter,
                  pending: after.pendingAfter,
                  status: after.statusAfter,
                };
            } catch (error) {
              expect(
                error instanceof RefundExceedsAvailableError || error instanceof RefundNotAllowedError,
              ).toBe(true);
            }
            expect(state.refunded.amount.plus(state.pending.amount).lte(amount.amount)).toBe(true);
            expect(state.status === 'REFUNDED').toBe(state.refunded.amount.equals(amount.amount));
          }
        },
      ),
    );
  });
});

describe('planRefundExecution', () => {
  it('moves an executed refund from pending to refunded, and the one that completes the amount to REFUNDED', () => {
    const state = {
      status: 'SUCCESS' as const,
      amount: usd('100.00'),
      refunded: zero,
      pending: usd('100.00'),
    };
    const first = planRefundExecution({ ...state, executed: usd('30.00') });
    expect([first.statusAfter, formatAmount(first.refundedAfter), formatAmount(first.pendingAfter)]).toEqual([
      'SUCCESS',
      '30.00',
      '70.00',
    ]);
    const last = planRefundExecution({
      ...state,
      refunded: first.refundedAfter,
      pending: first.pendingAfter,
      executed: usd('70.00'),
    });
    expect([last.statusAfter, formatAmount(last.refundedAfter), formatAmount(last.pendingAfter)]).toEqual([
      'REFUNDED',
      '100.00',
      '0.00',
    ]);
  });

  it('refuses to execute more than is pending', () => {
    expect(() =>
      planRefundExecution({
        status: 'SUCCESS',
        amount: usd('100.00'),
        refunded: zero,
        pending: usd('10.00'),
        executed: usd('10.01'),
      }),
    ).toThrow(RefundExceedsAvailableError);
  });
});

describe('planRefundFailure', () => {
  it('takes a refund the bank never executed out of the pending total and moves nothing else', () => {
    const failed = planRefundFailure({
      status: 'SUCCESS',
      amount: usd('100.00'),
      refunded: usd('20.00'),
      pending: usd('30.00'),
      failed: usd('30.00'),
      wasExecuted: false,
    });
    expect([
      failed.statusAfter,
      formatAmount(failed.refundedAfter),
      formatAmount(failed.pendingAfter),
    ]).toEqual(['SUCCESS', '20.00', '0.00']);
  });

  it('takes a refund failed after its execution out of the refunded total: REFUNDED returns to SUCCESS', () => {
    const reversed = planRefundFailure({
      status: 'REFUNDED',
      amount: usd('100.00'),
      refunded: usd('100.00'),
      pending: zero,
      failed: usd('70.00'),
      wasExecuted: true,
    });
    expect([reversed.statusAfter, formatAmount(reversed.refundedAfter)]).toEqual(['SUCCESS', '30.00']);
  });

  it('refuses to give back more than was pending or refunded, or on a payment that never succeeded', () => {
    const state = {
      status: 'SUCCESS' as const,
      amount: usd('100.00'),
      refunded: usd('50.00'),
      pending: usd('10.00'),
    };
    expect(() => planRefundFailure({ ...state, failed: usd('10.01'), wasExecuted: false })).toThrow(
      RefundExceedsAvailableError,
    );
    expect(() => planRefundFailure({ ...state, failed: usd('50.01'), wasExecuted: true })).toThrow(
      RefundExceedsAvailableError,
    );
    expect(() =>
      planRefundFailure({
        ...state,
        status: 'FAILED',
        refunded: zero,
        pending: zero,
        failed: usd('1.00'),
        wasExecuted: false,
      }),
    ).toThrow(RefundNotAllowedError);
  });
});
