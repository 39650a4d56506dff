import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEvent, paymentSnapshot } from '../../lambdas/core/domain/events';
import type { BankClaim } from '../../lambdas/core/use-cases/ports/bank-claims';
import { createPayment, eventIds, pendingPayment, type WithPaymentPorts } from './payment-ports';

/** A moment long past, and `ms` after it: due times no other row of a shared database has. */
const PAST = new Date('2001-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(PAST.getTime() + ms);

/**
 * The claim behaviours a payment's and a refund's bank claims share: `waiting` gives a claim on a row
 * waiting on the bank, `settle` takes the row out of waiting.
 */
export function bankClaimContract<C>(
  withClaim: (work: (claim: BankClaim<C>, settle: () => Promise<void>) => Promise<void>) => Promise<void>,
) {
  it('lets one holder claim it until the lease passes, unless the holder renews it', () =>
    withClaim(async (claim) => {
      const [first, second] = [randomUUID(), randomUUID()];

      expect(await claim.claim({ holder: first, now: PAST, leaseMs: 10_000 })).toMatchObject({
        bankAttempts: 0,
      });
      expect(await claim.expiry()).toEqual(at(10_000));
      expect(await claim.claim({ holder: second, now: at(9_000), leaseMs: 10_000 })).toBeUndefined();
      expect(await claim.renew({ holder: second, now: at(8_000), leaseMs: 10_000 })).toBe(false);
      expect(await claim.renew({ holder: first, now: at(8_000), leaseMs: 10_000 })).toBe(true);
      expect(await claim.expiry()).toEqual(at(18_000));
      expect(await claim.claim({ holder: second, now: at(17_000), leaseMs: 10_000 })).toBeUndefined();
      expect(await claim.claim({ holder: second, now: at(18_000), leaseMs: 10_000 })).toBeDefined();
      expect(await claim.renew({ holder: first, now: at(19_000), leaseMs: 10_000 })).toBe(false);
    }));

  it('lets its holder renew an expired claim nobody took over', () =>
    withClaim(async (claim) => {
      const holder = randomUUID();
      await claim.claim({ holder, now: PAST, leaseMs: 1_000 });

      expect(await claim.renew({ holder, now: at(5_000), leaseMs: 1_000 })).toBe(true);
      expect(await claim.expiry()).toEqual(at(6_000));
    }));

  it('is given back by its holder only, and may be claimed again at once', () =>
    withClaim(async (claim) => {
      const [holder, other] = [randomUUID(), randomUUID()];
      await claim.claim({ holder, now: PAST, leaseMs: 60_000 });

      await claim.release(other);
      expect(await claim.expiry()).toEqual(at(60_000));
      await claim.release(holder);
      expect(await claim.expiry()).toBeUndefined();
      expect(await claim.claim({ holder: other, now: at(1), leaseMs: 60_000 })).toBeDefined();
    }));

  it('cannot be claimed, renewed or read once the row no longer waits on the bank', () =>
    withClaim(async (claim, settle) => {
      const holder = randomUUID();
      await claim.claim({ holder, now: PAST, leaseMs: 60_000 });
      await settle();

      expect(await claim.expiry()).toBeUndefined();
      expect(await claim.renew({ holder, now: at(1), leaseMs: 60_000 })).toBe(false);
      expect(await claim.claim({ holder: randomUUID(), now: at(120_000), leaseMs: 60_000 })).toBeUndefined();
    }));
}

/** The `PaymentLifecycle` behaviours every implementation shares. */
export function paymentLifecycleContract(implementation: string, withPorts: WithPaymentPorts) {
  describe(`the payment lifecycle (${implementation})`, () => {
    it('moves a payment only from the status expected, with its history row', () =>
      withPorts(async (ports) => {
        const { payment } = await createPayment(ports);

        const moved = await ports.lifecycle.transition(payment.id, 'INITIATED', 'PENDING', {});
        const again = await ports.lifecycle.transition(payment.id, 'INITIATED', 'PENDING', {});

        expect(moved).toMatchObject({ id: payment.id, status: 'PENDING' });
        expect(again).toBeUndefined();
        expect(await ports.lifecycle.find(payment.id)).toEqual(moved);
        expect((await ports.store.history(payment.id)).map((change) => change.to)).toEqual([
          'INITIATED',
          'PENDING',
        ]);
        expect(await ports.lifecycle.transition(randomUUID(), 'INITIATED', 'PENDING', {})).toBeUndefined();
      }));

    it('refuses a transition the lifecycle does not allow', () =>
      withPorts(async (ports) => {
        const { payment } = await createPayment(ports);

        await expect(ports.lifecycle.transition(payment.id, 'INITIATED', 'SUCCESS', {})).rejects.toThrow(
          /illegal payment transition INITIATED -> SUCCESS/,
        );
        expect((await ports.lifecycle.find(payment.id))?.status).toBe('INITIATED');
      }));

    it('sets the failure reason on FAILED only, and keeps every reason in the history', () =>
      withPorts(async (ports) => {
        const { payment } = await createPayment(ports);
        const pending = await ports.lifecycle.transition(payment.id, 'INITIATED', 'PENDING', {
          reason: 'queued',
        });
        const event = createEvent('payment.failed', eventIds(payment), paymentSnapshot(payment), new Date());
        const failed = await ports.lifecycle.transition(payment.id, 'PENDING', 'FAILED', {
          reason: 'card_declined',
          event,
        });

        expect(pending?.failureReason).toBeNull();
        expect(failed?.failureReason).toBe('card_declined');
        expect((await ports.store.history(payment.id)).map((change) => change.reason)).toEqual([
          null,
          'queued',
          'card_declined',
        ]);
      }));

    describe('a PENDING payment’s bank claim', () => {
      bankClaimContract((work) =>
        withPorts(async (ports) => {
          const payment = await pendingPayment(ports);
          await work(ports.lifecycle.bankClaim(payment.id), async () => {
            await ports.lifecycle.transition(payment.id, 'PENDING', 'FAILED', { reason: 'card_declined' });
          });
        }),
      );

      it('is not given on a payment that is not PENDING', () =>
        withPorts(async (ports) => {
          const { payment } = await createPayment(ports);

          expect(
            await ports.lifecycle
              .bankClaim(payment.id)
              .claim({ holder: randomUUID(), now: PAST, leaseMs: 1 }),
          ).toBe(undefined);
        }));

      it('carries the payment and its attempts, counted by the holder’s deferrals only', () =>
        withPorts(async (ports) => {
          const payment = await pendingPayment(ports);
          const claim = ports.lifecycle.bankClaim(payment.id);
          const [holder, other] = [randomUUID(), randomUUID()];

          expect(await claim.claim({ holder, now: PAST, leaseMs: 60_000 })).toEqual({
            payment,
            bankAttempts: 0,
          });
          await ports.lifecycle.deferBankAttempt(payment.id, other, at(5_000), true);
          expect(await claim.expiry()).toEqual(at(60_000));
          await ports.lifecycle.deferBankAttempt(payment.id, holder, at(5_000), true);
          expect(await claim.expiry()).toBeUndefined();
          await claim.claim({ holder, now: at(1), leaseMs: 60_000 });
          await ports.lifecycle.deferBankAttempt(payment.id, holder, at(5_000), false);

          expect(await claim.claim({ holder, now: at(2), leaseMs: 60_000 })).toMatchObject({
            bankAttempts: 1,
          });
        }));
    });

    it('lists a deferred payment as due from its next attempt on, and a fresh one only once stale', () =>
      withPorts(async (ports) => {
        const deferred = await pendingPayment(ports);
        const fresh = await pendingPayment(ports);
        const holder = randomUUID();
        await ports.lifecycle.bankClaim(deferred.id).claim({ holder, now: PAST, leaseMs: 60_000 });
        await ports.lifecycle.deferBankAttempt(deferred.id, holder, at(5_000), true);
        const due = async (now: Date) =>
          (await ports.lifecycle.duePending(now, 3_600_000, 1_000)).map((payment) => payment.id);

        expect(await due(at(4_999))).not.toContain(deferred.id);
        expect(await due(at(5_000))).toContain(deferred.id);
        expect(await due(new Date())).not.toContain(fresh.id);
        expect(await due(new Date(Date.now() + 3_600_000 + 60_000))).toContain(fresh.id);
      }));
  });
}
