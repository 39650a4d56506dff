import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';

/** Versioned SQL migrations, applied in order and recorded in `pgmigrations` (node-pg-migrate). */
export async function applyMigrations(database: string | pg.Pool, migrationsDir: string): Promise<string[]> {
  if (typeof database === 'string') {
    return migrate({ databaseUrl: database }, migrationsDir);
  }
  const dbClient = await database.connect();
  try {
    return await migrate({ dbClient }, migrationsDir);
  } finally {
    dbClient.release();
  }
}

async function migrate(
  connection: { databaseUrl: string } | { dbClient: pg.PoolClient },
  migrationsDir: string,
): Promise<string[]> {
  const applied = await runner({
    ...connection,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    // Each migration file runs in its own transaction; a failure leaves the earlier ones applied.
    singleTransaction: false,
    log: () => undefined,
  });
  return applied.map((migration) => migration.name);
}

/** Where the migrations live relative to a bundle or the repository root. */
export function migrationsDirUnder(root: string): string {
  return join(root, 'migrations');
}
