import { setTimeout as sleep } from 'node:timers/promises';
import { redactSecrets } from '../../../lambdas/core/redaction';
import { bringUp, type LocalEndpoints } from '../stack';
import { isAlive, readPid, readServicePid, runningProcesses, stopProcess } from '../support/processes';
import { waitUntil } from '../support/wait';
import type { Merchant } from './load';
import type { FaultKind, PlannedFault } from './plan';

/** A fault could not be injected or undone (not: the system misbehaved under it, which the checks report). */
export class FaultInjectionError extends Error {
  override readonly name = 'FaultInjectionError';
}

/**
 * How a killed or stopped process comes back. The stack has no supervisor yet, so the run restarts it itself
 * through `bringUp()` (what `npm run local:up` runs); once a supervisor restarts processes, a grace period
 * lets it do so first and the run only steps in if the process is not back in time.
 */
export interface RestartPolicy {
  supervisorGraceMs: number;
}

export interface FaultEnvironment {
  endpoints: LocalEndpoints;
  merchants: readonly Merchant[];
  restart: RestartPolicy;
}

export interface FaultRecord {
  kind: FaultKind;
  startedAt: Date;
  /** When the fault's condition was lifted (a kill is instantaneous: it ends when it happens). */
  endedAt: Date;
  /** When the process was serving again (process faults only). */
  restoredAt?: Date;
  detail: string;
}

/** Serving again: running, and for a killed supervised service, a new service process is up. */
async function isServing(name: string, endpoints: LocalEndpoints, killed?: number): Promise<boolean> {
  if (!runningProcesses().includes(name)) return false;
  if (killed !== undefined) {
    const service = readServicePid(name);
    if (service === undefined || service === killed || !isAlive(service)) return false;
  }
  if (name !== 'api') return true;
  const response = await fetch(`${endpoints.apiUrl}/health`, { signal: AbortSignal.timeout(2_000) });
  return response.status === 200;
}

let restarting: Promise<unknown> = Promise.resolve();

/**
 * Starts whatever of the stack is not running, through `bringUp()` (what `npm run local:up` runs), one
 * restart at a time so two never race for a port.
 */
export function restartMissing(expected: LocalEndpoints): Promise<void> {
  const next = restarting.then(async () => {
    const { endpoints } = await bringUp();
    // A restart with another environment would point the process at another database or broker.
    if (
      endpoints.databaseUrl !== expected.databaseUrl ||
      endpoints.apiUrl !== expected.apiUrl ||
      endpoints.kafkaBrokers !== expected.kafkaBrokers
    ) {
      throw new FaultInjectionError(
        `a restart would start processes against another stack (${redactSecrets(endpoints.databaseUrl)}): run the chaos run with the environment the stack was started with`,
      );
    }
  });
  restarting = next.catch(() => undefined);
  return next;
}

/** Waits for a supervisor (if the policy allows one), else restarts what is missing itself. */
async function restore(name: string, env: FaultEnvironment, killed?: number): Promise<Date> {
  const back =
    env.restart.supervisorGraceMs > 0 &&
    (await waitUntil(() => isServing(name, env.endpoints, killed), {
      timeoutMs: env.restart.supervisorGraceMs,
    }));
  if (!back) await restartMissing(env.endpoints);
  return new Date();
}

/** The process each fault stops on purpose. */
export const FAULT_TARGETS: Partial<Record<FaultKind, string>> = {
  'runner-kill': 'runner',
  'api-kill': 'api',
  'database-outage': 'rds-proxy',
  'kafka-restart': 'kafka',
};

/** The pid the local stack recorded for a process it started, refusing anything else. */
function recordedPid(name: string): number {
  const pid = readPid(name);
  if (pid === undefined || !isAlive(pid))
    throw new FaultInjectionError(
      `no running ${name} started by the local stack: the chaos run only touches processes the stack started`,
    );
  return pid;
}

/** Kills a process hard; returns the killed service process of a supervised service. */
async function killHard(name: string): Promise<number | undefined> {
  const pid = recordedPid(name);
  // A supervised service (the API, the runner) crashes like a Lambda execution environment: its process dies,
  // its supervisor stays and starts it again. An engine has no supervisor: its whole process group goes.
  const service = readServicePid(name);
  if (service !== undefined && isAlive(service)) {
    process.kill(service, 'SIGKILL');
    while (isAlive(service)) await sleep(20);
    return service;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  while (isAlive(pid)) await sleep(20);
  return undefined;
}

async function postJson(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new FaultInjectionError(`${url} answered ${response.status}`);
}

/**
 * Injects one fault and undoes it; `onEnd` is called the moment the fault's condition is lifted, so the
 * caller can time the recovery from there.
 *
 * - runner-kill / api-kill: `kill -9` of the event runner / the local API process group.
 * - database-outage: stops the local RDS Proxy (never the PostgreSQL server, which other stacks may share):
 *   the handlers lose their database for `forMs`.
 * - kafka-restart: stops the broker and starts it again through the engine's own start.
 * - bank-outage: the bank simulator's outage switch (503 to everything) for `forMs`.
 * - webhook-outage: one merchant's webhook endpoint answers 503 for `forMs`.
 */
export async function injectFault(
  fault: PlannedFault,
  env: FaultEnvironment,
  onEnd: () => void,
): Promise<FaultRecord> {
  const startedAt = new Date();
  const ended = () => {
    onEnd();
    return new Date();
  };
  switch (fault.kind) {
    case 'runner-kill':
    case 'api-kill': {
      const name = FAULT_TARGETS[fault.kind] as string;
      const killed = await killHard(name);
      const endedAt = ended();
      const restoredAt = await restore(name, env, killed);
      return { kind: fault.kind, startedAt, endedAt, restoredAt, detail: `kill -9 ${name}` };
    }
    case 'database-outage': {
      recordedPid('rds-proxy');
      await stopProcess('rds-proxy');
      await sleep(fault.forMs);
      const endedAt = ended();
      // The outage ends on purpose: the proxy starts again at once (no supervisor to wait for).
      await restartMissing(env.endpoints);
      const restoredAt = new Date();
      return {
        kind: fault.kind,
        startedAt,
        endedAt,
        restoredAt,
        detail: `rds-proxy stopped for ${fault.forMs} ms`,
      };
    }
    case 'kafka-restart': {
      recordedPid('kafka');
      await stopProcess('kafka');
      const endedAt = ended();
      await restartMissing(env.endpoints);
      const restoredAt = new Date();
      return { kind: fault.kind, startedAt, endedAt, restoredAt, detail: 'kafka stopped and started again' };
    }
    case 'bank-outage': {
      await postJson(`${env.endpoints.bankUrl}/admin/outage`, { enabled: true });
      await sleep(fault.forMs);
      await postJson(`${env.endpoints.bankUrl}/admin/outage`, { enabled: false });
      return { kind: fault.kind, startedAt, endedAt: ended(), detail: `bank down for ${fault.forMs} ms` };
    }
    case 'webhook-outage': {
      const merchantId = (env.merchants[fault.merchant] as Merchant).id;
      await postJson(`${env.endpoints.webhookSinkUrl}/admin/outage`, { merchantId, enabled: true });
      await sleep(fault.forMs);
      await postJson(`${env.endpoints.webhookSinkUrl}/admin/outage`, { merchantId, enabled: false });
      return {
        kind: fault.kind,
        startedAt,
        endedAt: ended(),
        detail: `webhooks of ${merchantId} answered 503 for ${fault.forMs} ms`,
      };
    }
  }
}
