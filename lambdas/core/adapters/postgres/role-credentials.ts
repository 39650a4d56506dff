import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { readDatabaseSecret } from './connection';

/** PostgreSQL's default SCRAM iteration count (scram_iterations). */
const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677): given to ALTER ROLE in
 * place of the password itself, so the password never reaches the server's statement log.
 * https://www.postgresql.org/docs/current/catalog-pg-authid.html. The passwords are ASCII (generated), which
 * SASLprep leaves as they are.
 */
export function scramVerifier(password: string, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Lets a function role (created NOLOGIN by the migrations) log in with `password`. Run by the migrator, which
 * may alter the roles it created (CREATEROLE).
 */
export async function enableRoleLogin(pool: pg.Pool, role: string, password: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(
      `ALTER ROLE ${client.escapeIdentifier(role)} WITH LOGIN PASSWORD ${client.escapeLiteral(scramVerifier(password))}`,
    );
  } finally {
    client.release();
  }
}

/**
 * In AWS: lets each function role log in with the password Secrets Manager generated into its secret (whose
 * `username` is the role), so no password is ever in a migration or in the template. Returns the roles.
 */
export async function enableRoleLoginsFromSecrets(
  pool: pg.Pool,
  secretArns: readonly string[],
): Promise<string[]> {
  const roles: string[] = [];
  for (const secretArn of secretArns) {
    const { username, password } = await readDatabaseSecret(secretArn);
    await enableRoleLogin(pool, username, password);
    roles.push(username);
  }
  return roles;
}
