import { type ManagedProcess, startProcess, tailOf } from '../support/processes';
import { StackError } from '../support/stack-error';
import { isPortOpen, waitUntil } from '../support/wait';

/** One real engine of the local stack (PostgreSQL, Kafka, DynamoDB Local, ElasticMQ). */
export interface Engine {
  readonly name: string;
  /** Where clients reach it (a URL or host:port list). */
  readonly endpoint: string;
  isHealthy(): Promise<boolean>;
  /**
   * Makes the engine available: reuses one that already answers healthily (returns undefined),
   * otherwise starts it in the background and returns the process once healthy.
   */
  start(): Promise<ManagedProcess | undefined>;
  /** Creates what ASPay needs in it (topics, tables, queues, schema); safe to repeat. */
  bootstrap(): Promise<void>;
}

export interface ServerLaunch {
  readonly name: string;
  readonly port: number;
  /** The env var that overrides the port, named in the "port taken" message. */
  readonly portEnv: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory: some engines write files next to where they run. */
  readonly cwd?: string;
  readonly isHealthy: () => Promise<boolean>;
  readonly startupTimeoutMs?: number;
}

/** Starts a server process unless a healthy one already answers, failing fast with one clear line. */
export async function launchServer(launch: ServerLaunch): Promise<ManagedProcess | undefined> {
  if (await launch.isHealthy().catch(() => false)) return undefined;
  if (await isPortOpen(launch.port)) {
    throw new StackError(
      `port ${launch.port} for ${launch.name} is taken by another program: stop it or set ${launch.portEnv}`,
    );
  }
  const child = startProcess(launch.name, launch.command, launch.args, { env: launch.env, cwd: launch.cwd });
  const timeoutMs = launch.startupTimeoutMs ?? 90_000;
  try {
    const healthy = await waitUntil(launch.isHealthy, {
      timeoutMs,
      intervalMs: 300,
      abort: () => {
        const reason = child.exitReason();
        return reason && `${launch.name} ${reason}: ${tailOf(child.logFile)}`;
      },
    });
    if (!healthy) {
      throw new Error(`${launch.name} was not healthy after ${timeoutMs / 1000} s: ${tailOf(child.logFile)}`);
    }
  } catch (error) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // It died by itself.
    }
    throw new StackError((error as Error).message);
  }
  return child;
}
