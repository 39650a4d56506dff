import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBalanced, paymentEntry, refundEntry } from '../../../lambdas/core/domain/ledger';
import { formatAmount, moneyFromStored, SUPPORTED_CURRENCIES } from '../../../lambdas/core/domain/money';

describe('ledger posting rules', () => {
  it('debits customer funds and credits the merchant for a payment, and reverses that for a refund', () => {
    const amount = moneyFromStored('40', 'USD');
    expect(
      paymentEntry('p1', 'mer_1', 'live', amount).postings.map(
        (p) => `${p.direction} ${p.account.id} ${formatAmount(p.amount)}`,
      ),
    ).toEqual(['debit customer_funds:live:USD 40.00', 'credit merchant_payable:mer_1:live:USD 40.00']);
    expect(
      refundEntry('p1', 'mer_1', 'live', amount, 'r').postings.map((p) => `${p.direction} ${p.account.id}`),
    ).toEqual(['debit merchant_payable:mer_1:live:USD', 'credit customer_funds:live:USD']);
  });

  it('keeps test and live money in accounts of their own mode', () => {
    const amount = moneyFromStored('40', 'USD');
    const test = paymentEntry('p1', 'mer_1', 'test', amount);
    const live = paymentEntry('p2', 'mer_1', 'live', amount);

    expect(test.postings.map((p) => p.account.mode)).toEqual(['test', 'test']);
    expect(live.postings.map((p) => p.account.mode)).toEqual(['live', 'live']);
    const testAccounts = test.postings.map((p) => p.account.id);
    expect(live.postings.some((p) => testAccounts.includes(p.account.id))).toBe(false);
    // An entry that posts to the other mode's account is not a valid entry.
    const crossed = { ...test, postings: [test.postings[0], live.postings[1]] as typeof test.postings };
    expect(isBalanced(crossed)).toBe(false);
  });

  it('always produces balanced single-currency entries', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUPPORTED_CURRENCIES),
        fc.integer({ min: 1, max: 1_000_000_000 }),
        (currency, units) => {
          const money = moneyFromStored(String(units), currency.code);
          expect(isBalanced(paymentEntry('p', 'm', 'test', money))).toBe(true);
          expect(isBalanced(refundEntry('p', 'm', 'live', money, 'r'))).toBe(true);
        },
      ),
    );
  });
});
