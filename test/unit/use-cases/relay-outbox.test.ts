import { describe, expect, it } from 'vitest';
import type {
  ClaimedOutboxBatch,
  EventPublisher,
  Outbox,
  PublishableEvent,
} from '../../../lambdas/core/use-cases/ports/outbox';
import {
  type RelayFailure,
  type RelayPolicy,
  type RelayProgress,
  relayClaimed,
  relayOutbox,
} from '../../../lambdas/core/use-cases/relay-outbox';

function outboxWith(events: ClaimedOutboxBatch['events']) {
  const calls: string[] = [];
  const outbox: Outbox = {
    claim: async () => ({
      events,
      markPublished: async () => {
        calls.push('mark');
      },
      release: async () => {
        calls.push('release');
      },
    }),
    lagSeconds: async () => 0,
    prunePublished: async () => 0,
  };
  return { outbox, calls };
}

const event = { outboxId: '1', eventId: 'e1', type: 'payment.initiated', key: 'p1', value: '{}' };

describe('relayClaimed', () => {
  it('marks events published only after the publisher resolved', async () => {
    const { outbox, calls } = outboxWith([event]);
    const publisher: EventPublisher = {
      publish: async () => {
        calls.push('publish');
      },
    };
    await expect(relayClaimed(await outbox.claim(10), publisher)).resolves.toBe(1);
    expect(calls).toEqual(['publish', 'mark']);
  });

  it('releases the claim without marking when publishing fails', async () => {
    const { outbox, calls } = outboxWith([event]);
    const publisher: EventPublisher = {
      publish: async () => {
        throw new Error('broker down');
      },
    };
    await expect(relayClaimed(await outbox.claim(10), publisher)).rejects.toThrow('broker down');
    expect(calls).toEqual(['release']);
  });
});

