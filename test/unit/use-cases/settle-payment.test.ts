import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { PaymentStatus } from '../../../lambdas/core/domain/payment';
import type { Bank } from '../../../lambdas/core/use-cases/ports/bank';
import type { PaymentLifecycle } from '../../../lambdas/core/use-cases/ports/payment-lifecycle';
import type { PaymentRecord } from '../../../lambdas/core/use-cases/ports/payments';
import {
  chargeAndSettle,
  type SettlementDeps,
  settlePayment,
} from '../../../lambdas/core/use-cases/settle-payment';
import {
  BANK_RETRY_SETTINGS,
  bankAnswering,
  NOW,
  paymentRecord,
  sandboxOnly,
} from '../../support/bank-use-cases';
import { inMemoryPayments } from '../../support/in-memory-payments';

const SETTINGS = BANK_RETRY_SETTINGS;

function pendingPayment(): PaymentRecord {
  return paymentRecord({ status: 'PENDING', refundedAmount: '0.0000' });
}

/** One payment in memory, with its claim, attempts and the events its transitions wrote. */
function inMemoryLifecycle(
  payment: PaymentRecord,
  state: { bankAttempts?: number; claimExpiresAt?: Date } = {},
) {
  const { lifecycle, seed, outbox } = inMemoryPayments(() => NOW);
  return { lifecycle, stored: seed(payment, state), outbox };
}

/** A caller with no time to retry a write and that does not wait for a claim held elsewhere. */
const AT_ONCE = { deadline: NOW, waitForHolder: false };

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
        AT_ONCE,
      ),
      await chargeAndSettle(
        deps(declined.lifecycle, bankAnswering({ kind: 'declined', reason: 'card_declined' }).bank),
        pendingPayment(),
        AT_ONCE,
      ),
    ];

    expect(results).toEqual(['succeeded', 'failed']);
    expect(approved.outbox.map((event) => event.type)).toEqual(['payment.succeeded']);
    expect(declined.stored.record).toMatchObject({ status: 'FAILED', failureReason: 'card_declined' });
  });

  it('never fails a payment without a decision: it waits with a doubling backoff', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment(), { bankAttempts: 1 });
    const { bank } = bankAnswering({
      kind: 'unavailable',
      reason: 'bank answered 409 (idempotency_key_in_use)',
    });

    const result = await chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE);

    expect(result).toBe('deferred');
    expect(stored.record.status).toBe('PENDING');
    expect(stored.bankAttempts).toBe(2);
    expect(stored.nextAttemptAt).toEqual(new Date(NOW.getTime() + 2000));
    expect(stored.claim).toBeNull();
  });

  it('tells the bank how many attempts were undecided, so a retry does not count toward the breaker', async () => {
    const first = inMemoryLifecycle(pendingPayment());
    const retried = inMemoryLifecycle(pendingPayment(), { bankAttempts: 2 });
    const { bank, charged } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });

    await chargeAndSettle(deps(first.lifecycle, bank), pendingPayment(), AT_ONCE);
    await chargeAndSettle(deps(retried.lifecycle, bank), pendingPayment(), AT_ONCE);

    expect(charged.map((request) => request.earlierAttempts)).toEqual([0, 2]);
  });

  it('does not count an attempt the open circuit breaker never sent to the bank', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment(), { bankAttempts: 2 });
    const { bank } = bankAnswering({ kind: 'circuit_open' });

    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE)).toBe('deferred');

    expect(stored.bankAttempts).toBe(2);
    expect(stored.record.status).toBe('PENDING');
  });

  it('does not call the bank for a payment another caller has claimed', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment(), {
      claimExpiresAt: new Date(NOW.getTime() + 9000),
    });
    const { bank, calls } = bankAnswering({ kind: 'declined', reason: 'card_declined' });

    const result = await chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE);

    expect(result).toBe('claimed_elsewhere');
    expect(calls).toEqual([]);
    expect(stored.record.status).toBe('PENDING');
  });

  it('gives the claim back when recording the outcome fails, so the retry charges again at once', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment());
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });
    const recordSuccess = lifecycle.transition;
    lifecycle.transition = async () => {
      throw new Error('Connection terminated unexpectedly');
    };

    await expect(chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE)).rejects.toThrow(
      'Connection',
    );
    expect(stored.claim).toBeNull();

    lifecycle.transition = recordSuccess;
    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE)).toBe('succeeded');
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
      AT_ONCE,
    );

    expect(result).toBe('succeeded');
    expect(reached).toEqual([expected]);
  });

  it('takes over a claim whose lease has expired (a caller that died mid-call)', async () => {
    const { lifecycle } = inMemoryLifecycle(pendingPayment(), {
      claimExpiresAt: new Date(NOW.getTime() - 1),
    });
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });

    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE)).toBe('succeeded');
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

      expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE)).toBe(result);

      expect(calls).toEqual(['lookup']);
      expect(stored.record).toMatchObject({ status, failureReason: reason });
    },
  );

  it('keeps waiting, and says it is stuck, while the bank cannot answer the lookup', async () => {
    const { lifecycle, stored } = atLimit();
    const { bank } = bankAnswering(
      { kind: 'unavailable', reason: 'down' },
      { kind: 'unavailable', reason: 'down' },
    );

    expect(await chargeAndSettle(deps(lifecycle, bank), pendingPayment(), AT_ONCE)).toBe('stuck');

    expect(stored.record.status).toBe('PENDING');
    expect(stored.nextAttemptAt).toEqual(new Date(NOW.getTime() + SETTINGS.pendingRetryMaxMs));
  });
});

