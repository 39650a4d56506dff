import { rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { postgresEngine } from '../../../localstack/src/engines/postgres';
import { DATA_DIR, localPorts } from '../../../localstack/src/settings';
import { runningProcesses, stopProcess } from '../../../localstack/src/support/processes';
import { freePort } from '../../support/free-port';

/** A listener in front of the local PostgreSQL that answers nothing for its first `busyMs`, then relays. */
async function slowServer(busyMs: number): Promise<Server & { port: number }> {
  const answersFrom = Date.now() + busyMs;
  const server = createServer(async (client) => {
    client.pause();
    await sleep(answersFrom - Date.now());
    const upstream = connect(5432, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    client.resume();
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as { port: number }).port });
}

describe('the embedded PostgreSQL fallback', () => {
  it('waits for a PostgreSQL server that is slow to answer instead of starting an embedded one', async () => {
    const previous = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    // Longer than one probe's connection timeout (3 s): a busy machine, not a missing server.
    const slow = await slowServer(4_000);
    const embedded = {
      dataDir: join(DATA_DIR, `postgres-unused-${process.pid}`),
      processName: 'postgres-unused',
    };
    try {
      const engine = postgresEngine(localPorts(), {
        localServerUrl: `postgres://postgres@127.0.0.1:${slow.port}/postgres`,
        embedded,
      });
      await expect(engine.start()).resolves.toBeUndefined();
      expect(runningProcesses()).not.toContain(embedded.processName);
    } finally {
      slow.close();
      if (previous !== undefined) process.env.DATABASE_URL = previous;
    }
  }, 60_000);

  it('starts PostgreSQL from the npm registry, in UTC, when no server answers', async () => {
    const previous = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    // Its own data directory and process name: the stack may be running an embedded server of its own.
    const embedded = {
      dataDir: join(DATA_DIR, `postgres-test-${process.pid}`),
      processName: 'postgres-test',
    };
    const engine = postgresEngine(
      { ...localPorts(), embeddedPostgres: await freePort() },
      { localServerUrl: 'postgres://postgres@127.0.0.1:1/postgres', embedded },
    );
    try {
      const started = await engine.start();
      expect(started?.name).toBe(embedded.processName);
      expect(engine.databaseUrl()).toMatch(/^postgres:\/\/aspay:aspay@127\.0\.0\.1:\d+\/aspay/);
      await expect(engine.isHealthy()).resolves.toBe(true);
    } finally {
      await stopProcess(embedded.processName);
      rmSync(embedded.dataDir, { recursive: true, force: true });
      if (previous !== undefined) process.env.DATABASE_URL = previous;
    }
    expect(runningProcesses()).not.toContain(embedded.processName);
  }, 180_000);
});
