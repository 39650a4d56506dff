import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type pg from 'pg';
import { ENV } from '../../config/environment';
import { ConfigurationError } from '../../config/errors';
import { CONSUMER_PAYMENTS_IN_PARALLEL } from '../../config/messaging';
import { integerSetting, setting } from '../../config/settings';
import { SessionTimeZoneError } from '../errors';
import { type CredentialsSource, createPool } from './pool';

/** Names PostgreSQL reports for the UTC zone. */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC']);

/** Locally: `DATABASE_URL`, read from the environment at each call. */
export function databaseUrlCredentials(): CredentialsSource {
  return {
    async read() {
      const url = setting(ENV.databaseUrl);
      if (!url) throw new ConfigurationError(`${ENV.databaseUrl} is not set`);
      return url;
    },
  };
}

/**
 * In AWS: the Aurora secret, fetched at each call (it rotates every 30 days), for the database endpoint (RDS
 * Proxy, or the cluster in stages without one). Both require TLS (the proxy's requireTLS, the cluster's
 * rds.force_ssl); the Lambda runtime trusts the RDS CA through NODE_EXTRA_CA_CERTS.
 */
function secretsManagerCredentials(secretArn: string, host: string, database: string): CredentialsSource {
  return {
    async read() {
      const { username, password } = await readDatabaseSecret(secretArn);
      return { host, database, user: username, password, port: 5432, ssl: { rejectUnauthorized: true } };
    },
  };
}

let secretsManager: SecretsManagerClient | undefined;

/** A database user's secret (RDS's format: JSON with `username` and `password`), read afresh. */
export async function readDatabaseSecret(secretArn: string): Promise<{ username: string; password: string }> {
  secretsManager ??= new SecretsManagerClient({});
  const secret = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn }));
  return JSON.parse(secret.SecretString ?? '{}') as { username: string; password: string };
}

function credentialsFromEnvironment(): CredentialsSource {
  if (setting(ENV.databaseUrl)) return databaseUrlCredentials();
  const secretArn = setting(ENV.databaseSecretArn);
  const host = setting(ENV.databaseHost);
  const database = setting(ENV.databaseName);
  if (!secretArn || !host || !database) {
    throw new ConfigurationError(
      `set ${ENV.databaseUrl}, or ${ENV.databaseSecretArn} with ${ENV.databaseHost} and ${ENV.databaseName}`,
    );
  }
  return secretsManagerCredentials(secretArn, host, database);
}

/**
 * A pool on `credentials` (re-read when a login is refused), checked once on its first connection: its
 * sessions must run in UTC, which the database's settings guarantee since no client may set it (RDS Proxy).
 */
export async function openDatabasePool(credentials: CredentialsSource): Promise<pg.Pool> {
  // A pool opens a connection only when every open one is busy: a function serving one request at a time
  // uses one or two, a consumer up to the payments it handles at once (more would make them queue for one).
  // The stack sets each function's size; the local stack, whose one process hosts the consumers too, needs
  // the consumers'.
  const max = integerSetting(process.env, ENV.databasePoolSize, CONSUMER_PAYMENTS_IN_PARALLEL, 1);
  const pool = createPool(await credentials.read(), { credentials, max });
  try {
    const { rows } = await pool.query<{ time_zone: string }>(
      "SELECT current_setting('TimeZone') AS time_zone",
    );
    const timeZone = rows[0]?.time_zone ?? '';
    if (!UTC_NAMES.has(timeZone)) {
      throw new SessionTimeZoneError(
        `database sessions run in time zone "${timeZone}", not UTC: set the database default (ALTER DATABASE … SET timezone TO 'UTC') or the parameter group's timezone`,
      );
    }
    return pool;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}

const pools = new Map<string, Promise<pg.Pool>>();

/**
 * The function's pool, created on first use (cold start) and reused by every later invocation. A failed
 * opening (the secret could not be read, the database did not answer) is not kept: the next call tries again.
 * Pools are kept per credentials the environment names: a process that hosts several functions (the local
 * stack's) gives each the pool of its own database role.
 */
export function databasePool(): Promise<pg.Pool> {
  const key = `${setting(ENV.databaseUrl) ?? ''} ${setting(ENV.databaseSecretArn) ?? ''}`;
  const pool = pools.get(key);
  if (pool) return pool;
  const opening = Promise.resolve().then(() => openDatabasePool(credentialsFromEnvironment()));
  pools.set(key, opening);
  opening.catch(() => {
    if (pools.get(key) === opening) pools.delete(key);
  });
  return opening;
}
