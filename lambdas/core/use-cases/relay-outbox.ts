import { setTimeout as wait } from 'node:timers/promises';
import { backoffMs } from '../config/retry-policies';
import { type Clock, systemClock } from './ports/clock';
import type { ClaimedOutboxBatch, EventPublisher, Outbox } from './ports/outbox';
import type { TransientFailure } from './ports/transient-failure';

/** What the relay did since its previous report. */
export interface RelayProgress {
  /** Age of the oldest unpublished event; absent when it could not be measured or was not measured. */
  readonly lagSeconds?: number;
  readonly published: number;
  readonly transientFailures: number;
}

/** A relay step that failed for now, and how many passes in a row failed. */
export type RelayFailure = TransientFailure<{
  readonly during: 'relay' | 'lag' | 'prune';
  /** Failed relay passes in a row (1 for a lag measurement or prune). */
  readonly consecutive: number;
}>;

export interface RelayPolicy {
  /** Epoch milliseconds after which no new pass starts (the invocation's timeout minus a margin). */
  readonly stopAt: number;
  readonly maxPaymentsPerClaim: number;
  readonly idleSleepMs: number;
  readonly lagReportEveryMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Published rows older than this are pruned, at most `pruneLimit` per drain. */
  readonly pruneOlderThan: Date;
  readonly pruneLimit: number;
  /** Called at the start, every `lagReportEveryMs` while draining, and once at the end (without lag). */
  readonly report: (progress: RelayProgress) => void;
  readonly onTransientFailure: (failure: RelayFailure) => void;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RelaySummary {
  readonly published: number;
  readonly pruned: number;
  readonly transientFailures: number;
}

/**
 * Errors that say the code is wrong rather than that a dependency is briefly away: they end the invocation
 * (and show up as function errors). Everything else (connection refused or reset, timeouts, broker or
 * database errors) is retried, since a relay that stops early leaves events waiting for the next schedule
 * tick; a failure that persists still shows, as growing or missing lag.
 */
function isProgrammingError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof RangeError
  );
}

/**
 * Publishes a claimed batch in order and marks it published only after the broker's acknowledgement; on a
 * failed publish the claim is released with nothing marked. A crash between the two may publish an event
 * twice (consumers are idempotent by event id); it can never lose one.
 */
export async function relayClaimed(batch: ClaimedOutboxBatch, publisher: EventPublisher): Promise<number> {
  if (batch.events.length === 0) {
    await batch.release();
    return 0;
  }
  try {
    await publisher.publish(batch.events);
  } catch (error) {
    await batch.release();
    throw error;
  }
  await batch.markPublished();
  return batch.events.length;
}

/**
 * Drains the outbox until `stopAt`: prunes old published rows, then relays pass after pass, sleeping
 * briefly when nothing waits, and reports its lag every few seconds while it runs. A transient failure
 * is logged and retried after a bounded exponential backoff instead of ending the drain.
 */
export async function relayOutbox(
  outbox: Outbox,
  publisher: EventPublisher,
  policy: RelayPolicy,
): Promise<RelaySummary> {
  const clock = policy.clock ?? systemClock;
  const sleep = policy.sleep ?? ((ms: number) => wait(ms));
  const now = () => clock().getTime();
  const remainingMs = () => policy.stopAt - now();
  const totals = { published: 0, transientFailures: 0 };
  let unreported = { published: 0, transientFailures: 0 };

  const transient = (error: unknown, failure: Omit<RelayFailure, 'error'>) => {
    if (isProgrammingError(error)) throw error;
    totals.transientFailures += 1;
    unreported.transientFailures += 1;
    policy.onTransientFailure({ error, ...failure });
  };
  const report = (lagSeconds?: number) => {
    policy.report({ ...unreported, ...(lagSeconds === undefined ? {} : { lagSeconds }) });
    unreported = { published: 0, transientFailures: 0 };
  };
  const reportLag = async () => {
    try {
      report(await outbox.lagSeconds());
    } catch (error) {
      transient(error, { during: 'lag', consecutive: 1, retryInMs: policy.lagReportEveryMs });
      report();
    }
  };

  let pruned = 0;
  try {
    // First, while the whole budget is ahead: housekeeping must never eat the margin left for the last pass.
    pruned = await outbox.prunePublished(policy.pruneOlderThan, policy.pruneLimit);
  } catch (error) {
    transient(error, { during: 'prune', consecutive: 1, retryInMs: 0 });
  }

  let nextReportAt = now();
  let consecutiveFailures = 0;
  // The claim of the next pass, made while the current pass publishes: claiming (PostgreSQL) and publishing
  // (Kafka) overlap instead of adding up. It skips the payments the current pass holds (their advisory locks),
  // so a payment's events are still relayed by one pass at a time, in order (docs/outbox-relay.md).
  let next: Promise<ClaimedOutboxBatch> | undefined;
  const releaseNext = async () => {
    const pending = next;
    next = undefined;
    await pending?.then(
      (batch) => batch.release(),
      () => undefined,
    );
  };
  while (remainingMs() > 0) {
    if (now() >= nextReportAt) {
      nextReportAt = now() + policy.lagReportEveryMs;
      await reportLag();
    }
    try {
      const batch = await (next ?? outbox.claim(policy.maxPaymentsPerClaim));
      next = undefined;
      if (batch.events.length > 0 && remainingMs() > 0) {
        next = outbox.claim(policy.maxPaymentsPerClaim);
        // Awaited (and its failure handled) by the next pass; this only keeps it from being "unhandled" meanwhile.
        next.catch(() => undefined);
      }
      const count = await relayClaimed(batch, publisher);
      consecutiveFailures = 0;
      totals.published += count;
      unreported.published += count;
      if (count === 0) await sleep(Math.max(0, Math.min(policy.idleSleepMs, remainingMs())));
    } catch (error) {
      // A claim must not stay open (holding its payments) through the backoff.
      await releaseNext();
      consecutiveFailures += 1;
      const retryInMs = backoffMs(
        { baseMs: policy.retryBaseMs, maxMs: policy.retryMaxMs },
        consecutiveFailures,
      );
      transient(error, { during: 'relay', consecutive: consecutiveFailures, retryInMs });
      await sleep(Math.max(0, Math.min(retryInMs, remainingMs())));
    }
  }
  // Claimed just before the deadline passed (a pass outlasting the remaining time): released, not relayed.
  await releaseNext();
  // No lag measurement here: past `stopAt` the margin belongs to the last pass, not to another query.
  report();
  return { ...totals, pruned };
}
