import { join } from 'node:path';
import { runner } from 'node-pg-migrate';

/** Versioned SQL migrations, applied in order and recorded in `pgmigrations` (node-pg-migrate). */
export async function applyMigrations(databaseUrl: string, migrationsDir: string): Promise<string[]> {
  const applied = await runner({
    databaseUrl: { connectionString: databaseUrl, options: '-c TimeZone=UTC' },
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
