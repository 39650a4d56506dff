import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { STATE_DIR } from './settings';

/** The local key-encryption key for webhook secrets (the KMS key's stand-in), in the git-ignored local state. */
export const WEBHOOK_SECRETS_KEY_FILE = join(STATE_DIR, 'secrets', 'webhook-secrets.key');

/**
 * Generates the key on first start and keeps it afterwards: secrets sealed into a database that outlives a
 * restart must still open. Readable by its owner only, as a key file should be.
 */
export function ensureWebhookSecretsKey(file = WEBHOOK_SECRETS_KEY_FILE): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return file;
}
