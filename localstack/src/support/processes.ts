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
import { pathToFileURL } from 'node:url';
import { LOCAL_STACK_ENV, LOG_DIR, ROOT, RUN_DIR } from '../settings';

/**
 * Every process the local stack starts carries these in its environment, and so do the processes it starts
 * in turn: which checkout's stack it belongs to (its root), and which process started it. That is how the
 * stack finds its processes that no pid file names any more (stray processes, see findStrayProcesses).
 */

/**
 * The exit code of a service that refuses to run as it is (EX_CONFIG in sysexits.h), e.g. a runner whose
 * broker or database is not the one its stack was started with: its supervisor does not restart it.
 */
export const REFUSED_TO_RUN_EXIT_CODE = 78;

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

const SERVICE_PID_SUFFIX = '.service.pid';

/** Where a supervisor records the pid of the service process it runs now (see supervisor.ts). */
export function servicePidFileOf(name: string): string {
  return join(RUN_DIR, `${name}${SERVICE_PID_SUFFIX}`);
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
  // Emptied, then appended to: a supervisor writes the same file through its rotating log.
  writeFileSync(logFile, '');
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: {
      ...process.env,
      ...options.env,
      [LOCAL_STACK_ENV.stackCheckout]: ROOT,
      [LOCAL_STACK_ENV.stackStarter]: String(process.pid),
    },
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
const END_WITH_SUPERVISOR = pathToFileURL(join(import.meta.dirname, 'end-with-supervisor.ts')).href;

/**
 * Starts a Node.js `script` under the supervisor, which starts it again whenever it exits on its own (see
 * supervisor.ts). The pid file records the supervisor, the leader of the group both run in: stopping the
 * service with stopProcess stops both and restarts nothing; the service ends on its own when its supervisor
 * dies otherwise.
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
    [...node, SUPERVISOR, name, process.execPath, ...node, '--import', END_WITH_SUPERVISOR, script],
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

/** A process of this checkout's stack that no pid file accounts for: its supervisor or starter is gone. */
export interface StrayProcess {
  readonly pid: number;
  readonly commandLine: string;
}

interface ProcessEntry {
  readonly pid: number;
  readonly parent: number;
  /** Both from the environment the process was started with (LOCAL_STACK_ENV.stackCheckout, LOCAL_STACK_ENV.stackStarter). */
  readonly checkout: string | undefined;
  readonly starter: number | undefined;
}

const PROC = '/proc';

/** A process's state, parent and session, from Linux's /proc/<pid>/stat; undefined once it is gone. */
export function procStat(pid: number): { state: string; parent: number; session: number } | undefined {
  try {
    // "pid (command) state ppid pgrp session …": the command may hold spaces and parentheses, so read after the
    // last ')'.
    const stat = readFileSync(join(PROC, String(pid), 'stat'), 'utf8');
    const [state = '', parent, , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, parent: Number(parent), session: Number(session) };
  } catch {
    // Gone meanwhile, or another user's process.
    return undefined;
  }
}

/** The live (not zombie) processes this user may inspect, from Linux's /proc; undefined where there is none. */
function processTable(): Map<number, ProcessEntry> | undefined {
  if (!existsSync(join(PROC, 'self', 'environ'))) return undefined;
  const table = new Map<number, ProcessEntry>();
  for (const entry of readdirSync(PROC)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = procStat(pid);
    if (!stat || stat.state === 'Z') continue;
    const { parent } = stat;
    try {
      const environment = readFileSync(join(PROC, entry, 'environ'), 'utf8').split('\0');
      const variable = (name: string) =>
        environment.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
      const starter = variable(LOCAL_STACK_ENV.stackStarter);
      table.set(pid, {
        pid,
        parent,
        checkout: variable(LOCAL_STACK_ENV.stackCheckout),
        starter: starter === undefined ? undefined : Number(starter),
      });
    } catch {
      // Gone meanwhile, or another user's process.
    }
  }
  return table;
}

/**
 * The pids the pid files of the processes the stack started record. Not those of the services supervisors
 * run: a service counts through its supervisor, and a killed supervisor leaves its service's file behind.
 */
function recordedPids(): Set<number> {
  if (!existsSync(RUN_DIR)) return new Set();
  return new Set(
    readdirSync(RUN_DIR)
      .filter((file) => file.endsWith('.pid') && !file.endsWith(SERVICE_PID_SUFFIX))
      .map((file) => readPidFile(join(RUN_DIR, file)))
      .filter((pid): pid is number => pid !== undefined),
  );
}

/**
 * The processes of the stack of `checkout` (this one unless told) that nothing accounts for: neither they nor
 * any process above them is recorded in a pid file, nor being started right now (its starter is still its
 * parent). A service whose supervisor was killed, or an engine process left behind by its wrapper, is one.
 * Never the calling process or its ancestors, never a process of another checkout. Needs Linux's /proc:
 * elsewhere none is found, and only the processes in pid files are stopped.
 */
export function findStrayProcesses(checkout = ROOT): StrayProcess[] {
  const table = processTable();
  if (!table) return [];
  const recorded = recordedPids();
  const protectedPids = new Set<number>();
  for (let pid: number | undefined = process.pid; pid !== undefined && !protectedPids.has(pid); ) {
    protectedPids.add(pid);
    pid = table.get(pid)?.parent;
  }
  const isAccountedFor = (entry: ProcessEntry): boolean => {
    for (let current: ProcessEntry | undefined = entry; current?.checkout === checkout; ) {
      if (recorded.has(current.pid) || current.parent === current.starter) return true;
      current = table.get(current.parent);
    }
    return false;
  };
  return [...table.values()]
    .filter((entry) => entry.checkout === checkout && !protectedPids.has(entry.pid))
    .filter((entry) => !isAccountedFor(entry))
    .map((entry) => ({ pid: entry.pid, commandLine: commandLineOf(entry.pid) }));
}

/** A process's command line, its arguments joined by spaces; empty once it is gone. */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(join(PROC, String(pid), 'cmdline'), 'utf8')
      .split('\0')
      .join(' ')
      .trim();
  } catch {
    return '';
  }
}

/** Stops the stray processes of this checkout's stack (SIGTERM, SIGKILL after a grace period); returns them. */
export async function stopStrayProcesses(graceMs = 5_000): Promise<StrayProcess[]> {
  const strays = findStrayProcesses();
  const signal = (processes: readonly StrayProcess[], name: NodeJS.Signals) => {
    for (const { pid } of processes) {
      try {
        process.kill(pid, name);
      } catch {
        // Already gone.
      }
    }
  };
  const running = () => {
    const table = processTable();
    return strays.filter(({ pid }) => table?.has(pid));
  };
  signal(strays, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running().length > 0 && Date.now() < deadline) await sleep(100);
  signal(running(), 'SIGKILL');
  while (running().length > 0) await sleep(50);
  return strays;
}
