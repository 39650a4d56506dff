/**
 * Runs one service of the local stack and starts it again whenever it exits on its own, as Lambda replaces an
 * execution environment whose runtime crashed with a new one on the next invocation
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
 *
 * Usage: supervisor.ts <name> <command> [args…]. The child shares the supervisor's process group, so stopping
 * the service (SIGTERM, then SIGKILL, to the group) stops both; after SIGTERM or SIGINT the supervisor
 * restarts nothing and exits once the child has. The child's output goes through the supervisor into the
 * service's log, rotated by size (rotating-log.ts). An IPC channel to the child lets it notice when the
 * supervisor dies, however it dies, and end too (end-with-supervisor.ts). A child that exits with
 * REFUSED_TO_RUN_EXIT_CODE refused to run on purpose: it is not restarted, and the supervisor exits too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { logFileOf, REFUSED_TO_RUN_EXIT_CODE, servicePidFileOf } from './processes';
import { RotatingLog } from './rotating-log';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;
/** A child that stayed up this long was healthy: its next crash is restarted after the first delay again. */
const STABLE_AFTER_MS = 10_000;
/** A child that never stayed up and failed this often cannot start at all: giving up lets the start report it. */
const MAX_FAILED_STARTS = 5;

const [name, command, ...args] = process.argv.slice(2);
if (!name || !command) {
  console.error('usage: supervisor.ts <name> <command> [args…]');
  process.exit(2);
}
const servicePidFile = servicePidFileOf(name);
const output = new RotatingLog(logFileOf(name));

function log(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Record<string, unknown> = {}) {
  output.write(
    `${JSON.stringify({ level, message, service: name, timestamp: new Date().toISOString(), ...fields })}\n`,
  );
}

let child: ChildProcess | undefined;
let restartTimer: NodeJS.Timeout | undefined;
let stopping = false;
let delayMs = FIRST_DELAY_MS;
let everStable = false;
let failedStarts = 0;

function start(executable: string): void {
  restartTimer = undefined;
  const startedAt = Date.now();
  const current = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child = current;
  current.stdout?.on('data', (chunk: Buffer) => output.write(chunk));
  current.stderr?.on('data', (chunk: Buffer) => output.write(chunk));
  // Who the service is right now: a fault injection crashes it, not its supervisor (the Lambda service).
  if (current.pid !== undefined) writeFileSync(servicePidFile, String(current.pid));
  let ended = false;
  const onEnd = (reason: string, code?: number | null) => {
    if (ended) return;
    ended = true;
    child = undefined;
    rmSync(servicePidFile, { force: true });
    if (stopping) process.exit(0);
    if (code === REFUSED_TO_RUN_EXIT_CODE) {
      log('ERROR', `supervisor: ${name} refused to run; not restarting it`);
      process.exit(REFUSED_TO_RUN_EXIT_CODE);
    }
    const upMs = Date.now() - startedAt;
    if (upMs >= STABLE_AFTER_MS) {
      everStable = true;
      delayMs = FIRST_DELAY_MS;
    } else if (!everStable && ++failedStarts >= MAX_FAILED_STARTS) {
      log('ERROR', `supervisor: ${name} failed ${failedStarts} times before it ever stayed up; giving up`, {
        reason,
      });
      process.exit(1);
    }
    log('WARN', `supervisor: ${name} ${reason}; restarting it in ${delayMs} ms`, { pid: current.pid, upMs });
    restartTimer = setTimeout(() => start(executable), delayMs);
    delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
  };
  current.once('error', (error) => onEnd(`could not run ${executable}: ${error.message}`));
  // 'close', not 'exit': the child's last lines (why it exited) are in the log by then.
  current.once('close', (code, signal) => onEnd(`exited with ${signal ?? `code ${code}`}`, code));
  log('INFO', `supervisor: running ${name}`, { pid: current.pid });
}

/** The signal went to the whole group (stopProcess): the child got it too and exits on its own terms. */
function stop(): void {
  stopping = true;
  if (restartTimer) clearTimeout(restartTimer);
  if (!child) process.exit(0);
}

process.once('SIGTERM', stop);
process.once('SIGINT', stop);
start(command);