describe('handling payment.initiated', () => {
  const initiated = () => paymentRecord({ status: 'INITIATED', refundedAmount: '0.0000' });

  it('moves the payment to PENDING without an event, then charges it: the outcome is the one event', async () => {
    const { lifecycle, stored, outbox } = inMemoryLifecycle(initiated());
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });

    expect(await settlePayment(deps(lifecycle, bank), stored.record.id, AT_ONCE)).toBe('succeeded');

    expect(calls).toEqual(['charge']);
    expect(stored.history.map((change) => `${change.from}→${change.to}`)).toEqual([
      'INITIATED→PENDING',
      'PENDING→SUCCESS',
    ]);
    expect(outbox).toEqual([
      expect.objectContaining({
        type: 'payment.succeeded',
        data: expect.objectContaining({ status: 'SUCCESS', bankChargeId: 'ch_1' }),
      }),
    ]);
  });

  it('repeats nothing for a redelivered payment.initiated: the bank is not called again', async () => {
    const { lifecycle, stored, outbox } = inMemoryLifecycle(initiated());
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });
    await settlePayment(deps(lifecycle, bank), stored.record.id, AT_ONCE);

    expect(await settlePayment(deps(lifecycle, bank), stored.record.id, AT_ONCE)).toBe('already_settled');

    expect(calls).toEqual(['charge']);
    expect(outbox).toEqual([expect.objectContaining({ type: 'payment.succeeded' })]);
  });

  it('ignores an event about a payment it does not know', async () => {
    const { lifecycle } = inMemoryLifecycle(initiated());
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });

    expect(await settlePayment(deps(lifecycle, bank), crypto.randomUUID(), AT_ONCE)).toBe('unknown_payment');
    expect(calls).toEqual([]);
  });
});

