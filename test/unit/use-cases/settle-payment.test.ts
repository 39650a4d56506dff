import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../lambdas/core/domain/events';
import type { PaymentStatus } from '../../../lambdas/core/domain/payment';
import type {
  Bank,
  ChargeLookup,
  ChargeOutcome,
  PaymentLifecycle,
  PaymentRecord,
} from '../../../lambdas/core/use-cases/ports';
import { chargeAndSettle, type SettlementDeps } from '../../../lambdas/core/use-cases/settle-payment';
import { BANK_RETRY_SETTINGS, NOW, paymentRecord, sandboxOnly } from '../../support/bank-use-cases';

const SETTINGS = BANK_RETRY_SETTINGS;

function pendingPayment(): PaymentRecord {
  return paymentRecord({ status: 'PENDING', refundedAmount: '0.0000' });
}

/** One payment in memory, with its claim, attempts and the events its transitions wrote. */
function inMemoryLifecycle(payment: PaymentRecord, state: { bankAttempts?: number; claimedAt?: Date } = {}) {
  const stored = {
    payment,
    bankAttempts: state.bankAttempts ?? 0,
    claimedAt: state.claimedAt as Date | undefined,
    nextAttemptAt: undefined as Date | undefined,
    events: [] as EventEnvelope[],
  };
  const lifecycle: PaymentLifecycle = {
    find: async () => stored.payment,
    async transition(_id, from, to, change) {
      if (stored.payment.status !== from) return undefined;
      stored.payment = { ...stored.payment, status: to, failureReason: change.reason ?? null };
      stored.claimedAt = undefined;
      stored.events.push(change.event(stored.payment));
      return stored.payment;
    },
    async claimBankAttempt(_id, now, leaseMs) {
      if (stored.payment.status !== 'PENDING') return undefined;
      if (stored.claimedAt && stored.claimedAt.getTime() > now.getTime() - leaseMs) return undefined;
      stored.claimedAt = now;
      return { payment: stored.payment, bankAttempts: stored.bankAttempts };
    },
    async deferBankAttempt(_id, at, counted) {
      stored.bankAttempts += counted ? 1 : 0;
      stored.nextAttemptAt = at;
      stored.claimedAt = undefined;
    },
    async releaseBankAttempt() {
      stored.claimedAt = undefined;
    },
    duePending: async () => [],
  };
  return { lifecycle, stored };
}

function bankAnswering(charge: ChargeOutcome, lookup: ChargeLookup = { kind: 'not_found' }) {
  const calls: string[] = [];
  const bank: Bank = {
    async charge() {
      calls.push('charge');
      return charge;
    },
    async refund() {
      throw new Error('no refunds here');
    },
    async lookupCharge() {
      calls.push('lookup');
      return lookup;
    },
  };
  return { bank, calls };
}

const deps = (lifecycle: PaymentLifecycle, bank: Bank): SettlementDeps => ({
  lifecycle,
  banks: sandboxOnly(bank),
  settings: SETTINGS,
  clock: () => NOW,
});

