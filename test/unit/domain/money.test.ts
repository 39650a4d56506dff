import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/core/domain/errors';
import {
  addMoney,
  compareMoney,
  formatAmount,
  type Money,
  MoneyDecimal,
  moneyFromStored,
  parseMoney,
  SUPPORTED_CURRENCIES,
} from '../../../lambdas/core/domain/money';

function fieldCodes(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.fieldErrors.map((fieldError) => fieldError.code);
    throw error;
  }
  return [];
}

/** A canonical amount string of `minorUnits` in a currency with `exponent` decimals. */
function canonical(minorUnits: bigint, exponent: number): string {
  const digits = minorUnits.toString().padStart(exponent + 1, '0');
  return exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

describe('parseMoney', () => {
  it('round-trips every valid amount of every supported currency through parse and format', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUPPORTED_CURRENCIES),
        fc.bigInt({ min: 1n, max: 10n ** 12n * 10n ** 4n - 1n }),
        (currency, raw) => {
          const minorUnits = (raw % (10n ** 12n * 10n ** BigInt(currency.exponent) - 1n)) + 1n;
          const text = canonical(minorUnits, currency.exponent);
          const money = parseMoney(text, currency.code);
          expect(formatAmount(money)).toBe(text);
          expect(money.amount.equals(new MoneyDecimal(text))).toBe(true);
          expect(typeof money.amount).not.toBe('number');
        },
      ),
    );
  });

  it('never accepts more decimals than the currency allows', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SUPPORTED_CURRENCIES),
        fc.integer({ min: 1, max: 9 }),
        (currency, lastDigit) => {
          const tooPrecise = `1.${'0'.repeat(currency.exponent)}${lastDigit}`;
          expect(fieldCodes(() => parseMoney(tooPrecise, currency.code))).toContain('amount_too_precise');
        },
      ),
    );
  });

  it.each([
    [10.5, 'USD', 'amount_not_string'],
    ['-1.00', 'USD', 'amount_malformed'],
    ['1e3', 'USD', 'amount_malformed'],
    ['007', 'USD', 'amount_malformed'],
    [' 1.00', 'USD', 'amount_malformed'],
    ['0.00', 'USD', 'amount_not_positive'],
    ['10.5', 'JPY', 'amount_too_precise'],
    ['1.2345', 'BHD', 'amount_too_precise'],
    ['1000000000000', 'USD', 'amount_too_large'],
    ['1.00', 'usd', 'currency_unsupported'],
    ['1.00', 'XAU', 'currency_unsupported'],
  ])('rejects %j %s with %s', (amount, currency, code) => {
    expect(fieldCodes(() => parseMoney(amount, currency))).toContain(code);
  });

  it.each([
    ...['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW'],
    ...['XAU', 'XAG', 'XPD', 'XPT'],
    ...['XDR', 'XSU', 'XUA', 'XBA', 'XTS', 'XXX'],
  ])(
    'rejects %s, which no customer pays in (a fund, a metal, a unit of account or a test code)',
    (currency) => {
      expect(fieldCodes(() => parseMoney('1', currency))).toEqual(['currency_unsupported']);
    },
  );

  it('formats with exactly the currency exponent', () => {
    expect(formatAmount(parseMoney('10.5', 'USD'))).toBe('10.50');
    expect(formatAmount(parseMoney('100', 'JPY'))).toBe('100');
    expect(formatAmount(parseMoney('1.2', 'BHD'))).toBe('1.200');
    expect(formatAmount(moneyFromStored('10.5000', 'USD'))).toBe('10.50');
  });

  it('adds up amounts exactly where binary floating point would not', () => {
    const tenCents = parseMoney('0.10', 'USD');
    const total = Array.from({ length: 9 }).reduce<Money>((sum) => addMoney(sum, tenCents), tenCents);
    // Ten binary-float 0.1s add up to 0.9999999999999999: only an exact decimal gives exactly one dollar.
    expect(total.amount.toString()).toBe('1');
    expect(compareMoney(addMoney(tenCents, parseMoney('0.20', 'USD')), parseMoney('0.30', 'USD'))).toBe(0);
  });
});
