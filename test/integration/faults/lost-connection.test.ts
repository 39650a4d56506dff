import { describe, expect, it } from 'vitest';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import { isDatabaseUnavailable } from '../../../lambdas/core/messaging/failure-classification';
import { testDatabase } from '../../support/database';
import { eventually } from '../../support/eventually';
import { localEndpoints } from '../../support/local-stack';

describe('a pooled connection the server ends while it is checked out', () => {
  const admin = testDatabase();

  it('does not end the process; the next query fails as database-unavailable and the pool recovers', async () => {
    const pool = createPool(localEndpoints().databaseUrl);
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Between two queries, as in a transaction waiting on Kafka: the session ends under the checked-out client,
      // and the server's goodbye reaches it while no query of its own runs.
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
      await eventually(
        async () => (client as unknown as { _queryable: boolean })._queryable,
        (queryable) => !queryable,
        { timeoutMs: 5_000 },
      );
      const failure = await client.query('SELECT 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isDatabaseUnavailable(failure)).toBe(true);
      client.release(failure as Error);
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
