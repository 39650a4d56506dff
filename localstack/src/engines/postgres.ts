import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { applyMigrations, migrationsDirUnder } from '../../../lambdas/core/adapters/postgres/migrations';
import { ENV } from '../../../lambdas/core/config/environment';
import { redactSecrets } from '../../../lambdas/core/redaction';
import { enableLocalRoleLogins } from '../database-roles';
import { DATA_DIR, HOST, type LocalPorts, ROOT } from '../settings';
import { logFileOf, startProcess, tailOf } from '../support/processes';
import { StackError } from '../support/stack-error';
import { isPortOpen, waitUntil } from '../support/wait';
import type { Engine } from './engine';

const ROLE = 'aspay';
const LOCAL_SERVER_ADMIN_URL = `postgres://postgres@${HOST}:5432/postgres`;
/** How long a server that accepts TCP connections may take to answer (a busy machine is slow, not absent). */
const SLOW_SERVER_PATIENCE_MS = 60_000;

async function answers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether a PostgreSQL server serves `url`: `unusable` when nothing listens on its port (connection refused) or
 * the server refuses us (a PostgreSQL error); a server that is merely slow to answer is waited for, not replaced.
 */
async function probeServer(url: string): Promise<'answers' | 'unusable'> {
  const { hostname, port } = new URL(url);
  const deadline = Date.now() + SLOW_SERVER_PATIENCE_MS;
  for (;;) {
    try {
      await answers(url);
      return 'answers';
    } catch (error) {
      const refused = (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      if (refused || error instanceof pg.DatabaseError) return 'unusable';
      if (Date.now() >= deadline) {
        throw new StackError(
          `a PostgreSQL server on ${hostname}:${port} accepts connections but does not answer: ${(error as Error).message}`,
        );
      }
      await sleep(1_000);
    }
  }
}

/** The database the local stack uses: `aspay`, or `ENV.databaseName`'s (the tests use their own). */
function databaseName(): string {
  const name = process.env[ENV.databaseName] ?? 'aspay';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new StackError(`${ENV.databaseName} must be a plain lower-case identifier, got "${name}"`);
  }
  return name;
}

/**
 * Creates the `aspay` role (the migrator, owner of the schema) and the database on a server we administer, both pinned to UTC. `fresh` drops the
 * database first, so a test run starts from nothing.
 */
async function provisionDatabase(
  adminUrl: string,
  serverUrl: (database: string) => string,
  fresh: boolean,
): Promise<string> {
  const database = databaseName();
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLE]);
    if (role.rowCount === 0) await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${ROLE}'`);
    // The migrator creates the function roles (migrations/0009_function_roles.sql) and lets them log in.
    await admin.query(`ALTER ROLE ${ROLE} CREATEROLE`);
    await admin.query(`ALTER ROLE ${ROLE} SET timezone TO 'UTC'`);
    if (fresh) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${database} OWNER ${ROLE}`);
    await admin.query(`ALTER DATABASE ${database} SET timezone TO 'UTC'`);
  } finally {
    await admin.end();
  }
  return serverUrl(database);
}

/**
 * PostgreSQL, standing in for Aurora PostgreSQL: `DATABASE_URL` when set; otherwise a server on
 * 127.0.0.1:5432 when one answers; otherwise an embedded PostgreSQL from the npm registry.
 */
export function postgresEngine(
  ports: LocalPorts,
  {
    fresh = false,
    localServerUrl = LOCAL_SERVER_ADMIN_URL,
    /** Where an embedded server keeps its data, and the name its process is managed by. */
    embedded = { dataDir: join(DATA_DIR, 'postgres'), processName: 'postgres' },
  } = {},
): Engine & { databaseUrl(): string } {
  let databaseUrl = process.env[ENV.databaseUrl] ?? '';

  const engine = {
    name: 'postgres',
    get endpoint() {
      return redactSecrets(databaseUrl);
    },
    databaseUrl: () => databaseUrl,
    async isHealthy() {
      if (!databaseUrl) return false;
      await answers(databaseUrl);
      return true;
    },
    async start() {
      if (databaseUrl) {
        try {
          await answers(databaseUrl);
        } catch (error) {
          throw new StackError(
            `DATABASE_URL (${redactSecrets(databaseUrl)}) does not answer: ${(error as Error).message}`,
          );
        }
        return undefined;
      }
      if ((await probeServer(localServerUrl)) === 'answers') {
        databaseUrl = await provisionDatabase(
          localServerUrl,
          (database) => `postgres://${ROLE}:${ROLE}@${HOST}:5432/${database}`,
          fresh,
        );
        return undefined;
      }
      return startEmbedded();
    },
    async bootstrap() {
      await applyMigrations(databaseUrl, migrationsDirUnder(ROOT));
      await enableLocalRoleLogins(databaseUrl);
    },
  };

  async function startEmbedded() {
    const port = ports.embeddedPostgres;
    const adminUrl = `postgres://postgres:postgres@${HOST}:${port}/postgres`;
    const alreadyUp = await answers(adminUrl).then(
      () => true,
      () => false,
    );
    let child: ReturnType<typeof startProcess> | undefined;
    if (!alreadyUp) {
      if (await isPortOpen(port)) {
        throw new StackError(
          `port ${port} for the embedded PostgreSQL is taken by another program: stop it or set ASPAY_EMBEDDED_PG_PORT`,
        );
      }
      child = startProcess(embedded.processName, process.execPath, [
        '--import',
        'tsx',
        join(ROOT, 'localstack', 'src', 'engines', 'embedded-postgres-server.ts'),
        embedded.dataDir,
        String(port),
        logFileOf(embedded.processName),
      ]);
      const started = child;
      const healthy = await waitUntil(
        () =>
          answers(adminUrl).then(
            () => true,
            () => false,
          ),
        {
          timeoutMs: 120_000,
          intervalMs: 500,
          abort: () => {
            const reason = started.exitReason();
            return reason && `embedded PostgreSQL ${reason}: ${tailOf(started.logFile)}`;
          },
        },
      ).catch((error: Error) => {
        throw new StackError(error.message);
      });
      if (!healthy) throw new StackError(`embedded PostgreSQL did not start: ${tailOf(started.logFile)}`);
    }
    databaseUrl = await provisionDatabase(
      adminUrl,
      (database) => `postgres://${ROLE}:${ROLE}@${HOST}:${port}/${database}`,
      fresh,
    );
    return child;
  }

  return engine;
}