describe('charging a PENDING payment', () => {
  it('settles SUCCESS on an approval and FAILED on a decline', async () => {
    const approved = inMemoryLifecycle(pendingPayment());
    const declined = inMemoryLifecycle(pendingPayment());

    const results = [
      await chargeAndSettle(
        deps(approved.lifecycle, bankAnswering({ kind: 'approved', chargeId: 'ch_1' }).bank),
        pendingPayment(),
      ),
      await chargeAndSettle(
        deps(declined.lifecycle, bankAnswering({ kind: 'declined', reason: 'card_declined' }).bank),
        pendingPayment(),
      ),
    ];

    expect(results).toEqual(['succeeded', 'failed']);
    expect(approved.stored.events.map((event) => event.type)).toEqual(['payment.succeeded']);
    expect(declined.stored.payment).toMatchObject({ status: 'FAILED', failureReason: 'card_declined' });
  });

  it('never fails a payment without a decision: it waits with a doubling backoff', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment(), { bankAttempts: 1 });
    const { bank } = bankAnswering({
      kind: 'unavailable',
      reason: 'bank answered 409 (idempotency_key_in_use)',
    });

    const result = await chargeAndSettle(deps(lifecycle, bank), pendingPayment());

    expect(result).toBe('deferred');
    expect(stored.payment.status).toBe('PENDING');
    expect(stored.bankAttempts).toBe(2);
    expect(stored.nextAttemptAt).toEqual(new Date(NOW.getTime() + 2000));
    expect(stored.claimedAt).toBeUndefined();
  });

  it('does not count an attempt the open circuit breaker never sent to the bank', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment(), { bankAttempts: 2 });
    const { bank } = bankAnswering({ kind: 'circuit_open' });

    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment())).toBe('deferred');

    expect(stored.bankAttempts).toBe(2);
    expect(stored.payment.status).toBe('PENDING');
  });

  it('does not call the bank for a payment another caller has claimed', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment(), {
      claimedAt: new Date(NOW.getTime() - 1000),
    });
    const { bank, calls } = bankAnswering({ kind: 'declined', reason: 'card_declined' });

    const result = await chargeAndSettle(deps(lifecycle, bank), pendingPayment());

    expect(result).toBe('claimed_elsewhere');
    expect(calls).toEqual([]);
    expect(stored.payment.status).toBe('PENDING');
  });

  it('gives the claim back when recording the outcome fails, so the retry charges again at once', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment());
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });
    const recordSuccess = lifecycle.transition;
    lifecycle.transition = async () => {
      throw new Error('Connection terminated unexpectedly');
    };

    await expect(chargeAndSettle(deps(lifecycle, bank), pendingPayment())).rejects.toThrow('Connection');
    expect(stored.claimedAt).toBeUndefined();

    lifecycle.transition = recordSuccess;
    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment())).toBe('succeeded');
    // The same idempotency key (the payment id) both times: the bank charges once.
    expect(calls).toEqual(['charge', 'charge']);
  });

  it.each([
    ['test', 'the sandbox'],
    ['live', 'the live bank'],
  ] as const)('charges a %s payment at %s only', async (mode, expected) => {
    const payment = { ...pendingPayment(), mode };
    const { lifecycle } = inMemoryLifecycle(payment);
    const reached: string[] = [];
    const bankNamed = (name: string): Bank => ({
      ...bankAnswering({ kind: 'approved', chargeId: 'ch_1' }).bank,
      async charge() {
        reached.push(name);
        return { kind: 'approved', chargeId: 'ch_1' };
      },
    });

    const result = await chargeAndSettle(
      {
        ...deps(lifecycle, bankNamed('the sandbox')),
        banks: { test: bankNamed('the sandbox'), live: bankNamed('the live bank') },
      },
      payment,
    );

    expect(result).toBe('succeeded');
    expect(reached).toEqual([expected]);
  });

  it('takes over a claim older than the lease (a caller that died mid-call)', async () => {
    const { lifecycle } = inMemoryLifecycle(pendingPayment(), {
      claimedAt: new Date(NOW.getTime() - 61_000),
    });
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });

    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment())).toBe('succeeded');
    expect(calls).toEqual(['charge']);
  });
});

describe('giving up on a payment after the attempt limit', () => {
  const atLimit = () => inMemoryLifecycle(pendingPayment(), { bankAttempts: SETTINGS.giveUpAfterAttempts });

  it.each([
    [{ kind: 'approved', chargeId: 'ch_found' }, 'succeeded', 'SUCCESS', null],
    [{ kind: 'declined', reason: 'card_declined' }, 'failed', 'FAILED', 'card_declined'],
    [{ kind: 'not_found' }, 'failed', 'FAILED', 'bank_never_charged: no answer after 3 attempts'],
  ] as const)(
    'reconciles instead of charging: the bank found %j',
    async (found, result, status: PaymentStatus, reason) => {
      const { lifecycle, stored } = atLimit();
      const { bank, calls } = bankAnswering({ kind: 'unavailable', reason: 'down' }, found);

      expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment())).toBe(result);

      expect(calls).toEqual(['lookup']);
      expect(stored.payment).toMatchObject({ status, failureReason: reason });
    },
  );

  it('keeps waiting, and says it is stuck, while the bank cannot answer the lookup', async () => {
    const { lifecycle, stored } = atLimit();
    const { bank } = bankAnswering(
      { kind: 'unavailable', reason: 'down' },
      { kind: 'unavailable', reason: 'down' },
    );

    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment())).toBe('stuck');

    expect(stored.payment.status).toBe('PENDING');
    expect(stored.nextAttemptAt).toEqual(new Date(NOW.getTime() + SETTINGS.pendingRetryMaxMs));
  });
});
