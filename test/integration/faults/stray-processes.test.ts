import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_STACK_ENV, ROOT, RUN_DIR } from '../../../localstack/src/settings';
import {
  isAlive,
  readPid,
  readServicePid,
  runningProcesses,
  stopStrayProcesses,
} from '../../../localstack/src/support/processes';
import { eventually } from '../../support/eventually';

/**
 * Starts a process marked as one of `checkout`'s stack and leaves it without a parent of the stack, as a
 * service whose supervisor was killed: sh starts it in the background and exits at once.
 */
function orphanOf(checkout: string, command = 'sleep 300'): number {
  const result = spawnSync('sh', ['-c', `${command} >/dev/null 2>&1 & echo $!`], {
    env: {
      ...process.env,
      [LOCAL_STACK_ENV.stackCheckout]: checkout,
      [LOCAL_STACK_ENV.stackStarter]: String(process.pid),
    },
    encoding: 'utf8',
  });
  return Number(result.stdout.trim());
}

describe('the stray processes of the local stack', () => {
  const pids: number[] = [];
  const pidFiles: string[] = [];
  afterEach(() => {
    for (const file of pidFiles.splice(0)) rmSync(file, { force: true });
    for (const pid of pids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already stopped.
      }
    }
  });

  it("are stopped, and nothing else: not another checkout's, not those the pid files record", async () => {
    // The running stack's own processes, supervisors and the services they run.
    const stackPids = runningProcesses().flatMap((name) => [readPid(name), readServicePid(name)]);
    const stray = orphanOf(ROOT);
    // A service whose supervisor was killed leaves its service pid file behind: it is a stray all the same.
    const serviceOfKilledSupervisor = orphanOf(ROOT);
    const servicePidFile = join(RUN_DIR, `stray-test-${randomUUID().slice(0, 8)}.service.pid`);
    writeFileSync(servicePidFile, String(serviceOfKilledSupervisor));
    // Another checkout whose path starts with this one's.
    const otherCheckouts = orphanOf(`${ROOT}-copy`);
    const recorded = orphanOf(ROOT);
    const recordedPidFile = join(RUN_DIR, `stray-test-${randomUUID().slice(0, 8)}.pid`);
    writeFileSync(recordedPidFile, String(recorded));
    pids.push(stray, serviceOfKilledSupervisor, otherCheckouts, recorded);
    pidFiles.push(servicePidFile, recordedPidFile);

    const stopped = await stopStrayProcesses();

    expect(stopped.map(({ pid }) => pid).sort()).toEqual([stray, serviceOfKilledSupervisor].sort());
    expect(stopped.map(({ commandLine }) => commandLine)).toEqual(['sleep 300', 'sleep 300']);
    await eventually(
      async () => isAlive(stray) || isAlive(serviceOfKilledSupervisor),
      (alive) => !alive,
      { timeoutMs: 5_000 },
    );
    expect(isAlive(otherCheckouts)).toBe(true);
    expect(isAlive(recorded)).toBe(true);
    for (const pid of stackPids) if (pid !== undefined) expect(isAlive(pid)).toBe(true);
  });

  it('never include the process looking for them, nor its ancestors', async () => {
    // Stray-looking processes of this checkout (their starter is not their parent): a shell, and under it a
    // process that looks for strays itself.
    const lookup = [
      `import { findStrayProcesses } from '${join(ROOT, 'localstack', 'src', 'support', 'processes.ts')}';`,
      'console.log(JSON.stringify({ self: process.pid, parent: process.ppid, strays: findStrayProcesses() }));',
    ].join('\n');
    const result = spawnSync(
      'sh',
      // "; true" keeps the shell from replacing itself with node: it stays as node's parent.
      ['-c', '"$NODE" --import tsx --input-type=module --eval "$LOOKUP"; true'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE: process.execPath,
          LOOKUP: lookup,
          [LOCAL_STACK_ENV.stackCheckout]: ROOT,
          [LOCAL_STACK_ENV.stackStarter]: '1',
        },
        encoding: 'utf8',
      },
    );
    const found = JSON.parse(result.stdout) as { self: number; parent: number; strays: { pid: number }[] };
    const strays = found.strays.map(({ pid }) => pid);
    expect(found.parent).not.toBe(process.pid);
    expect(strays).not.toContain(found.self);
    expect(strays).not.toContain(found.parent);
  });
});
