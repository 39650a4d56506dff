import { createServer, type Server } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { asDependencyUnavailable, DependencyUnavailableError } from '../../../lambdas/core/http/errors';
import { isDatabaseUnavailable } from '../../../lambdas/core/messaging/failure-classification';
import { freePort } from '../../support/free-port';

/** What node-postgres rejects with when a query cannot reach the server at `url`. */
async function queryError(url: string, connectionTimeoutMillis?: number): Promise<unknown> {
  const pool = createPool(url);
  if (connectionTimeoutMillis) pool.options.connectionTimeoutMillis = connectionTimeoutMillis;
  try {
    await pool.query('SELECT 1');
    throw new Error('the query unexpectedly succeeded');
  } catch (error) {
    return error;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

const databaseError = (code: string) =>
  Object.assign(new pg.DatabaseError('server says no', 0, 'error'), { code });

describe('isDatabaseUnavailable', () => {
  let silent: Server | undefined;
  afterEach(() => silent?.close());

  it('recognises a refused connection, as when nothing listens on the port', async () => {
    const error = await queryError(`postgres://aspay:aspay@127.0.0.1:${await freePort()}/aspay`);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("recognises the pool's connection timeout, as when the server never answers", async () => {
    // Accepts TCP connections and never speaks: the pool gives up after its connection timeout.
    const server = createServer(() => undefined);
    silent = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const error = await queryError(`postgres://aspay:aspay@127.0.0.1:${port}/aspay`, 200);
    expect((error as Error).message).toMatch(/timeout/);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises a session whose server went away mid-query', () => {
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it.each(['08006', '08001', '57P01', '57P02', '57P03'])('recognises SQLSTATE %s', (code) => {
    expect(isDatabaseUnavailable(databaseError(code))).toBe(true);
  });

  it.each([
    ['a unique violation', databaseError('23505')],
    ['a syntax error', databaseError('42601')],
    ['a refused login', databaseError('28P01')],
    ['a plain error', new Error('relation "payments" does not exist')],
    ['a non-error', 'ECONNREFUSED'],
  ])('leaves %s alone', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('asDependencyUnavailable', () => {
  it('wraps an unreachable database in DependencyUnavailableError, keeping the cause', () => {
    const cause = databaseError('57P01');
    const wrapped = asDependencyUnavailable(cause);
    expect(wrapped).toBeInstanceOf(DependencyUnavailableError);
    expect((wrapped as DependencyUnavailableError).cause).toBe(cause);
  });

  it('returns any other error unchanged', () => {
    const error = databaseError('23505');
    expect(asDependencyUnavailable(error)).toBe(error);
  });
});
