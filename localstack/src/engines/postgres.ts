import { join } from 'node:path';
import pg from 'pg';
import { applyMigrations, migrationsDirUnder } from '../../../lambdas/core/adapters/postgres/migrations';
import { DATA_DIR, HOST, type LocalPorts, ROOT } from '../settings';
import { startProcess, tailOf } from '../support/processes';
import { StackError } from '../support/stack-error';
import { isPortOpen, waitUntil } from '../support/wait';
import type { Engine } from './engine';

const DATABASE = 'aspay';
const ROLE = 'aspay';
const LOCAL_SERVER_ADMIN_URL = `postgres://postgres@${HOST}:5432/postgres`;

async function answers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Creates the `aspay` role and database on a server we administer, both pinned to UTC. */
async function provisionDatabase(adminUrl: string, serverUrl: (database: string) => string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLE]);
    if (role.rowCount === 0) await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${ROLE}'`);
    await admin.query(`ALTER ROLE ${ROLE} SET timezone TO 'UTC'`);
    const database = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (database.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
    await admin.query(`ALTER DATABASE ${DATABASE} SET timezone TO 'UTC'`);
  } finally {
    await admin.end();
  }
  return serverUrl(DATABASE);
}

/**
 * PostgreSQL, standing in for Aurora PostgreSQL: `DATABASE_URL` when set; otherwise a server on
 * 127.0.0.1:5432 when one answers; otherwise an embedded PostgreSQL from the npm registry.
 */
export function postgresEngine(ports: LocalPorts): Engine & { databaseUrl(): string } {
  let databaseUrl = process.env.DATABASE_URL ?? '';

  const engine = {
    name: 'postgres',
    get endpoint() {
      return redact(databaseUrl);
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
            `DATABASE_URL (${redact(databaseUrl)}) does not answer: ${(error as Error).message}`,
          );
        }
        return undefined;
      }
      const localServerAnswers = await answers(LOCAL_SERVER_ADMIN_URL).then(
        () => true,
        () => false,
      );
      if (localServerAnswers) {
        databaseUrl = await provisionDatabase(
          LOCAL_SERVER_ADMIN_URL,
          (database) => `postgres://${ROLE}:${ROLE}@${HOST}:5432/${database}`,
        );
        return undefined;
      }
      return startEmbedded();
    },
    async bootstrap() {
      await applyMigrations(databaseUrl, migrationsDirUnder(ROOT));
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
      child = startProcess('postgres', process.execPath, [
        '--import',
        'tsx',
        join(ROOT, 'localstack', 'src', 'engines', 'embedded-postgres-server.ts'),
        join(DATA_DIR, 'postgres'),
        String(port),
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
    );
    return child;
  }

  return engine;
}
