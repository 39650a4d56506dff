import type { Mode } from './mode';
import { type Money, MoneyDecimal } from './money';

/**
 * Double-entry posting rules. Money a customer paid sits in the `customer_funds` clearing account of its
 * currency until it is owed to the merchant:
 * - a successful payment debits customer funds and credits the merchant's payable account;
 * - a refund (or a saga compensation) reverses that: debit the merchant's payable, credit customer funds;
 * - a refund the processor failed after executing it reverses the refund's entry: the payment's direction again.
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
  readonly kind: 'payment' | 'refund' | 'refund_reversal';
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

/** A balanced entry of two postings: `amount` debited from one account and credited to the other. */
function transfer(
  kind: JournalEntryPlan['kind'],
  mode: Mode,
  description: string,
  amount: Money,
  accounts: { debit: LedgerAccount; credit: LedgerAccount },
): JournalEntryPlan {
  return {
    kind,
    mode,
    currency: amount.currency.code,
    description,
    postings: [
      { account: accounts.debit, direction: 'debit', amount },
      { account: accounts.credit, direction: 'credit', amount },
    ],
  };
}

export function paymentEntry(
  paymentId: string,
  merchantId: string,
  mode: Mode,
  amount: Money,
): JournalEntryPlan {
  const currency = amount.currency.code;
  return transfer('payment', mode, `payment ${paymentId}`, amount, {
    debit: customerFunds(mode, currency),
    credit: merchantPayable(merchantId, mode, currency),
  });
}

export function refundEntry(
  paymentId: string,
  merchantId: string,
  mode: Mode,
  refund: Money,
  reason: string,
): JournalEntryPlan {
  const currency = refund.currency.code;
  return transfer('refund', mode, `refund of payment ${paymentId}: ${reason}`, refund, {
    debit: merchantPayable(merchantId, mode, currency),
    credit: customerFunds(mode, currency),
  });
}

export function refundReversalEntry(
  paymentId: string,
  merchantId: string,
  mode: Mode,
  refund: Money,
  reason: string,
): JournalEntryPlan {
  const currency = refund.currency.code;
  return transfer('refund_reversal', mode, `refund of payment ${paymentId} reversed: ${reason}`, refund, {
    debit: customerFunds(mode, currency),
    credit: merchantPayable(merchantId, mode, currency),
  });
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
