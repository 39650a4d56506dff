import type pg from 'pg';
import { postgresApiKeys } from '../../lambdas/core/adapters/postgres/api-keys';
import { ValidationError } from '../../lambdas/core/domain/errors';
import { isMode, MODES } from '../../lambdas/core/domain/mode';
import { apiKeyRepresentation } from '../../lambdas/core/http/representations';
import { createApiKey, listApiKeys, revokeApiKey, rollApiKey } from '../../lambdas/core/use-cases/api-keys';
import { ApiKeyNotFoundError, LastFullAccessKeyError } from '../../lambdas/core/use-cases/errors';
import type { ApiKeyRecord } from '../../lambdas/core/use-cases/ports/api-keys';
import { systemClock } from '../../lambdas/core/use-cases/ports/clock';
import type { MerchantScope } from '../../lambdas/core/use-cases/ports/merchants';
import { CheckFailedError, type Output, UsageError } from '../context';

/**
 * `aspay keys list|create|roll|revoke`: a merchant's API keys, for operators (a leaked key revoked, a key
 * rolled for a merchant locked out). Through the same use cases as `/v1/api_keys`; a new key's secret is
 * printed once. A revoke takes effect once the API's cached authorizations of the key end, within the
 * authorizer's cache time (`AUTHORIZER_CACHE_TTL_SECONDS`, 60 s).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function keyLine(key: ApiKeyRecord, now: Date): string {
  const shown = apiKeyRepresentation(key, now);
  const until = shown.status === 'active' && key.expiresAt ? ` until ${shown.expiresAt}` : '';
  return `${key.id}  ${key.mode}  ${key.access.padEnd(4)}  ${key.prefix.padEnd(13)}  ${shown.status}${until}  last used ${shown.lastUsedAt ?? 'never'}`;
}

/** Use-case errors an operator can act on, as the CLI reports them. */
function reported(error: unknown): never {
  if (error instanceof ApiKeyNotFoundError) throw new UsageError('no such usable key');
  if (error instanceof LastFullAccessKeyError) throw new CheckFailedError(error.message);
  if (error instanceof ValidationError) throw new UsageError(`--expires-in: ${error.message}`);
  throw error;
}

export async function listKeysCommand(
  pool: pg.Pool,
  options: { merchant?: string; mode?: string },
  out: Output,
): Promise<void> {
  if (!options.merchant) throw new UsageError('usage: aspay keys list --merchant <id> [--mode test|live]');
  if (options.mode !== undefined && !isMode(options.mode))
    throw new UsageError(`--mode: test or live, got "${options.mode}"`);
  const keys: ApiKeyRecord[] = [];
  for (const mode of options.mode ? [options.mode] : MODES)
    keys.push(
      ...(await listApiKeys(postgresApiKeys(pool), { merchantId: options.merchant, mode }, { limit: 100 }))
        .keys,
    );
  const now = systemClock();
  out.print(
    keys.map((key) => apiKeyRepresentation(key, now)),
    () =>
      [
        `${options.merchant}: ${keys.length} key(s), newest first`,
        ...keys.map((key) => keyLine(key, now)),
      ].join('\n'),
  );
}

export async function createKeyCommand(
  pool: pg.Pool,
  options: { merchant?: string; mode?: string; readOnly: boolean },
  out: Output,
): Promise<void> {
  const usage = 'usage: aspay keys create --merchant <id> --mode test|live [--read-only]';
  if (!options.merchant || !options.mode) throw new UsageError(usage);
  if (!isMode(options.mode)) throw new UsageError(`--mode: test or live, got "${options.mode}"`);
  const { rows } = await pool.query('SELECT 1 FROM merchants WHERE id = $1', [options.merchant]);
  if (!rows[0]) throw new UsageError(`no merchant ${options.merchant}`);
  const scope = { merchantId: options.merchant, mode: options.mode };
  const issued = await createApiKey(postgresApiKeys(pool), scope, options.readOnly ? 'read' : 'full');
  out.print({ ...apiKeyRepresentation(issued.key, systemClock()), secret: issued.secret }, () =>
    [keyLine(issued.key, systemClock()), `key  ${issued.secret}  (shown once: store it now)`].join('\n'),
  );
}

/** The merchant and mode of a key: an operator names the key alone. */
async function scopeOfKey(pool: pg.Pool, keyId: string | undefined, usage: string): Promise<MerchantScope> {
  if (!keyId || !UUID.test(keyId)) throw new UsageError(usage);
  const { rows } = await pool.query<MerchantScope>(
    'SELECT merchant_id AS "merchantId", mode FROM api_keys WHERE id = $1',
    [keyId],
  );
  if (!rows[0]) throw new UsageError(`no key ${keyId}`);
  return rows[0];
}

export async function rollKeyCommand(
  pool: pg.Pool,
  keyId: string | undefined,
  expiresIn: string | undefined,
  out: Output,
): Promise<void> {
  const scope = await scopeOfKey(pool, keyId, 'usage: aspay keys roll <key id> [--expires-in <seconds>]');
  // The use case checks the overlap's range (a ValidationError, reported as a usage error).
  const issued = await rollApiKey(
    postgresApiKeys(pool),
    scope,
    keyId as string,
    Number(expiresIn ?? '0'),
    systemClock,
  ).catch(reported);
  const now = systemClock();
  out.print(
    {
      ...apiKeyRepresentation(issued.key, now),
      secret: issued.secret,
      rolled: apiKeyRepresentation(issued.rolled, now),
    },
    () =>
      [
        `rolled   ${keyLine(issued.rolled, now)}`,
        `new      ${keyLine(issued.key, now)}`,
        `key  ${issued.secret}  (shown once: store it now)`,
      ].join('\n'),
  );
}

export async function revokeKeyCommand(pool: pg.Pool, keyId: string | undefined, out: Output): Promise<void> {
  const scope = await scopeOfKey(pool, keyId, 'usage: aspay keys revoke <key id>');
  const revoked = await revokeApiKey(postgresApiKeys(pool), scope, keyId as string).catch(reported);
  const now = systemClock();
  out.print(apiKeyRepresentation(revoked, now), () => `revoked  ${keyLine(revoked, now)}`);
}
