import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BankRetrySettings, bankClaimTiming } from '../config/bank';
import type { BankClaim } from './ports/bank-attempts';
import type { Clock } from './ports/clock';
import { retryingUntil } from './retry-until';

export interface BankClaimDeps {
  readonly settings: Pick<BankRetrySettings, 'claimLeaseMs'>;
  readonly clock: Clock;
}

/** How long a caller may work on a claim, and whether it waits for a claim another caller holds. */
export interface ClaimOptions {
  /** When the caller's invocation can no longer run (less a margin): an outcome is recorded until then. */
  readonly deadline: Date;
  /**
   * Wait (at most one lease) for a claim held elsewhere, and take it over if its holder is gone: a
   * redelivered event whose first handler died mid-call. The sweep does not wait: it comes back anyway.
   */
  readonly waitForHolder: boolean;
}

/** What the work gets while it holds the claim. */
export interface HeldClaim {
  readonly holder: string;
  /** Aborted when the claim can no longer be trusted to be this holder's: no bank call may run past it. */
  readonly signal: AbortSignal;
  /** Records an outcome, retried until the deadline: see `retryingUntil`. */
  record<T>(write: () => Promise<T>): Promise<T>;
}

/** Returned by the work when its claim lapsed before the bank decided: it is claimed again and repeated. */
export const CLAIM_LAPSED = Symbol('claim lapsed');

/**
 * Runs `work` as the only caller at the bank for one payment or refund (docs/bank-processor.md, "the
 * claim"). The claim is a short lease the holder renews while it works; when a renewal cannot be made (the
 * database is away) the lease is taken for lapsed `BANK_CLAIM.safetyMarginMs` before its expiry, and the
 * signal aborts the bank call, so the holder has left the bank before anyone else may take over. Work that
 * lapsed without the bank's decision is repeated under a new claim (same idempotency key); work that fails
 * gives the claim back at once, so a retry need not wait for the lease. Undefined when there is nothing to
 * claim: the payment or refund is settled, or another caller holds it.
 */
export async function underBankClaim<C, R>(
  deps: BankClaimDeps,
  store: BankClaim<C>,
  options: ClaimOptions,
  work: (claimed: C, held: HeldClaim) => Promise<R | typeof CLAIM_LAPSED>,
): Promise<R | undefined> {
  for (;;) {
    const holder = randomUUID();
    const claiming = await claimOrWait(deps, store, holder, options);
    if (claiming === undefined) return undefined;
    const { claimed, claimedAt } = claiming;
    const renewals = keepRenewing(deps, store, holder, claimedAt);
    let outcome: R | typeof CLAIM_LAPSED;
    try {
      outcome = await work(claimed, {
        holder,
        signal: renewals.signal,
        record: (write) => retryingUntil(write, options.deadline, deps.clock),
      });
    } catch (error) {
      // Given back at once, so that the retry of the event or the next sweep can claim again and repeat the
      // call under the same idempotency key. If the database is away the lease ends the claim.
      await store.release(holder).catch(() => undefined);
      throw error;
    } finally {
      renewals.stop();
    }
    if (outcome !== CLAIM_LAPSED) return outcome;
    // Each round lasts at least the trusted part of a lease; Lambda's timeout ends the last one, whose claim
    // then lapses for the next caller.
    await store.release(holder).catch(() => undefined);
  }
}

/**
 * Claims, or (when asked to) waits for the holder's lease to end and claims then, at most one lease long.
 * `claimedAt` is the `now` the lease was written from.
 */
async function claimOrWait<C>(
  deps: BankClaimDeps,
  store: BankClaim<C>,
  holder: string,
  { deadline, waitForHolder }: ClaimOptions,
): Promise<{ claimed: C; claimedAt: Date } | undefined> {
  const { claimLeaseMs: leaseMs } = deps.settings;
  const claim = async () => {
    const claimedAt = deps.clock();
    const claimed = await store.claim({ holder, now: claimedAt, leaseMs });
    return claimed === undefined ? undefined : { claimed, claimedAt };
  };
  // A holder that is gone renewed its lease at the latest now: one lease from now, its claim is free.
  const waitUntil = Math.min(deps.clock().getTime() + leaseMs, deadline.getTime());
  for (;;) {
    const claiming = await claim();
    if (claiming !== undefined || !waitForHolder) return claiming;
    const expiry = await store.expiry();
    // Released or settled just now: one more claim tells which.
    if (expiry === undefined) return claim();
    const waitMs = expiry.getTime() - deps.clock().getTime();
    // A live holder keeps renewing: its claim outlasts the wait, and it will settle the work itself.
    if (deps.clock().getTime() + waitMs > waitUntil) return undefined;
    await sleep(Math.max(0, waitMs));
  }
}

/**
 * Renews the holder's lease every third of it. `signal` aborts when the lease can no longer be trusted (a
 * renewal found the claim taken over, or none succeeded in time): `trustedForMs` after the `now` the last
 * lease was written from (taken before its statement was sent, so the lease written ends no earlier).
 */
function keepRenewing<C>(
  deps: BankClaimDeps,
  store: BankClaim<C>,
  holder: string,
  claimedAt: Date,
): { signal: AbortSignal; stop(): void } {
  const { claimLeaseMs: leaseMs } = deps.settings;
  const { renewEveryMs, trustedForMs } = bankClaimTiming(deps.settings);
  const lapse = new AbortController();
  const lapseAfter = (writtenAt: Date) =>
    setTimeout(
      () => lapse.abort(new Error('bank claim lapsed')),
      writtenAt.getTime() + trustedForMs - deps.clock().getTime(),
    );
  let lapseTimer = lapseAfter(claimedAt);
  let renewing = false;
  const renewTimer = setInterval(async () => {
    if (renewing || lapse.signal.aborted) return;
    renewing = true;
    const renewedAt = deps.clock();
    try {
      if (!(await store.renew({ holder, now: renewedAt, leaseMs }))) {
        lapse.abort(new Error('bank claim taken over'));
        return;
      }
      if (lapse.signal.aborted) return;
      clearTimeout(lapseTimer);
      lapseTimer = lapseAfter(renewedAt);
    } catch {
      // The database is away: the lease runs out unless a later renewal succeeds.
    } finally {
      renewing = false;
    }
  }, renewEveryMs);
  return {
    signal: lapse.signal,
    stop() {
      clearInterval(renewTimer);
      clearTimeout(lapseTimer);
    },
  };
}
