/**
 * `aspay`: the operator CLI. Reads the database from DATABASE_URL, else from the local stack's
 * .aspay/local.json. Errors are one line on stderr with a non-zero exit; `--json` prints machine output.
 *
 *   aspay merchants create <name> [--live] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresMerchantRegistry } from '../lambdas/core/adapters/postgres/merchants';
import { createPool } from '../lambdas/core/adapters/postgres/pool';
import { registerMerchant } from '../lambdas/core/use-cases/register-merchant';

class UsageError extends Error {}

function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const localJson = join(import.meta.dirname, '..', '.aspay', 'local.json');
  if (existsSync(localJson))
    return (JSON.parse(readFileSync(localJson, 'utf8')) as { databaseUrl: string }).databaseUrl;
  throw new UsageError('no database: set DATABASE_URL or start the local stack (npm run local:up)');
}

async function main(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const words = args.filter((arg) => !arg.startsWith('--'));
  if (words[0] === 'merchants' && words[1] === 'create' && words[2]) {
    const pool = createPool(databaseUrl());
    try {
      const result = await registerMerchant(
        postgresMerchantRegistry(pool),
        words.slice(2).join(' '),
        args.includes('--live') ? 'live' : 'test',
      );
      console.log(
        json
          ? JSON.stringify(result)
          : `merchant ${result.merchantId}\napi key  ${result.apiKey}  (shown once: store it now)`,
      );
      return 0;
    } finally {
      await pool.end();
    }
  }
  throw new UsageError('usage: aspay merchants create <name> [--live] [--json]');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(
      `aspay: ${error instanceof UsageError ? error.message : `failed: ${error.message.split('\n')[0]}`}`,
    );
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
