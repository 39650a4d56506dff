import pg from 'pg';
import { logger } from '../../observability';

/** How to reach the database: a URL, or host, user, password, database and TLS settings. */
export type ConnectionSettings = string | pg.PoolConfig;

/** Where a pool's connection settings come from; each `read` fetches them afresh (a rotated secret). */
export interface CredentialsSource {
  read(): Promise<ConnectionSettings>;
}

/** SQLSTATEs of a refused login: invalid_password and invalid_authorization_specification. */
const AUTHENTICATION_FAILURES = new Set(['28P01', '28000']);

function isAuthenticationFailure(error: unknown): boolean {
  return AUTHENTICATION_FAILURES.has((error as { code?: unknown } | undefined)?.code as string);
}

function poolConfig(connection: ConnectionSettings): pg.PoolConfig {
  return typeof connection === 'string' ? { connectionString: connection } : connection;
}

/**
 * A pool whose new connections, when the database refuses their credentials (the secret was rotated
 * since this warm function read it), re-read the credentials once and try again. Sessions already open
 * stay valid: a password change does not end them. Only connecting is retried, so no statement ever runs
 * twice.
 */
class CredentialRefreshingPool extends pg.Pool {
  constructor(
    config: pg.PoolConfig,
    private readonly credentials: CredentialsSource,
  ) {
    super(config);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      error: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  override connect(
    callback?: (
      error: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): Promise<pg.PoolClient> | undefined {
    const connected = this.connectRefreshingCredentials();
    if (!callback) return connected;
    // pg-pool's own `query` checks clients out through this callback form.
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | undefined)),
      (error: Error) => callback(error, undefined, () => undefined),
    );
    return undefined;
  }

  private async connectRefreshingCredentials(): Promise<pg.PoolClient> {
    try {
      return await super.connect();
    } catch (error) {
      if (!isAuthenticationFailure(error)) throw error;
      logger.warn('the database refused the credentials; reading them again', {
        code: (error as pg.DatabaseError).code,
      });
      Object.assign(this.options, poolConfig(await this.credentials.read()));
      return super.connect();
    }
  }
}

/**
 * A connection pool that RDS Proxy accepts: no startup `options` (RDS Proxy refuses them) and no per-session
 * `SET` (it pins the session to one database connection,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-proxy-pinning.html). Sessions run in UTC
 * because the database says so: the cluster parameter group in AWS, the database default (a migration)
 * everywhere. With `credentials`, a refused login re-reads them once (see CredentialRefreshingPool).
 */
export function createPool(
  connection: ConnectionSettings,
  options: { max?: number; credentials?: CredentialsSource } = {},
): pg.Pool {
  const config: pg.PoolConfig = {
    ...poolConfig(connection),
    // A Lambda instance serves one request at a time: a small pool protects the database (RDS Proxy multiplexes).
    max: options.max ?? 2,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  };
  const pool = options.credentials
    ? new CredentialRefreshingPool(config, options.credentials)
    : new pg.Pool(config);
  // An idle client whose connection the server or a proxy drops emits 'error' on the pool, which has already
  // discarded it; without a listener Node.js would end the process over it.
  pool.on('error', (error) => {
    logger.warn('an idle database connection was dropped; the pool discarded it', { error: error.message });
  });
  // A checked-out client has no pool listener: a connection lost between its queries (a transaction waiting
  // on Kafka, say) would end the process too. Its next query rejects instead, and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      logger.debug('a database connection was lost', { error: error.message });
    });
  });
  return pool;
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
