/**
 * Which Kafka cluster and which database a local stack was started with. A runner left behind by its stack
 * (its supervisor killed, its checkout's stack stopped) would otherwise join the consumer groups of whatever
 * broker later listens on its port, another checkout's, and process that stack's events against its own
 * database. The stack hands its runner these identities; the runner refuses to consume from anything else.
 */
import { type Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';

export interface StackIdentity {
  /** The KRaft cluster id, chosen at random when the broker's data directory is formatted (engines/kafka.ts). */
  readonly kafkaClusterId: string;
  /**
   * The server's system identifier (set once by initdb) and the database's oid (new whenever the database is
   * dropped and created again, as a fresh test run does): two checkouts may share one PostgreSQL server,
   * and even one database name.
   */
  readonly database: string;
}

export type IdentityCheck =
  | { readonly outcome: 'same' }
  /** An engine did not answer: an outage, not another stack; the check is repeated later. */
  | { readonly outcome: 'unknown' }
  | { readonly outcome: 'foreign'; readonly reason: string };

/** A client for the check alone: one attempt, quiet; a broker that does not answer is an outage, told apart. */
export function identityKafka(brokers: readonly string[]): Kafka {
  return createKafka({
    clientId: 'aspay-local-identity',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

export async function kafkaClusterId(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } finally {
    await admin.disconnect();
  }
}

export async function databaseIdentity(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  // A connection the database drops mid-check (an outage) also emits 'error': with no listener that would end
  // the runner, while the failed connect or query already answers this check as unknown.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ server: string; database: string }>(
      `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS server, oid::text AS database
         FROM pg_database WHERE datname = current_database()`,
    );
    const row = rows[0];
    if (!row) throw new Error('the current database is not in pg_database');
    return `${row.server}/${row.database}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Compares what `kafka` and `databaseUrl` reach now with the stack's identities. */
export async function checkIdentity(
  expected: StackIdentity,
  kafka: Kafka,
  databaseUrl: string,
): Promise<IdentityCheck> {
  const [clusterId, database] = await Promise.all([
    kafkaClusterId(kafka).catch(() => undefined),
    databaseIdentity(databaseUrl).catch(() => undefined),
  ]);
  if (clusterId !== undefined && clusterId !== expected.kafkaClusterId) {
    return {
      outcome: 'foreign',
      reason: `the Kafka broker answers with cluster id ${clusterId}, not ${expected.kafkaClusterId} (the one its stack was started with)`,
    };
  }
  if (database !== undefined && database !== expected.database) {
    return {
      outcome: 'foreign',
      reason: `the database is ${database} (system identifier/oid), not ${expected.database} (the one its stack was started with)`,
    };
  }
  return clusterId === undefined || database === undefined ? { outcome: 'unknown' } : { outcome: 'same' };
}
