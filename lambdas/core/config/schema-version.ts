import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fingerprint of the versioned migrations in `dir`: the CDK stack passes it to the schema custom resource
 * (which runs again whenever it changes), and the migrate function compares it with the migrations it bundles
 * to tell a rollback to an older schema from a deploy of its own.
 */
export function migrationsFingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  return hash.digest('hex');
}
