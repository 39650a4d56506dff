import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../../localstack/src/settings';
import { startService } from '../../../localstack/src/stack';
import {
  isAlive,
  logFileOf,
  REFUSED_TO_RUN_EXIT_CODE,
  runningProcesses,
  startSupervisedProcess,
  stopProcess,
} from '../../../localstack/src/support/processes';
import { isPortOpen, waitUntil } from '../../../localstack/src/support/wait';
import { eventually } from '../../support/eventually';
import { freePort } from '../../support/free-port';

const PID_SERVICE = join(import.meta.dirname, '..', '..', 'fixtures', 'pid-service.ts');

/** The pid the service answers with, or undefined while nothing answers. */
async function answeringPid(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return Number(await response.text());
  } catch {
    return undefined;
  }
}

describe('a supervised service of the local stack', () => {
  const names: string[] = [];
  afterEach(async () => {
    for (const name of names.splice(0)) await stopProcess(name);
  });

  function startPidService(env: Record<string, string>) {
    const name = `pid-service-${randomUUID().slice(0, 8)}`;
    names.push(name);
    return startSupervisedProcess(name, PID_SERVICE, { env });
  }

  it('is started again within seconds after it is killed, and stopping it leaves no process', async () => {
    const port = await freePort();
    const supervisor = startPidService({ FIXTURE_PORT: String(port) });
    const first = await eventually(
      () => answeringPid(port),
      (pid) => pid !== undefined,
      {
        timeoutMs: 15_000,
      },
    );

    process.kill(first as number, 'SIGKILL');
    const killedAt = Date.now();
    const second = await eventually(
      () => answeringPid(port),
      (pid) => pid !== undefined && pid !== first,
      { timeoutMs: 10_000 },
    );
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(isAlive(supervisor.pid)).toBe(true);
    expect(readFileSync(supervisor.logFile, 'utf8')).toMatch(/exited with SIGKILL; restarting it in 250 ms/);

    await stopProcess(supervisor.name);
    expect(isAlive(supervisor.pid)).toBe(false);
    expect(isAlive(second as number)).toBe(false);
    expect(runningProcesses()).not.toContain(supervisor.name);
    // Stopped on purpose: nothing comes back.
    await sleep(1_000);
    expect(await isPortOpen(port)).toBe(false);
  });

  it('gives up on a service that never stays up, so the start reports it', async () => {
    const supervisor = startPidService({
      FIXTURE_PORT: String(await freePort()),
      FIXTURE_FAIL_AT_START: '1',
    });
    const gaveUp = await waitUntil(async () => supervisor.exitReason() !== undefined, { timeoutMs: 30_000 });
    expect(gaveUp).toBe(true);
    expect(supervisor.exitReason()).toBe('exited with code 1');
    const log = readFileSync(logFileOf(supervisor.name), 'utf8');
    expect(log).toMatch(/failed 5 times before it ever stayed up; giving up/);
    expect(log.match(/told to fail at start/g)).toHaveLength(5);
  });

  it('ends within seconds when its supervisor is killed with SIGKILL, leaving nothing behind', async () => {
    const port = await freePort();
    const supervisor = startPidService({ FIXTURE_PORT: String(port) });
    const service = (await eventually(
      () => answeringPid(port),
      (pid) => pid !== undefined,
      { timeoutMs: 15_000 },
    )) as number;

    process.kill(supervisor.pid, 'SIGKILL');
    const killedAt = Date.now();
    await eventually(
      async () => isAlive(service),
      (alive) => !alive,
      { timeoutMs: 10_000 },
    );
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(await isPortOpen(port)).toBe(false);
  });

  it('does not restart a service that refuses to run, and ends with it', async () => {
    const supervisor = startPidService({ FIXTURE_PORT: String(await freePort()), FIXTURE_REFUSE: '1' });
    const ended = await waitUntil(async () => supervisor.exitReason() !== undefined, { timeoutMs: 30_000 });
    expect(ended).toBe(true);
    expect(supervisor.exitReason()).toBe(`exited with code ${REFUSED_TO_RUN_EXIT_CODE}`);
    const log = readFileSync(logFileOf(supervisor.name), 'utf8');
    expect(log.match(/told to refuse to run/g)).toHaveLength(1);
    expect(log).toMatch(/refused to run; not restarting it/);
  });

  it('is stopped when it never becomes ready, so a failed start leaves nothing running', async () => {
    const name = `pid-service-${randomUUID().slice(0, 8)}`;
    names.push(name);
    const port = await freePort();
    const failed = await startService({
      name,
      script: relative(join(ROOT, 'localstack', 'src'), PID_SERVICE),
      env: { FIXTURE_PORT: String(port) },
      isHealthy: undefined,
      // It serves, but never says it is ready.
      isReady: async () => false,
      readyWithinMs: 3_000,
    }).catch((error: Error) => error);

    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toMatch(`the ${name} did not become ready`);
    expect(runningProcesses()).not.toContain(name);
    expect(
      await eventually(
        () => answeringPid(port),
        (pid) => pid === undefined,
      ),
    ).toBeUndefined();
  });
});
