import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOG_DIR, RUN_DIR } from '../settings';

/** A background process the local stack started: it outlives the command that started it (`local:up`). */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** The reason the process died, or undefined while it runs. */
  exitReason(): string | undefined;
}

export function logFileOf(name: string): string {
  return join(LOG_DIR, `${name}.log`);
}

function pidFileOf(name: string): string {
  return join(RUN_DIR, `${name}.pid`);
}

/** Where a supervisor records the pid of the service process it runs now (see supervisor.ts). */
export function servicePidFileOf(name: string): string {
  return join(RUN_DIR, `${name}.service.pid`);
}

/** Starts `command` in its own process group with output to `.aspay/logs/<name>.log` and records its pid. */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ManagedProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  mkdirSync(RUN_DIR, { recursive: true });
  const logFile = logFileOf(name);
  const out = openSync(logFile, 'w');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let exitReason: string | undefined;
  child.once('error', (error) => {
    exitReason = `could not run ${command}: ${error.message}`;
  });
  child.once('exit', (code, signal) => {
    exitReason = `exited with ${signal ?? `code ${code}`}`;
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  writeFileSync(pidFileOf(name), String(child.pid));
  return { name, pid: child.pid, logFile, exitReason: () => exitReason };
}

const SUPERVISOR = join(import.meta.dirname, 'supervisor.ts');

/**
 * Starts a Node.js `script` under the supervisor, which starts it again whenever it exits on its own (see
 * supervisor.ts). The pid file records the supervisor, the leader of the group both run in: stopping the
 * service with stopProcess stops both and restarts nothing.
 */
export function startSupervisedProcess(
  name: string,
  script: string,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ManagedProcess {
  const node = ['--import', 'tsx'];
  return startProcess(
    name,
    process.execPath,
    [...node, SUPERVISOR, name, process.execPath, ...node, script],
    options,
  );
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Names of the processes recorded as started by the local stack and still alive. */
export function runningProcesses(): string[] {
  if (!existsSync(RUN_DIR)) return [];
  return readdirSync(RUN_DIR)
    .filter((file) => file.endsWith('.pid'))
    .map((file) => file.slice(0, -'.pid'.length))
    .filter((name) => {
      const pid = readPid(name);
      return pid !== undefined && isAlive(pid);
    });
}

/** The recorded pid of a process the local stack started (for a supervised service, its supervisor). */
export function readPid(name: string): number | undefined {
  return readPidFile(pidFileOf(name));
}

/** The pid of the process a supervisor runs for a service right now (undefined for an unsupervised one). */
export function readServicePid(name: string): number | undefined {
  return readPidFile(servicePidFileOf(name));
}

function readPidFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Stops a recorded process and its children (SIGTERM to the group, SIGKILL after a grace period). */
export async function stopProcess(name: string, graceMs = 10_000): Promise<void> {
  const pid = readPid(name);
  rmSync(pidFileOf(name), { force: true });
  if (pid === undefined || !isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** The last lines of a log, to explain in one message why an engine did not come up. */
export function tailOf(logFile: string, lines = 5): string {
  if (!existsSync(logFile)) return '';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join(' | ');
}
