/**
 * The function roles on a laptop: the same roles as in AWS (the migrations create them), each with a local
 * password, and one database URL per role through the local RDS Proxy, so every handler connects as its own
 * role and a grant its code lacks fails here as it would in AWS.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from '../../lambdas/core/adapters/postgres/pool';
import { enableRoleLogin } from '../../lambdas/core/adapters/postgres/role-credentials';
import { DATABASE_ROLE_NAMES } from '../../lambdas/core/config/database-roles';

/** Local only: a role's password is its name (in AWS, Secrets Manager generates one per role). */
export const localRolePassword = (role: string) => role;

/** The handlers' database URL (through the local RDS Proxy) for each function role. */
export function functionRoleDatabaseUrls(functionsDatabaseUrl: string): Record<string, string> {
  return Object.fromEntries(
    DATABASE_ROLE_NAMES.map((role) => {
      const url = new URL(functionsDatabaseUrl);
      url.username = role;
      url.password = localRolePassword(role);
      return [role, url.toString()];
    }),
  );
}

/** SQLSTATE XX000 "tuple concurrently updated": two servers' stacks altered the same (server-wide) role at once. */
const isConcurrentRoleUpdate = (error: unknown) =>
  (error as { message?: string }).message === 'tuple concurrently updated';

/** Lets every function role log in with its local password; run as the migrator after the migrations. */
export async function enableLocalRoleLogins(databaseUrl: string): Promise<void> {
  const pool = createPool(databaseUrl, { max: 1 });
  try {
    for (const role of DATABASE_ROLE_NAMES) {
      for (let attempt = 1; ; attempt++) {
        try {
          await enableRoleLogin(pool, role, localRolePassword(role));
          break;
        } catch (error) {
          if (!isConcurrentRoleUpdate(error) || attempt === 5) throw error;
          await sleep(100 * attempt);
        }
      }
    }
  } finally {
    await pool.end();
  }
}
