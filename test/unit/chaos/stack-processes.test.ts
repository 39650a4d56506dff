import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stackProcesses } from '../../../chaos/stack-processes';

const root = mkdtempSync(join(tmpdir(), 'aspay-checkout-'));
const children: ChildProcess[] = [];

/** A process that idles for a minute; `detached` puts it in a session of its own, as the stack starts its processes. */
function idle(args: string[], options: { detached: boolean; env?: NodeJS.ProcessEnv }): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', ...args], {
    detached: options.detached,
    env: { ...process.env, ...options.env },
    stdio: 'ignore',
  });
  children.push(child);
  return child.pid as number;
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

const found = () => stackProcesses(root).map((process) => process.pid);

describe('the processes of a checkout’s stack', () => {
  it('are those whose command line or environment refers to the checkout, in sessions of their own', async () => {
    const byCommand = idle([join(root, '.aspay', 'data', 'server.properties')], { detached: true });
    const byEnvironment = idle([], { detached: true, env: { SOME_FILE: join(root, '.aspay', 'key') } });
    const elsewhere = idle([join(tmpdir(), 'another-checkout', 'x')], { detached: true });
    await sleep(200);
    expect(found()).toEqual(expect.arrayContaining([byCommand, byEnvironment]));
    expect(found()).not.toContain(elsewhere);
  });

  it('leave out what runs in this process’s session (its shell, its test runner) and where a shell only stood', async () => {
    const tooling = idle([join(root, 'node_modules', 'tool.js')], { detached: false });
    const shell = idle([], { detached: true, env: { PWD: root, OLDPWD: root } });
    await sleep(200);
    expect(found()).not.toContain(tooling);
    expect(found()).not.toContain(shell);
  });
});
