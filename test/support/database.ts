import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll } from 'vitest';
import { postgresMerchantRegistry } from '../../lambdas/core/adapters/postgres/merchants';
import { createPool } from '../../lambdas/core/adapters/postgres/pool';
import { localSecretBox } from '../../lambdas/core/adapters/secrets/envelope';
import { generateApiKey } from '../../lambdas/core/domain/api-key';
import { storedFormOf } from '../../lambdas/core/use-cases/api-keys';
import { ROOT } from '../../localstack/src/settings';
import { localEndpoints } from './local-stack';

/** A pool on the local stack's database, closed after the test file. */
export function testDatabase(): pg.Pool {
  const pool = createPool(localEndpoints().databaseUrl, { max: 4 });
  afterAll(() => pool.end());
  return pool;
}

/**
 * Runs `work` in a transaction that is always rolled back: nothing it writes is ever seen by other sessions,
 * so a test can drive a payment through SQL alone without disturbing the background processing or the
 * ledger invariants other tests check.
 */
export async function inRolledBackTransaction(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/**
 * Runs `work` with a pool whose statements all run in one transaction that is always rolled back, so that the
 * PostgreSQL adapters, handed this pool, write nothing the background processing could see. Each statement
 * stands alone as it would on a pool (a savepoint each, so one that fails leaves the rest usable), and an
 * adapter's own transaction becomes a savepoint. One statement at a time: savepoints nest.
 */
export async function withRolledBackPool(
  pool: pg.Pool,
  work: (pool: pg.Pool) => Promise<void>,
): Promise<void> {
  await inRolledBackTransaction(pool, async (client) => {
    let queue: Promise<unknown> = Promise.resolve();
    const oneAtATime = <T>(step: () => Promise<T>): Promise<T> => {
      const run = queue.then(step, step);
      queue = run.catch(() => undefined);
      return run;
    };
    const inSavepoint = async (text: string, values?: unknown[]) => {
      await client.query('SAVEPOINT statement');
      try {
        const result = await client.query(text, values);
        await client.query('RELEASE SAVEPOINT statement');
        return result;
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT statement; RELEASE SAVEPOINT statement');
        throw error;
      }
    };
    const TRANSACTION: Record<string, string> = {
      BEGIN: 'SAVEPOINT unit_of_work',
      COMMIT: 'RELEASE SAVEPOINT unit_of_work',
      ROLLBACK: 'ROLLBACK TO SAVEPOINT unit_of_work; RELEASE SAVEPOINT unit_of_work',
    };
    const rolledBack = {
      query: (text: string, values?: unknown[]) => oneAtATime(() => inSavepoint(text, values)),
      // An adapter's transaction: the pool's other statements wait until its client is released.
      connect: () => {
        const turn = queue;
        let release: () => void = () => undefined;
        queue = turn.then(
          () =>
            new Promise<void>((resolve) => {
              release = resolve;
            }),
        );
        return turn.then(() => ({
          query: (text: string, values?: unknown[]) => client.query(TRANSACTION[text] ?? text, values),
          release: () => release(),
        }));
      },
    };
    await work(rolledBack as unknown as pg.Pool);
  });
}

/** A migration's two halves, as node-pg-migrate splits a SQL file (`name` in migrations/). */
export function migration(name: string): { up: string; down: string } {
  const [up, down] = readFileSync(join(ROOT, 'migrations', name), 'utf8')
    .replace('-- Up Migration', '')
    .split('-- Down Migration') as [string, string];
  return { up, down };
}

/** Expects `sql` to fail with `message`, leaving the surrounding transaction usable (a savepoint). */
export async function expectRejected(
  client: pg.PoolClient,
  sql: string,
  params: unknown[],
  message: string | RegExp,
) {
  await client.query('SAVEPOINT expect_rejected');
  let error: Error | undefined;
  try {
    await client.query(sql, params);
  } catch (caught) {
    error = caught as Error;
  }
  await client.query('ROLLBACK TO SAVEPOINT expect_rejected');
  if (!error) throw new Error(`expected "${sql}" to be rejected`);
  if (typeof message === 'string' ? !error.message.includes(message) : !message.test(error.message)) {
    throw new Error(`"${sql}" failed with "${error.message}", not ${message}`);
  }
}

/** Inserts a payment row straight into the table, with no outbox event: nothing in the background sees it. */
export async function insertQuietPayment(client: pg.Pool | pg.ClientBase, amount = '25.00'): Promise<string> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO payments (id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status, source)
     VALUES ($1, 'mer_demo_acme', 'test', $2, 'fixture', $3, 'USD', 'INITIATED', 'tok_success')`,
    [id, randomUUID(), amount],
  );
  return id;
}

/**
 * Inserts a refund of a quiet payment (`insertQuietPayment`'s merchant and mode) straight into the table, in
 * `status` (an EXECUTED one with its execution time), with no outbox event; its id. The payment's totals are
 * the caller's to set: the payments guard holds them to the refunds.
 */
export async function insertQuietRefund(
  client: pg.Pool | pg.ClientBase,
  paymentId: string,
  amount: string,
  status: 'PENDING' | 'EXECUTED' = 'PENDING',
): Promise<string> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO refunds (id, payment_id, merchant_id, mode, idempotency_key, request_hash, amount, currency, status,
       executed_at)
     VALUES ($1, $2, 'mer_demo_acme', 'test', $3, 'fixture', $4, 'USD', $5,
       CASE WHEN $5 = 'EXECUTED' THEN now() END)`,
    [id, paymentId, randomUUID(), amount, status],
  );
  return id;
}

/** The local stack's secret box: what the local functions seal and open webhook secrets with. */
export function testSecretBox() {
  return localSecretBox(localEndpoints().webhookSecretsKeyFile);
}

/**
 * A merchant of the test's own (so freezing or failing it disturbs no other test), with its webhook on the sink
 * and its secret sealed, as a registered merchant's is: `apiKey` is its test key, `liveApiKey` its live key.
 */
export async function createTestMerchant(
  pool: pg.Pool,
): Promise<{ id: string; apiKey: string; liveApiKey: string; webhookSecret: string }> {
  const id = `mer_test_${randomUUID().slice(0, 8)}`;
  const apiKey = generateApiKey('test');
  const liveApiKey = generateApiKey('live');
  const webhookSecret = `whsec_${randomUUID()}`;
  await postgresMerchantRegistry(pool).create({
    id,
    name: `Test merchant ${id}`,
    apiKeys: { test: storedFormOf(apiKey, 'full'), live: storedFormOf(liveApiKey, 'full') },
    webhook: {
      url: `${localEndpoints().webhookSinkUrl}/hooks/${id}`,
      sealedSecret: await testSecretBox().seal(webhookSecret, id),
    },
  });
  return { id, apiKey, liveApiKey, webhookSecret };
}
