import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { ROOT } from '../../localstack/src/settings';
import type { Invocation, InvocationOutcome } from './traced-function-host';

/** What left a traced function host: its log output and every X-Ray document it sent to the daemon. */
export interface Telemetry {
  readonly logs: string;
  readonly segments: string[];
}

/** A stand-in for the X-Ray daemon: a UDP socket that keeps every datagram (header line and segment JSON). */
async function xrayDaemon() {
  const socket = createSocket('udp4');
  const datagrams: string[] = [];
  socket.on('message', (message) => datagrams.push(message.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    datagrams,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The host's next message; if it dies first, the error ends with what it printed last. */
function nextMessage(child: ChildProcess, output: () => string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`the function host exited (${code}): ${output().slice(-2_000)}`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

/**
 * Functions of lambdas/functions invoked in a Lambda-like process with X-Ray active tracing and the given
 * environment (test/support/traced-function-host.ts), capturing all they log and trace.
 */
export async function tracedFunctions(environment: Record<string, string>) {
  const daemon = await xrayDaemon();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test', 'support', 'traced-function-host.ts')],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        ...environment,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        LAMBDA_TASK_ROOT: ROOT,
        AWS_XRAY_DAEMON_ADDRESS: daemon.address,
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      },
    },
  );
  let logs = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    logs += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    logs += chunk.toString('utf8');
  });
  await nextMessage(child, () => logs);
  let queue = Promise.resolve<unknown>(undefined);
  return {
    /** Invokes one function; invocations run one after another, as in one execution environment. */
    invoke(name: string, event: unknown): Promise<InvocationOutcome> {
      const outcome = queue.then(() => {
        const answered = nextMessage(child, () => logs);
        child.send({ name, event } satisfies Invocation);
        return answered;
      });
      queue = outcome.catch(() => undefined);
      return outcome as Promise<InvocationOutcome>;
    },
    /** Ends the process once the X-Ray SDK has sent its last subsegments; what it logged and traced. */
    async stop(): Promise<Telemetry> {
      await queue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('exit');
      await exited;
      await daemon.close();
      return { logs, segments: daemon.datagrams };
    },
  };
}
