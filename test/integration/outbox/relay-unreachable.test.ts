import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';
import { kafkaEventPublisher } from '../../../lambdas/core/adapters/kafka/event-publisher';
import { postgresOutbox } from '../../../lambdas/core/adapters/postgres/outbox';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { PAYMENT_EVENTS_TOPIC } from '../../../lambdas/core/config/messaging';
import type { EventPublisher, Outbox } from '../../../lambdas/core/use-cases/ports/outbox';
import {
  type RelayFailure,
  type RelayPolicy,
  type RelayProgress,
  relayOutbox,
} from '../../../lambdas/core/use-cases/relay-outbox';

/** A local port nobody listens on: connecting to it is refused at once, as a database or broker that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function shortDrain(durationMs: number) {
  const reports: RelayProgress[] = [];
  const failures: RelayFailure[] = [];
  const policy: RelayPolicy = {
    stopAt: Date.now() + durationMs,
    maxPaymentsPerClaim: 10,
    idleSleepMs: 100,
    lagReportEveryMs: 500,
    retryBaseMs: 50,
    retryMaxMs: 200,
    pruneOlderThan: new Date(0),
    pruneLimit: 10,
    report: (progress) => reports.push(progress),
    onTransientFailure: (failure) => failures.push(failure),
  };
  return { policy, reports, failures };
}

const unusedPublisher: EventPublisher = {
  publish: async () => {
    throw new Error('nothing can be claimed, so nothing is published');
  },
};

describe('the relay with a dependency down', () => {
  it('keeps draining, and keeps reporting without a lag, while PostgreSQL refuses connections', async () => {
    const pool = createPool(`postgres://aspay@127.0.0.1:${await closedPort()}/aspay`);
    const { policy, reports, failures } = shortDrain(1_500);
    try {
      const summary = await relayOutbox(postgresOutbox(pool), unusedPublisher, policy);

      expect(summary.published).toBe(0);
      expect(new Set(failures.map((failure) => failure.during))).toEqual(new Set(['prune', 'lag', 'relay']));
      expect(failures.filter((failure) => failure.during === 'relay').length).toBeGreaterThan(3);
      expect(reports.length).toBeGreaterThanOrEqual(3);
      expect(reports.every((report) => report.lagSeconds === undefined)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('keeps draining, and releases every claim unmarked, while the Kafka broker refuses connections', async () => {
    const kafka = createKafka({
      clientId: 'aspay-relay-test',
      brokers: [`127.0.0.1:${await closedPort()}`],
      connectionTimeout: 200,
      retry: { retries: 0 },
    });
    const publisher = kafkaEventPublisher(kafka, PAYMENT_EVENTS_TOPIC.name);
    let claims = 0;
    let marked = 0;
    let released = 0;
    const oneWaitingEvent: Outbox = {
      claim: async () => {
        claims += 1;
        return {
          events: [{ outboxId: '1', eventId: 'e1', type: 'payment.initiated', key: 'p1', value: '{}' }],
          markPublished: async () => {
            marked += 1;
          },
          release: async () => {
            released += 1;
          },
        };
      },
      lagSeconds: async () => 42,
      prunePublished: async () => 0,
    };
    const { policy, reports, failures } = shortDrain(1_500);
    try {
      await relayOutbox(oneWaitingEvent, publisher, policy);

      expect(failures.length).toBeGreaterThan(3);
      expect(failures.every((failure) => failure.during === 'relay')).toBe(true);
      expect(String(failures[0]?.error)).toMatch(/KafkaJS/);
      expect(marked).toBe(0);
      // Each failed pass's own claim, and the next pass's claim made while it published: none stays open.
      expect(claims).toBeGreaterThanOrEqual(failures.length);
      expect(released).toBe(claims);
      expect(reports.filter((report) => report.lagSeconds === 42).length).toBeGreaterThanOrEqual(3);
    } finally {
      await publisher.close().catch(() => undefined);
    }
  });
});