interface FakeClock {
  readonly sleeps: number[];
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Time advances only when the drain sleeps (or a test says so): every step is deterministic. */
function fakeClock(): FakeClock {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

interface StoredEvent extends PublishableEvent {
  outboxId: string;
  createdAt: number;
  publishedAt?: number;
}

/** An outbox in memory; `failures` makes its next calls throw as an unreachable database would. */
function memoryOutbox(clock: FakeClock, count: number) {
  const events: StoredEvent[] = Array.from({ length: count }, (_, i) => ({
    outboxId: String(i + 1),
    eventId: `e${i + 1}`,
    type: 'payment.initiated',
    key: `p${i + 1}`,
    value: '{}',
    createdAt: clock.now(),
  }));
  const failures = { claim: 0, lag: 0, prune: 0 };
  const claimedAt: number[] = [];
  const held = new Set<StoredEvent>();
  const unreachable = () => new Error('connect ECONNREFUSED 127.0.0.1:5432');
  const outbox: Outbox = {
    async claim(maxPayments) {
      claimedAt.push(clock.now());
      if (failures.claim > 0) {
        failures.claim -= 1;
        throw unreachable();
      }
      // As the port promises: the events of an open claim are not handed to another one until it ends.
      const batch = events
        .filter((event) => event.publishedAt === undefined && !held.has(event))
        .slice(0, maxPayments);
      for (const event of batch) held.add(event);
      const end = () => {
        for (const event of batch) held.delete(event);
      };
      return {
        events: batch,
        markPublished: async () => {
          for (const event of batch) event.publishedAt = clock.now();
          end();
        },
        release: async () => end(),
      };
    },
    async lagSeconds() {
      if (failures.lag > 0) {
        failures.lag -= 1;
        throw unreachable();
      }
      const waiting = events.filter((event) => event.publishedAt === undefined);
      return waiting.length === 0 ? 0 : (clock.now() - Math.min(...waiting.map((e) => e.createdAt))) / 1000;
    },
    async prunePublished() {
      if (failures.prune > 0) {
        failures.prune -= 1;
        throw unreachable();
      }
      return 0;
    },
  };
  return { outbox, events, failures, claimedAt, held };
}

/** A broker that refuses the sends `refuses` picks (by 1-based attempt) and acknowledges the others. */
function memoryBroker(
  refuses: (attempt: number) => boolean = () => false,
  error: () => Error = () => new Error('KafkaJSConnectionError: broker down'),
) {
  const sent: string[] = [];
  let attempt = 0;
  const publisher: EventPublisher = {
    async publish(events) {
      attempt += 1;
      if (refuses(attempt)) throw error();
      sent.push(...events.map((event) => event.eventId));
    },
  };
  return { publisher, sent };
}
const always = () => true;
const firstAttempts = (count: number) => (attempt: number) => attempt <= count;

function policy(clock: FakeClock, overrides: Partial<RelayPolicy> = {}) {
  const reports: (RelayProgress & { at: number })[] = [];
  const failures: RelayFailure[] = [];
  const drainPolicy: RelayPolicy = {
    stopAt: 30_000,
    maxPaymentsPerClaim: 2,
    idleSleepMs: 100,
    lagReportEveryMs: 5_000,
    retryBaseMs: 200,
    retryMaxMs: 3_000,
    pruneOlderThan: new Date(0),
    pruneLimit: 1_000,
    report: (progress) => reports.push({ ...progress, at: clock.now() }),
    onTransientFailure: (failure) => failures.push(failure),
    clock: () => new Date(clock.now()),
    sleep: (ms) => clock.sleep(ms),
    ...overrides,
  };
  return { drainPolicy, reports, failures };
}

describe('relayOutbox', () => {
  it('keeps draining after the broker was briefly unavailable, backing off exponentially', async () => {
    const clock = fakeClock();
    const { outbox, events } = memoryOutbox(clock, 5);
    const { publisher, sent } = memoryBroker(firstAttempts(3));
    const { drainPolicy, failures } = policy(clock);

    const summary = await relayOutbox(outbox, publisher, drainPolicy);

    expect(sent).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(events.every((event) => event.publishedAt !== undefined)).toBe(true);
    expect(
      failures.map(({ during, consecutive, retryInMs }) => ({ during, consecutive, retryInMs })),
    ).toEqual([
      { during: 'relay', consecutive: 1, retryInMs: 200 },
      { during: 'relay', consecutive: 2, retryInMs: 400 },
      { during: 'relay', consecutive: 3, retryInMs: 800 },
    ]);
    expect(summary).toEqual({ published: 5, pruned: 0, transientFailures: 3 });
  });

  it('claims the next payments while the current ones are published, and publishes each event once, in order', async () => {
    const clock = fakeClock();
    const { outbox, claimedAt } = memoryOutbox(clock, 6);
    const sent: string[] = [];
    const claimsDuringPublish: number[] = [];
    const publisher: EventPublisher = {
      async publish(events) {
        claimsDuringPublish.push(claimedAt.length);
        sent.push(...events.map((event) => event.eventId));
      },
    };
    const { drainPolicy } = policy(clock, { stopAt: 1_000 });

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(sent).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    // Publishing batch n, the claim of batch n + 1 has already been made.
    expect(claimsDuringPublish).toEqual([2, 3, 4]);
  });

  it('holds no claim through a backoff, nor past the drain', async () => {
    const clock = fakeClock();
    const { outbox, held, events } = memoryOutbox(clock, 4);
    const { publisher } = memoryBroker(firstAttempts(1));
    const heldAtFailure: number[] = [];
    const { drainPolicy } = policy(clock, {
      stopAt: 1_000,
      onTransientFailure: () => heldAtFailure.push(held.size),
    });

    await relayOutbox(outbox, publisher, drainPolicy);
    expect(heldAtFailure).toEqual([0]);
    expect(events.every((event) => event.publishedAt !== undefined)).toBe(true);

    // A pass that outlasts the deadline: the claim made ahead of the next pass is released, not relayed.
    const late = memoryOutbox(clock, 4);
    const slow: EventPublisher = { publish: () => clock.sleep(2_000) };
    await relayOutbox(late.outbox, slow, policy(clock, { stopAt: clock.now() + 1_000 }).drainPolicy);
    expect(late.claimedAt).toHaveLength(2);
    expect(late.held.size).toBe(0);
    expect(late.events.map((event) => event.publishedAt !== undefined)).toEqual([true, true, false, false]);
  });

  it('keeps draining after the database was briefly unavailable', async () => {
    const clock = fakeClock();
    const { outbox, failures: outage } = memoryOutbox(clock, 3);
    outage.claim = 2;
    outage.prune = 1;
    const { publisher, sent } = memoryBroker();
    const { drainPolicy, failures } = policy(clock);

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(sent).toEqual(['e1', 'e2', 'e3']);
    expect(failures.map((failure) => failure.during)).toEqual(['prune', 'relay', 'relay']);
    expect(failures[1]?.error).toBeInstanceOf(Error);
    expect(String(failures[1]?.error)).toContain('ECONNREFUSED');
  });

  it('caps the backoff while a dependency stays away', async () => {
    const clock = fakeClock();
    const { outbox } = memoryOutbox(clock, 1);
    const { publisher, sent } = memoryBroker(firstAttempts(7));
    const { drainPolicy, failures } = policy(clock);

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(failures.map((failure) => failure.retryInMs)).toEqual([200, 400, 800, 1_600, 3_000, 3_000, 3_000]);
    expect(sent).toEqual(['e1']);
    expect(Math.max(...clock.sleeps)).toBe(3_000);
  });

  it('starts the backoff again from its base after a successful pass', async () => {
    const clock = fakeClock();
    const { outbox } = memoryOutbox(clock, 2);
    const { publisher, sent } = memoryBroker((attempt) => [1, 2, 4].includes(attempt));
    const { drainPolicy, failures } = policy(clock, { maxPaymentsPerClaim: 1 });

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(sent).toEqual(['e1', 'e2']);
    expect(failures.map((failure) => failure.retryInMs)).toEqual([200, 400, 200]);
  });

  it('lets a programming error end the drain', async () => {
    const clock = fakeClock();
    const { outbox } = memoryOutbox(clock, 1);
    const { publisher } = memoryBroker(
      always,
      () => new TypeError("Cannot read properties of undefined (reading 'send')"),
    );
    const { drainPolicy, failures } = policy(clock);

    await expect(relayOutbox(outbox, publisher, drainPolicy)).rejects.toThrow(TypeError);
    expect(failures).toEqual([]);
  });

  it('starts no pass after stopAt and never sleeps past it', async () => {
    const clock = fakeClock();
    const { outbox, claimedAt } = memoryOutbox(clock, 0);
    const { publisher } = memoryBroker();
    const { drainPolicy } = policy(clock, { stopAt: 1_050, idleSleepMs: 100 });

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(claimedAt).toHaveLength(11);
    expect(Math.max(...claimedAt)).toBeLessThan(1_050);
    expect(clock.now()).toBe(1_050);
  });

  it('does not sleep a backoff past stopAt', async () => {
    const clock = fakeClock();
    const { outbox } = memoryOutbox(clock, 1);
    const { publisher } = memoryBroker(always);
    const { drainPolicy } = policy(clock, { stopAt: 10_000 });

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(clock.now()).toBe(10_000);
  });

  it('reports its lag at the start and every few seconds while it runs, not only at the end', async () => {
    const clock = fakeClock();
    const { outbox } = memoryOutbox(clock, 1);
    // The broker stays away for the whole drain: the waiting event's age is what the reports must show.
    const { publisher } = memoryBroker(always);
    const { drainPolicy, reports } = policy(clock, { stopAt: 20_000, retryBaseMs: 1_000, retryMaxMs: 1_000 });

    await relayOutbox(outbox, publisher, drainPolicy);

    const lagReports = reports.filter((report) => report.lagSeconds !== undefined);
    expect(lagReports.map((report) => report.at)).toEqual([0, 5_000, 10_000, 15_000]);
    expect(lagReports.map((report) => report.lagSeconds)).toEqual([0, 5, 10, 15]);
    expect(lagReports.slice(1).every((report) => report.transientFailures > 0)).toBe(true);
    expect(reports.at(-1)).toMatchObject({ at: 20_000 });
    expect(reports.at(-1)?.lagSeconds).toBeUndefined();
  });

  it('reports what it published since the previous report, and zero lag once drained', async () => {
    const clock = fakeClock();
    const { outbox } = memoryOutbox(clock, 3);
    const { publisher } = memoryBroker();
    const { drainPolicy, reports } = policy(clock, { stopAt: 6_000 });

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(reports.map(({ at, lagSeconds, published }) => ({ at, lagSeconds, published }))).toEqual([
      { at: 0, lagSeconds: 0, published: 0 },
      { at: 5_000, lagSeconds: 0, published: 3 },
      { at: 6_000, lagSeconds: undefined, published: 0 },
    ]);
  });

  it('keeps reporting counts without a lag while the lag cannot be measured', async () => {
    const clock = fakeClock();
    const { outbox, failures: outage } = memoryOutbox(clock, 1);
    outage.lag = 1;
    const { publisher } = memoryBroker();
    const { drainPolicy, reports, failures } = policy(clock, { stopAt: 7_000 });

    await relayOutbox(outbox, publisher, drainPolicy);

    expect(reports[0]).toEqual({ at: 0, published: 0, transientFailures: 1 });
    expect(failures).toMatchObject([{ during: 'lag', retryInMs: 5_000 }]);
    expect(reports[1]).toMatchObject({ at: 5_000, lagSeconds: 0, published: 1 });
  });
});