describe('the claim through a database outage', () => {
  /** A lease short enough for real time: renewed every 800 ms, trusted for 1.4 s, expiring after 2.4 s. */
  const SHORT_LEASE = { ...SETTINGS, claimLeaseMs: 2_400 };
  const realClock = () => new Date();
  const depsNow = (lifecycle: PaymentLifecycle, bank: Bank): SettlementDeps => ({
    ...deps(lifecycle, bank),
    settings: SHORT_LEASE,
    clock: realClock,
  });
  const withinAMinute = (waitForHolder: boolean) => ({
    deadline: new Date(Date.now() + 60_000),
    waitForHolder,
  });

  it("records the bank's answer once the database is back, not leaving the payment to the lease", async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment());
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });
    const recordSuccess = lifecycle.transition;
    let failuresLeft = 2;
    lifecycle.transition = async (...args) => {
      if (failuresLeft-- > 0) throw new Error('Connection terminated unexpectedly');
      return recordSuccess(...args);
    };

    const result = await chargeAndSettle(depsNow(lifecycle, bank), pendingPayment(), withinAMinute(false));

    expect(result).toBe('succeeded');
    expect(stored.record.status).toBe('SUCCESS');
    expect(stored.claim).toBeNull();
    expect(calls).toEqual(['charge']);
  });

  it('takes over, for a redelivered event, a claim whose holder is gone as soon as its lease ends', async () => {
    const heldUntil = new Date(Date.now() + 1_500);
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment(), { claimExpiresAt: heldUntil });
    const { bank, calls } = bankAnswering({ kind: 'approved', chargeId: 'ch_1' });

    const result = await chargeAndSettle(depsNow(lifecycle, bank), pendingPayment(), withinAMinute(true));

    expect(result).toBe('succeeded');
    expect(stored.record.status).toBe('SUCCESS');
    expect(calls).toEqual(['charge']);
    expect(Date.now() - heldUntil.getTime()).toBeGreaterThanOrEqual(0);
    expect(Date.now() - heldUntil.getTime()).toBeLessThan(1_000);
  });

  it('leaves a claim to a holder that keeps renewing it, however long its bank call takes', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment());
    const calls: string[] = [];
    const slowBank: Bank = {
      ...bankAnswering({ kind: 'approved', chargeId: 'ch_1' }).bank,
      async charge() {
        calls.push('charge');
        await sleep(3_500);
        return { kind: 'approved', chargeId: 'ch_1' };
      },
    };

    const holding = chargeAndSettle(depsNow(lifecycle, slowBank), pendingPayment(), withinAMinute(false));
    await sleep(100);
    const redelivered = await chargeAndSettle(
      depsNow(lifecycle, slowBank),
      pendingPayment(),
      withinAMinute(true),
    );

    expect(redelivered).toBe('claimed_elsewhere');
    expect(await holding).toBe('succeeded');
    expect(stored.record.status).toBe('SUCCESS');
    expect(calls).toEqual(['charge']);
  });

  it('abandons a bank call when its lease lapses unrenewed, before anyone may take over, then calls again', async () => {
    const { lifecycle, stored } = inMemoryLifecycle(pendingPayment());
    const bankClaim = lifecycle.bankClaim;
    const claims: { at: number; expiresAt: number }[] = [];
    lifecycle.bankClaim = (paymentId) => {
      const paymentClaim = bankClaim(paymentId);
      return {
        ...paymentClaim,
        async claim(lease) {
          const claimed = await paymentClaim.claim(lease);
          if (claimed) claims.push({ at: Date.now(), expiresAt: stored.claim?.expiresAt.getTime() ?? 0 });
          return claimed;
        },
        // The database is away for renewals only: the first claim's lease runs out.
        renew: async () => {
          throw new Error('Connection terminated unexpectedly');
        },
      };
    };
    const abandoned: number[] = [];
    const bank: Bank = {
      ...bankAnswering({ kind: 'approved', chargeId: 'ch_1' }).bank,
      async charge(_request, signal) {
        if (abandoned.length > 0) return { kind: 'approved', chargeId: 'ch_1' };
        // The bank does not answer before the caller leaves.
        await new Promise((resolve) => signal?.addEventListener('abort', resolve));
        abandoned.push(Date.now());
        return { kind: 'unavailable', reason: 'the call was abandoned' };
      },
    };

    const result = await chargeAndSettle(depsNow(lifecycle, bank), pendingPayment(), withinAMinute(false));

    expect(result).toBe('succeeded');
    expect(claims).toHaveLength(2);
    const [first] = claims as [{ at: number; expiresAt: number }];
    // Left the bank at its safety margin (1 s before the lease it wrote would let another caller in): never
    // after the lease, and not before the margin (a busy machine's timer may fire a little late, not early).
    expect(abandoned).toHaveLength(1);
    const beforeExpiryMs = first.expiresAt - (abandoned[0] as number);
    expect(beforeExpiryMs).toBeGreaterThan(0);
    expect(beforeExpiryMs).toBeLessThanOrEqual(1_000);
    expect(stored.record.status).toBe('SUCCESS');
  });
});
