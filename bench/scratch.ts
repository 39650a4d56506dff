import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { applyMigrations, migrationsDirUnder } from '../lambdas/core/adapters/postgres/migrations';
import { PAYMENT_EVENTS_TOPIC } from '../lambdas/core/config/messaging';
import { seedDemoMerchants } from '../localstack/src/demo-merchants';
import { ROOT } from '../localstack/src/settings';
import type { LocalEndpoints } from '../localstack/src/stack';

/**
 * A scratch database next to the stack's own (`<name>_<suffix>`, `<name>_bench` for the bench, same server, same schema from the migrations,
 * the demo merchants seeded): the engine limits, the relay and the consumers are measured on it, so that
 * nothing they write reaches the running relay or consumers. The function roles are server-wide, so the
 * handlers reach it through the local RDS Proxy as their own roles, as they reach the stack's database.
 */
export interface ScratchDatabase {
  /** Straight to PostgreSQL, as the migrator (the schema's owner). */
  readonly url: string;
  /** The stack's function-role URLs (through the proxy), pointed at the scratch database. */
  readonly functionRoleUrls: Record<string, string>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The server's administrator: the `postgres` user on the stack's server (the local stack creates its database the same way). */
function adminUrl(databaseUrl: string): string {
  const parsed = new URL(databaseUrl);
  const admin = new URL(`postgres://postgres@${parsed.host}/postgres`);
  if (parsed.hostname === '127.0.0.1' && parsed.port !== '5432') admin.password = 'postgres';
  return admin.toString();
}

async function asAdmin(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl(databaseUrl), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(
  endpoints: LocalEndpoints,
  suffix = 'bench',
): Promise<ScratchDatabase> {
  const stackDatabase = new URL(endpoints.databaseUrl).pathname.slice(1);
  const name = `${stackDatabase}_${suffix}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unusable scratch database name "${name}"`);
  const owner = decodeURIComponent(new URL(endpoints.databaseUrl).username);
  await asAdmin(endpoints.databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await asAdmin(endpoints.databaseUrl, `CREATE DATABASE ${name} OWNER ${owner}`);
  await asAdmin(endpoints.databaseUrl, `ALTER DATABASE ${name} SET timezone TO 'UTC'`);
  const url = withDatabase(endpoints.databaseUrl, name);
  await applyMigrations(url, migrationsDirUnder(ROOT));
  await seedDemoMerchants({ ...endpoints, databaseUrl: url });
  return {
    url,
    functionRoleUrls: Object.fromEntries(
      Object.entries(endpoints.functionRoleDatabaseUrls).map(([role, roleUrl]) => [
        role,
        withDatabase(roleUrl, name),
      ]),
    ),
    drop: () => asAdmin(endpoints.databaseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * Runs `use` on a scratch topic shaped like payment-events (its partitions), named `aspay-bench-<purpose>-<pid>`
 * so that nothing the running consumers read receives it, and deletes the topic afterwards.
 */
export async function withScratchTopic<T>(
  kafka: Kafka,
  purpose: string,
  use: (topic: string) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  const topic = `aspay-bench-${purpose}-${process.pid}`;
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: PAYMENT_EVENTS_TOPIC.partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    return await use(topic);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
