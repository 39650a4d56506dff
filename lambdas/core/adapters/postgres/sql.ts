import { type Money, moneyFromStored } from '../../domain/money';

/**
 * Statements with named parameters: the SQL names each value (`:payment_id`) and the values come as an object,
 * turned here into node-postgres's numbered form (`$1` and the values in that order), so that no statement
 * counts its parameters by hand and a fragment shared by several statements (the outbox INSERT, a bank claim)
 * brings its own values along.
 */

/** Part of a statement: SQL with `:name` placeholders and the value of each name. */
export interface SqlFragment {
  readonly sql: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/**
 * A `:name` placeholder: a colon not part of a `::type` cast, then a name. (A string literal with `:word` in it
 * would be taken for one: the statements here pass such text as values.)
 */
const PLACEHOLDER = /(?<!:):([a-z_][a-z0-9_]*)/gi;

/**
 * The statement as node-postgres takes it: each distinct name numbered once in order of first use, however
 * often it appears. A name without a value, or a value no placeholder uses, is a programming error.
 */
export function namedQuery(
  sql: string,
  parameters: Readonly<Record<string, unknown>>,
): { text: string; values: unknown[] } {
  const numbers = new Map<string, number>();
  const text = sql.replace(PLACEHOLDER, (_match, name: string) => {
    if (!Object.hasOwn(parameters, name)) throw new Error(`no value for the SQL parameter :${name}`);
    if (!numbers.has(name)) numbers.set(name, numbers.size + 1);
    return `$${numbers.get(name)}`;
  });
  const unused = Object.keys(parameters).filter((name) => !numbers.has(name));
  if (unused.length > 0) throw new Error(`SQL parameters without a placeholder: ${unused.join(', ')}`);
  return { text, values: [...numbers.keys()].map((name) => parameters[name]) };
}

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
