import type { Money } from '../../domain/money';

/**
 * A NUMERIC parameter from Money: its exact decimal text (node-postgres would send an object as JSON). Amounts
 * are read back as text (`amount::text`) into Money with `moneyFromStored`.
 */
export function numericOf(money: Money): string {
  return money.amount.toFixed();
}
