import { randomUUID } from 'node:crypto';
import type { BankRetrySettings } from '../../lambdas/core/config/bank';
import { type Money, moneyFromStored } from '../../lambdas/core/domain/money';
import type {
  Bank,
  BankRefundOutcome,
  BankRefundRequest,
  Banks,
  ChargeLookup,
  ChargeOutcome,
  ChargeRequest,
  RefundLookup,
} from '../../lambdas/core/use-cases/ports/bank';
import type { PaymentRecord } from '../../lambdas/core/use-cases/ports/payments';

/** The clock of the bank use-case tests. */
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** Short bank retry settings for the use-case tests: three attempts, then reconciliation or give-up. */
export const BANK_RETRY_SETTINGS: BankRetrySettings = {
  pendingRetryAfterMs: 1000,
  pendingRetryMaxMs: 4000,
  giveUpAfterAttempts: 3,
  claimLeaseMs: 60_000,
};

/** USD as the payment store reads it back. */
export const usd = (amount: string) => moneyFromStored(amount, 'USD');

/** The merchant of the bank connector tests' requests. */
export const BANK_TEST_MERCHANT = 'mer_bank_test';

/** A charge of `source` (10.00 USD and a new payment id unless told), as the bank processor sends it. */
export function chargeRequest(
  source: string,
  { amount = usd('10.00'), paymentId = randomUUID() }: { amount?: Money; paymentId?: string } = {},
): ChargeRequest {
  return { paymentId, merchantId: BANK_TEST_MERCHANT, amount, source };
}

/** A refund of a charge under a new refund id, as the bank processor sends it. */
export function refundRequest(chargeId: string, amount: Money): BankRefundRequest {
  return {
    chargeId,
    refundId: randomUUID(),
    paymentId: randomUUID(),
    merchantId: BANK_TEST_MERCHANT,
    amount,
  };
}

/**
 * A 25.00 USD card payment in the given state (its refunded and pending refund amounts in USD), as the payment
 * store returns it.
 */
export function paymentRecord(
  state: Pick<PaymentRecord, 'status'> & { refundedAmount: string; pendingRefundAmount?: string },
): PaymentRecord {
  return {
    id: '7f0c3c56-3f0e-4c2c-9a43-2d6f1d3e8b10',
    merchantId: 'mer_test',
    mode: 'test',
    amount: usd('25.0000'),
    currency: 'USD',
    source: 'tok_success',
    description: null,
    customer: null,
    metadata: {},
    failureReason: null,
    requestHash: 'h',
    createdAt: NOW,
    updatedAt: NOW,
    status: state.status,
    refundedAmount: usd(state.refundedAmount),
    pendingRefundAmount: usd(state.pendingRefundAmount ?? '0'),
  };
}

/** A bank that must never be called: every call throws. */
export function unreachableBank(name: string): Bank {
  const refuse = async (): Promise<never> => {
    throw new Error(`${name} was called`);
  };
  return { charge: refuse, refund: refuse, lookupCharge: refuse, lookupRefund: refuse };
}

/** The banks of a test-mode use-case test: `sandbox` answers, the live bank must never be reached. */
export function sandboxOnly(sandbox: Bank): Banks {
  return { test: sandbox, live: unreachableBank('the live bank') };
}

const noRefunds = async (): Promise<never> => {
  throw new Error('no refunds here');
};
const noCharges = async (): Promise<never> => {
  throw new Error('no charges here');
};

/** A bank that answers every charge with `charge` and every lookup with `lookup`, recording the calls it took. */
export function bankAnswering(charge: ChargeOutcome, lookup: ChargeLookup = { kind: 'not_found' }) {
  const calls: string[] = [];
  const charged: ChargeRequest[] = [];
  const bank: Bank = {
    async charge(request) {
      calls.push('charge');
      charged.push(request);
      return charge;
    },
    refund: noRefunds,
    async lookupCharge() {
      calls.push('lookup');
      return lookup;
    },
    lookupRefund: noRefunds,
  };
  return { bank, calls, charged };
}

/** A bank that answers every refund with `refund` and every refund lookup with `lookup`, recording the calls it took. */
export function bankRefunding(refund: BankRefundOutcome, lookup: RefundLookup = { kind: 'not_found' }) {
  const calls: string[] = [];
  const refunded: BankRefundRequest[] = [];
  const bank: Bank = {
    charge: noCharges,
    lookupCharge: noCharges,
    async refund(request) {
      calls.push('refund');
      refunded.push(request);
      return refund;
    },
    async lookupRefund() {
      calls.push('lookup');
      return lookup;
    },
  };
  return { bank, calls, refunded };
}
