import pg from 'pg';

/**
 * A connection pool whose every session runs in UTC, whatever the server's or the role's default,
 * so `timestamptz` values are always rendered and compared in UTC.
 */
export function createPool(connection: string | pg.PoolConfig, options: { max?: number } = {}): pg.Pool {
  return new pg.Pool({
    ...(typeof connection === 'string' ? { connectionString: connection } : connection),
    options: '-c TimeZone=UTC',
    // A Lambda instance serves one request at a time: a small pool protects the database (RDS Proxy multiplexes).
    max: options.max ?? 2,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
}

/** Runs `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
