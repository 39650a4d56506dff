import { type Money, MoneyDecimal } from '../../domain/money';

/**
 * Stripe's amounts are integers in the currency's smallest unit as Stripe counts it, which is not always ISO
 * 4217's (https://docs.stripe.com/currencies#minor-units-in-api-amounts). The conversion from ASPay's decimal
 * amounts happens here, at the connector's edge, and nowhere else; an amount Stripe cannot take is answered
 * with a reason, never rounded.
 */

/** Zero-decimal currencies: the amount is whole units (https://docs.stripe.com/currencies#zero-decimal). */
const ZERO_DECIMAL = new Set('BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF'.split(' '));

/**
 * Three-decimal currencies: thousandths, but the last digit must be 0 for Stripe's payment partners
 * (https://docs.stripe.com/currencies#three-decimal). The other ISO three-decimal currencies (IQD, LYD) are no
 * Stripe presentment currencies.
 */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/**
 * ISK stays two-decimal in Stripe's API but takes whole krónur only: amounts divisible by 100
 * (https://docs.stripe.com/currencies#special-cases,
 * https://support.stripe.com/questions/deprecation-of-fractional-isk-charges-and-refunds).
 */
const WHOLE_UNITS_IN_HUNDREDTHS = new Set(['ISK']);

/** Why an amount cannot go to Stripe: the decline reason of a charge, the rejection reason of a refund. */
export const AMOUNT_NOT_SUPPORTED = 'amount_not_supported_by_processor';
export const CURRENCY_NOT_SUPPORTED = 'currency_not_supported_by_processor';

/** How Stripe counts a currency: its exponent, and the step every amount must be a multiple of. */
function stripeUnits(code: string, isoExponent: number): { exponent: number; step: number } | undefined {
  if (ZERO_DECIMAL.has(code)) return { exponent: 0, step: 1 };
  if (THREE_DECIMAL.has(code)) return { exponent: 3, step: 10 };
  if (isoExponent === 3) return undefined;
  if (WHOLE_UNITS_IN_HUNDREDTHS.has(code)) return { exponent: 2, step: 100 };
  return { exponent: 2, step: 1 };
}

/**
 * The amount and currency as Stripe takes them (`{ amount: 1050, currency: 'usd' }` for 10.50 USD), or the
 * reason Stripe cannot take it: a fraction its unit cannot carry (JPY 10.5, MGA 1.50, ISK 40.10), a
 * three-decimal amount whose last digit is not 0 (KWD 5.124), or a currency Stripe does not present.
 */
export function toStripeAmount(money: Money): { amount: number; currency: string } | { unsupported: string } {
  const code = money.currency.code;
  const units = stripeUnits(code, money.currency.exponent);
  if (!units) return { unsupported: CURRENCY_NOT_SUPPORTED };
  const minor = money.amount.times(new MoneyDecimal(10).pow(units.exponent));
  if (!minor.isInteger() || !minor.mod(units.step).isZero()) return { unsupported: AMOUNT_NOT_SUPPORTED };
  // Below 10^12 major units (parseMoney), so at most 10^15 minor units: exact as a JavaScript number.
  return { amount: minor.toNumber(), currency: code.toLowerCase() };
}
