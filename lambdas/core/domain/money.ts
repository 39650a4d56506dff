import Decimal from 'decimal.js';
import {
  CurrencyMismatchError,
  type FieldError,
  RefundExceedsAvailableError,
  StoredDataInvalidError,
  ValidationError,
} from './errors';

/** An ISO 4217 currency and its minor-unit exponent (the number of decimals an amount may carry). */
export interface Currency {
  readonly code: string;
  readonly exponent: number;
}

/**
 * The ISO 4217 currencies a customer pays in (list 1 of the standard), grouped by minor-unit exponent. Only
 * legal tender: funds and units of account (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), precious metals
 * (XAU, XAG, XPD, XPT), SDRs and other supranational units (XDR, XSU, XUA, XB…), the testing code XTS and
 * "no currency" XXX are not payable and are left out.
 */
const CODES_BY_EXPONENT: Readonly<Record<number, string>> = {
  0: 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF',
  2: `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
      CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD
      HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT
      MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR
      SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU
      UZS VED VES WST XCD XCG YER ZAR ZMW ZWG`,
  3: 'BHD IQD JOD KWD LYD OMR TND',
};

const CURRENCIES: ReadonlyMap<string, Currency> = new Map(
  Object.entries(CODES_BY_EXPONENT).flatMap(([exponent, codes]) =>
    codes
      .split(/\s+/)
      .filter(Boolean)
      .map((code) => [code, { code, exponent: Number(exponent) }] as const),
  ),
);

export const SUPPORTED_CURRENCIES: readonly Currency[] = [...CURRENCIES.values()];

export function findCurrency(code: string): Currency | undefined {
  return CURRENCIES.get(code);
}

/** decimal.js with room for any NUMERIC(22,4) value and its arithmetic, never rounding silently. */
export const MoneyDecimal = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
export type MoneyDecimal = InstanceType<typeof MoneyDecimal>;

export interface Money {
  readonly amount: MoneyDecimal;
  readonly currency: Currency;
}

/** Money built by this module: no JSON value passes, so data read off the wire is never taken for it. */
export function isMoney(value: unknown): value is Money {
  return typeof value === 'object' && value !== null && (value as Money).amount instanceof MoneyDecimal;
}

/** Amounts are accepted below 10^12 major units: anything larger is a typo or an attack, not a payment. */
export const MAX_AMOUNT_MAJOR_UNITS = new MoneyDecimal('1000000000000');

const DECIMAL_STRING = /^(0|[1-9]\d*)(\.\d+)?$/;

/**
 * Parses an API amount (a decimal string, never a JSON number) in a currency, reporting every problem as a
 * field error: malformed, not positive, more decimals than the currency's minor unit, too large, unknown currency.
 */
export function parseMoney(
  rawAmount: unknown,
  rawCurrency: unknown,
  fields: { amount: string; currency: string } = { amount: 'amount', currency: 'currency' },
): Money {
  const errors: FieldError[] = [];
  const currency = typeof rawCurrency === 'string' ? findCurrency(rawCurrency) : undefined;
  if (!currency) {
    errors.push({
      field: fields.currency,
      code: 'currency_unsupported',
      message: 'Use a supported ISO 4217 code, e.g. "USD".',
    });
  }
  let amount: MoneyDecimal | undefined;
  if (typeof rawAmount !== 'string') {
    errors.push({
      field: fields.amount,
      code: 'amount_not_string',
      message: 'Send the amount as a decimal string, e.g. "10.50".',
    });
  } else if (!DECIMAL_STRING.test(rawAmount)) {
    errors.push({
      field: fields.amount,
      code: 'amount_malformed',
      message: 'Use digits with an optional decimal point, e.g. "10.50".',
    });
  } else {
    amount = new MoneyDecimal(rawAmount);
    if (amount.isZero()) {
      errors.push({
        field: fields.amount,
        code: 'amount_not_positive',
        message: 'The amount must be greater than zero.',
      });
    } else if (amount.gte(MAX_AMOUNT_MAJOR_UNITS)) {
      errors.push({
        field: fields.amount,
        code: 'amount_too_large',
        message: 'The amount must be below 1,000,000,000,000.',
      });
    }
    if (currency && amount.decimalPlaces() > currency.exponent) {
      errors.push({
        field: fields.amount,
        code: 'amount_too_precise',
        message: `${currency.code} amounts have at most ${currency.exponent} decimal places.`,
      });
    }
  }
  if (errors.length > 0 || !amount || !currency) throw new ValidationError(errors);
  return { amount, currency };
}

/** The canonical string of an amount: exactly the currency's number of decimals ("10.50", "100", "1.200"). */
export function formatAmount(money: Money): string {
  return money.amount.toFixed(money.currency.exponent);
}

/** Rebuilds money read back from storage (e.g. NUMERIC "10.5000"); stored data is trusted, so no field errors. */
export function moneyFromStored(amount: string, currencyCode: string): Money {
  const currency = findCurrency(currencyCode.trim());
  if (!currency) throw new StoredDataInvalidError(`unknown stored currency "${currencyCode}"`);
  return { amount: new MoneyDecimal(amount), currency };
}

/**
 * The refund rule's refusal, naming what is still available in the currency's decimals. Built here because the
 * error's message formats Money, and errors.ts cannot import this module (it imports errors.ts).
 */
export function refundExceedsAvailable(available: Money): RefundExceedsAvailableError {
  return new RefundExceedsAvailableError(formatAmount(available));
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency.code !== b.currency.code) {
    throw new CurrencyMismatchError(`cannot combine ${a.currency.code} with ${b.currency.code}`);
  }
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: a.amount.plus(b.amount), currency: a.currency };
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: a.amount.minus(b.amount), currency: a.currency };
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareMoney(a: Money, b: Money): number {
  sameCurrency(a, b);
  return a.amount.comparedTo(b.amount);
}
