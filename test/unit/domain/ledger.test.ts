import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_CURRENCIES } from '../../../lambdas/core/domain/currency';
import { isBalanced, paymentEntry, refundEntry } from '../../../lambdas/core/domain/ledger';
import { moneyFromStored } from '../../../lambdas/core/domain/money';

describe('ledger posting rules', () => {
  it('debits customer funds and credits the merchant for a payment, and reverses that for a refund', () => {
    const amount = moneyFromStored('40', 'USD');
    expect(
      paymentEntry('p1', 'mer_1', amount).postings.map((p) => `${p.direction} ${p.account.id} ${p.amount}`),
    ).toEqual(['debit customer_funds:USD 40.00', 'credit merchant_payable:mer_1:USD 40.00']);
    expect(
      refundEntry('p1', 'mer_1', amount, 'r').postings.map((p) => `${p.direction} ${p.account.id}`),
    ).toEqual(['debit merchant_payable:mer_1:USD', 'credit customer_funds:USD']);
  });

  it('always produces balanced single-currency entries', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUPPORTED_CURRENCIES),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        (currency, units) => {
          const money = moneyFromStored(String(units), currency.code);
          expect(isBalanced(paymentEntry('p', 'm', money))).toBe(true);
          expect(isBalanced(refundEntry('p', 'm', money, 'r'))).toBe(true);
        },
      ),
    );
  });
});
