import { formatAmount, type Money, MoneyDecimal } from './money';

/**
 * Double-entry posting rules. Money a customer paid sits in the `customer_funds` clearing account of its
 * currency until it is owed to the merchant:
 * - a successful payment debits customer funds and credits the merchant's payable account;
 * - a refund (or a saga compensation) reverses that: debit the merchant's payable, credit customer funds.
 * Every entry balances and has one currency; the database re-checks both at commit.
 */

export type AccountKind = 'customer_funds' | 'merchant_payable';
export type Direction = 'debit' | 'credit';

export interface LedgerAccount {
  readonly id: string;
  readonly kind: AccountKind;
  readonly merchantId: string | null;
  readonly currency: string;
}

export interface Posting {
  readonly account: LedgerAccount;
  readonly direction: Direction;
  /** Canonical decimal string in the currency's minor units. */
  readonly amount: string;
}

export interface JournalEntryPlan {
  readonly kind: 'payment' | 'refund';
  readonly currency: string;
  readonly description: string;
  readonly postings: readonly Posting[];
}

export function customerFunds(currency: string): LedgerAccount {
  return { id: `customer_funds:${currency}`, kind: 'customer_funds', merchantId: null, currency };
}

export function merchantPayable(merchantId: string, currency: string): LedgerAccount {
  return { id: `merchant_payable:${merchantId}:${currency}`, kind: 'merchant_payable', merchantId, currency };
}

export function paymentEntry(paymentId: string, merchantId: string, amount: Money): JournalEntryPlan {
  const currency = amount.currency.code;
  const value = formatAmount(amount);
  return {
    kind: 'payment',
    currency,
    description: `payment ${paymentId}`,
    postings: [
      { account: customerFunds(currency), direction: 'debit', amount: value },
      { account: merchantPayable(merchantId, currency), direction: 'credit', amount: value },
    ],
  };
}

export function refundEntry(
  paymentId: string,
  merchantId: string,
  refund: Money,
  reason: string,
): JournalEntryPlan {
  const currency = refund.currency.code;
  const value = formatAmount(refund);
  return {
    kind: 'refund',
    currency,
    description: `refund of payment ${paymentId}: ${reason}`,
    postings: [
      { account: merchantPayable(merchantId, currency), direction: 'debit', amount: value },
      { account: customerFunds(currency), direction: 'credit', amount: value },
    ],
  };
}

/** True when the postings' debits equal their credits and they share the entry's currency. */
export function isBalanced(entry: JournalEntryPlan): boolean {
  let balance = new MoneyDecimal(0);
  for (const posting of entry.postings) {
    if (posting.account.currency !== entry.currency) return false;
    balance = posting.direction === 'debit' ? balance.plus(posting.amount) : balance.minus(posting.amount);
  }
  return entry.postings.length >= 2 && balance.isZero();
}
