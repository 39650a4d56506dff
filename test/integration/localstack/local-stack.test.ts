import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../../../localstack/src/settings';
import { freePort } from '../../support/free-port';
import { localEndpoints } from '../../support/local-stack';
import { runScript } from '../../support/run-script';

const endpoints = localEndpoints();
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

describe('local API health', () => {
  it('answers 200 with every engine up', async () => {
    const response = await fetch(`${endpoints.apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'up',
      engines: { postgres: 'up', kafka: 'up', dynamodb: 'up', sqs: 'up' },
    });
  });

  it('answers 503 naming the engine that is down', async () => {
    const apiPort = await freePort();
    const deadSqsPort = await freePort();
    const server = spawn(TSX, [join(ROOT, 'localstack/src/gateway/server.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: endpoints.databaseUrl,
        ASPAY_API_PORT: String(apiPort),
        ASPAY_SQS_PORT: String(deadSqsPort),
      },
      stdio: 'ignore',
    });
    try {
      let response: Response | undefined;
      for (let attempt = 0; attempt < 60 && !response; attempt++) {
        response = await fetch(`http://127.0.0.1:${apiPort}/health`).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 250));
          return undefined;
        });
      }
      expect(response?.status).toBe(503);
      expect(await response?.json()).toMatchObject({
        status: 'down',
        down: ['sqs'],
        engines: { sqs: 'down', postgres: 'up' },
      });
    } finally {
      server.kill('SIGTERM');
    }
  });
});

describe('local stack start-up', () => {
  it('fails fast with one clear line when DATABASE_URL does not answer', async () => {
    const result = await runScript('localstack/src/cli.ts', ['up'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing',
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^aspay local: DATABASE_URL \(postgres:\/\/nobody@127\.0\.0\.1:1\/nothing\) does not answer/,
    );
  });

  it('names the port that is taken by another program', async () => {
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const result = await runScript('localstack/src/cli.ts', ['up'], {
        DATABASE_URL: endpoints.databaseUrl,
        ASPAY_DYNAMODB_PORT: String(port),
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `aspay local: port ${port} for dynamodb is taken by another program: stop it or set ASPAY_DYNAMODB_PORT`,
      );
    } finally {
      squatter.close();
    }
  });

  it('prints the database URL without its password', async () => {
    const result = await runScript('localstack/src/cli.ts', ['up'], {
      ...inject('stackEnvironment'),
      DATABASE_URL: endpoints.databaseUrl,
    });
    expect(result.code).toBe(0);
    const { username, password } = new URL(endpoints.databaseUrl);
    const shown = result.stdout.split('\n').find((line) => line.trim().startsWith('PostgreSQL'));
    expect(shown).toContain(`postgres://${username}:[REDACTED]@`);
    expect(result.stdout).not.toContain(`:${password}@`);
  }, 120_000);

  it('rejects a port setting that is not a number', async () => {
    const result = await runScript('localstack/src/cli.ts', ['up'], { ASPAY_API_PORT: 'three-thousand' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'aspay local: ASPAY_API_PORT must be a TCP port number (1-65535), got "three-thousand"',
    );
  });
});
