import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type pg from 'pg';
import { ENV } from '../../config/environment';
import { createPool } from './pool';

let pool: Promise<pg.Pool> | undefined;

async function connectionConfig(): Promise<string | pg.PoolConfig> {
  const url = process.env[ENV.databaseUrl];
  if (url) return url;
  const secretArn = process.env[ENV.databaseSecretArn];
  const host = process.env[ENV.databaseHost];
  const database = process.env[ENV.databaseName];
  if (!secretArn || !host || !database) {
    throw new Error(
      `set ${ENV.databaseUrl}, or ${ENV.databaseSecretArn} with ${ENV.databaseHost} and ${ENV.databaseName}`,
    );
  }
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  const { username, password } = JSON.parse(secret.SecretString ?? '{}') as {
    username: string;
    password: string;
  };
  // RDS Proxy speaks TLS; the Lambda runtime trusts the RDS CA through NODE_EXTRA_CA_CERTS.
  return { host, database, user: username, password, port: 5432, ssl: { rejectUnauthorized: true } };
}

/** The function's pool, created on first use (cold start) and reused by every later invocation. */
export function databasePool(): Promise<pg.Pool> {
  pool ??= connectionConfig().then(createPool);
  return pool;
}
