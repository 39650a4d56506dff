import { describe, expect, it } from 'vitest';
import { postgresEngine } from '../../../localstack/src/engines/postgres';
import { localPorts } from '../../../localstack/src/settings';
import { stopProcess } from '../../../localstack/src/support/processes';
import { freePort } from '../../support/free-port';

describe('the embedded PostgreSQL fallback', () => {
  it('starts PostgreSQL from the npm registry, in UTC, when no server answers', async () => {
    const previous = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    const engine = postgresEngine(
      { ...localPorts(), embeddedPostgres: await freePort() },
      { localServerUrl: 'postgres://postgres@127.0.0.1:1/postgres' },
    );
    try {
      const started = await engine.start();
      expect(started?.name).toBe('postgres');
      expect(engine.databaseUrl()).toMatch(/^postgres:\/\/aspay:aspay@127\.0\.0\.1:\d+\/aspay/);
      await expect(engine.isHealthy()).resolves.toBe(true);
    } finally {
      await stopProcess('postgres');
      if (previous !== undefined) process.env.DATABASE_URL = previous;
    }
  }, 180_000);
});
