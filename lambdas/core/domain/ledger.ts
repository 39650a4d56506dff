import type { Mode } from './mode';
import { type Money, MoneyDecimal } from './money';

/**
 * Double-entry posting rules. Money a customer paid sits in the `customer_funds` clearing account of its
 * currency until it is owed to the merchant:
 * - a successful payment debits customer funds and credits the merchant's payable account;
 * - a refund (or a saga compensation) reverses that: debit the merchant's payable, credit customer funds.
 * Every entry balances and has one currency; the database re-checks both at commit. Test and live money never
 * meet: every account belongs to one mode (its id names it) and an entry posts only to accounts of its mode.
 */

export type AccountKind = 'customer_funds' | 'merchant_payable';
export type Direction = 'debit' | 'credit';

export interface LedgerAccount {
  readonly id: string;
  readonly kind: AccountKind;
  readonly merchantId: string | null;
  readonly mode: Mode;
  readonly currency: string;
}

export interface Posting {
  readonly account: LedgerAccount;
  readonly direction: Direction;
  readonly amount: Money;
}

export interface JournalEntryPlan {
  readonly kind: 'payment' | 'refund';
  readonly mode: Mode;
  readonly currency: string;
  readonly description: string;
  readonly postings: readonly Posting[];
}

export function customerFunds(mode: Mode, currency: string): LedgerAccount {
  return {
    id: `customer_funds:${mode}:${currency}`,
    kind: 'customer_funds',
    merchantId: null,
    mode,
    currency,
  };
}

export function merchantPayable(merchantId: string, mode: Mode, currency: string): LedgerAccount {
  return {
    id: `merchant_payable:${merchantId}:${mode}:${currency}`,
    kind: 'merchant_payable',
    merchantId,
    mode,
    currency,
  };
}

export function paymentEntry(
  paymentId: string,
  merchantId: string,
  mode: Mode,
  amount: Money,
): JournalEntryPlan {
  const currency = amount.currency.code;
  return {
    kind: 'payment',
    mode,
    currency,
    description: `payment ${paymentId}`,
    postings: [
      { account: customerFunds(mode, currency), direction: 'debit', amount },
      { account: merchantPayable(merchantId, mode, currency), direction: 'credit', amount },
    ],
  };
}

export function refundEntry(
  paymentId: string,
  merchantId: string,
  mode: Mode,
  refund: Money,
  reason: string,
): JournalEntryPlan {
  const currency = refund.currency.code;
  return {
    kind: 'refund',
    mode,
    currency,
    description: `refund of payment ${paymentId}: ${reason}`,
    postings: [
      { account: merchantPayable(merchantId, mode, currency), direction: 'debit', amount: refund },
      { account: customerFunds(mode, currency), direction: 'credit', amount: refund },
    ],
  };
}

/** True when the postings' debits equal their credits and they share the entry's currency and mode. */
export function isBalanced(entry: JournalEntryPlan): boolean {
  let balance = new MoneyDecimal(0);
  for (const posting of entry.postings) {
    if (posting.account.currency !== entry.currency || posting.account.mode !== entry.mode) return false;
    balance =
      posting.direction === 'debit'
        ? balance.plus(posting.amount.amount)
        : balance.minus(posting.amount.amount);
  }
  return entry.postings.length >= 2 && balance.isZero();
}
