import { type Money, moneyFromStored } from '../../domain/money';

/**
 * The one place the PostgreSQL adapters turn Money into NUMERIC and back: row mappers and statements use these
 * two, so the storage form of an amount is decided here.
 */

/**
 * A NUMERIC parameter from Money: its exact decimal text (node-postgres would send an object as JSON).
 */
export function numericOf(money: Money): string {
  return money.amount.toFixed();
}

/** Money from a NUMERIC column selected as text (`amount::text`, exact) and its row's currency code. */
export function moneyOfNumeric(numericText: string, currencyCode: string): Money {
  return moneyFromStored(numericText, currencyCode);
}
