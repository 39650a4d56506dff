import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { redactSecrets } from '../lambdas/core/redaction';
import { bringUp, type LocalEndpoints } from '../localstack/src/stack';
import {
  isAlive,
  readPid,
  readServicePid,
  runningProcesses,
  stopProcess,
} from '../localstack/src/support/processes';
import { isPortOpen, waitUntil } from '../localstack/src/support/wait';
import { postJson } from './control-http';
import { type Merchant, runKeys } from './load';
import type { FaultKind, PlannedFault } from './plan';
import type { ChaosProcessor } from './processor';

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
  /** Straight to PostgreSQL (not through the RDS Proxy a fault stops), to watch the run's rows. */
  pool: pg.Pool;
  runId: string;
  /** Sends a payment of the run (and refunds it, for `refund`), so a bank call is in flight whatever the load does. */
  sendBankCall: (what: 'payment' | 'refund') => void;
  /** Test mode's processor: its calls held, its outage. */
  processor: ChaosProcessor;
}

export interface FaultRecord {
  kind: FaultKind;
  startedAt: Date;
  /** When the fault's condition was lifted (a kill is instantaneous: it ends when it happens). */
  endedAt: Date;
  /** When the process was serving again (process faults only). */
  restoredAt?: Date;
  /**
   * When what the fault took away was back, from which its recovery is timed: a stopped dependency once it
   * serves again, a killed supervised service at its kill (its supervisor's restart is part of the recovery).
   */
  returnedAt: Date;
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
export function faultTarget(fault: PlannedFault): string | undefined {
  switch (fault.kind) {
    case 'runner-kill':
      return 'runner';
    case 'api-kill':
      return 'api';
    case 'supervisor-kill':
      return fault.supervised;
    case 'database-outage':
    case 'payment-claim-database-outage':
    case 'refund-claim-database-outage':
      return 'rds-proxy';
    case 'kafka-restart':
      return 'kafka';
    default:
      return undefined;
  }
}

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

/**
 * The end of a fault whose process the run starts again itself, as `local:up` does: its recovery is timed
 * from when that process serves again.
 */
async function restarted(
  fault: PlannedFault,
  { startedAt, endedAt }: { startedAt: Date; endedAt: Date },
  env: FaultEnvironment,
  detail: string,
): Promise<FaultRecord> {
  await restartMissing(env.endpoints);
  const restoredAt = new Date();
  return { kind: fault.kind, startedAt, endedAt, restoredAt, returnedAt: restoredAt, detail };
}

/** An outage switch turned on for `forMs`, then off: what it took away returns when it is off. */
async function switchedOff(
  fault: PlannedFault,
  setOutage: (enabled: boolean) => Promise<void>,
  { startedAt, ended }: { startedAt: Date; ended: () => Date },
  detail: string,
): Promise<FaultRecord> {
  await setOutage(true);
  await sleep(fault.forMs);
  await setOutage(false);
  const endedAt = ended();
  return { kind: fault.kind, startedAt, endedAt, returnedAt: endedAt, detail };
}

/** How long the run waits for a payment or refund of the run to be claimed (its own one takes seconds). */
const CLAIM_WAIT_MS = 60_000;

/**
 * Holds the bank's answers of one kind, sends a payment (and its refund) of its own so one is at the bank
 * whatever the load does, waits until a payment (or refund) of the run is claimed for its bank call, stops
 * the RDS Proxy, then lets the bank answer: the answer reaches a handler whose database is gone between its
 * claim and its settlement.
 */
async function cutDatabaseDuringBankCall(
  what: 'payment' | 'refund',
  since: Date,
  env: FaultEnvironment,
): Promise<{ claims: string[]; answeredAfterMs: number }> {
  await env.processor.hold(what, true);
  try {
    env.sendBankCall(what);
    const claimsSql =
      what === 'payment'
        ? `SELECT id, bank_attempt_started_at AS claimed_at FROM payments
           WHERE idempotency_key LIKE $1 AND status = 'PENDING' AND bank_attempt_started_at >= $2`
        : `SELECT r.id, r.bank_attempt_started_at AS claimed_at FROM refunds r JOIN payments p ON p.id = r.payment_id
           WHERE p.idempotency_key LIKE $1 AND r.status = 'PENDING' AND r.bank_attempt_started_at >= $2`;
    let claims: { id: string; claimed_at: Date }[] = [];
    const found = await waitUntil(
      async () => {
        claims = (await env.pool.query(claimsSql, [runKeys(env.runId), since])).rows;
        return claims.length > 0;
      },
      { timeoutMs: CLAIM_WAIT_MS, intervalMs: 50 },
    );
    if (!found)
      throw new FaultInjectionError(
        `no ${what} of the run was claimed for a bank call within ${CLAIM_WAIT_MS} ms`,
      );
    // No grace: the held calls must be answered within their timeout, after the proxy is gone. The bank
    // answers once the proxy no longer accepts connections, not once the stopped process is reaped (which
    // can take its parent a while).
    const stopped = stopProcess('rds-proxy', 0);
    const proxyPort = Number(new URL(env.endpoints.functionsDatabaseUrl).port);
    await waitUntil(async () => !(await isPortOpen(proxyPort)), { timeoutMs: 5_000, intervalMs: 20 });
    await env.processor.hold(what, false);
    const firstClaim = Math.min(...claims.map((claim) => claim.claimed_at.getTime()));
    const answeredAfterMs = Date.now() - firstClaim;
    await stopped;
    return { claims: claims.map((claim) => claim.id), answeredAfterMs };
  } finally {
    // Released already unless the fault failed before.
    await env.processor.hold(what, false);
  }
}

/**
 * Injects one fault and undoes it; `onEnd` is called the moment the fault's condition is lifted, so the
 * caller can time the recovery from there.
 *
 * - runner-kill / api-kill: `kill -9` of the event runner's / the local API's service process.
 * - supervisor-kill: `kill -9` of the runner's or the API's supervisor (only it); the run then restarts
 *   what is missing as `local:up` does.
 * - database-outage: stops the local RDS Proxy (never the PostgreSQL server, which other stacks may share):
 *   the handlers lose their database for `forMs`.
 * - payment- / refund-claim-database-outage: the same outage, begun while a payment's charge / a refund is
 *   claimed and at the bank, so the bank's answer comes back to a handler without its database.
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
      const name = faultTarget(fault) as string;
      const killed = await killHard(name);
      const endedAt = ended();
      const restoredAt = await restore(name, env, killed);
      return {
        kind: fault.kind,
        startedAt,
        endedAt,
        restoredAt,
        returnedAt: endedAt,
        detail: `kill -9 ${name}`,
      };
    }
    case 'supervisor-kill': {
      const name = fault.supervised;
      const supervisor = recordedPid(name);
      const service = readServicePid(name);
      process.kill(supervisor, 'SIGKILL');
      while (isAlive(supervisor)) await sleep(20);
      const endedAt = ended();
      // Let a service that dies with its supervisor go before looking.
      await sleep(1_000);
      const outlived = service !== undefined && isAlive(service);
      // Nothing restarts a supervisor: the stack comes back as an operator brings it back, with local:up.
      return restarted(
        fault,
        { startedAt, endedAt },
        env,
        `kill -9 of the ${name}'s supervisor (pid ${supervisor}); its service ${service ?? '?'} ${outlived ? 'outlived it' : 'died with it'}; restarted by local:up`,
      );
    }
    case 'database-outage': {
      recordedPid('rds-proxy');
      await stopProcess('rds-proxy');
      await sleep(fault.forMs);
      // The outage ends on purpose: the proxy starts again at once (no supervisor to wait for).
      return restarted(
        fault,
        { startedAt, endedAt: ended() },
        env,
        `rds-proxy stopped for ${fault.forMs} ms`,
      );
    }
    case 'payment-claim-database-outage':
    case 'refund-claim-database-outage': {
      const what = fault.kind === 'payment-claim-database-outage' ? 'payment' : 'refund';
      recordedPid('rds-proxy');
      const { claims, answeredAfterMs } = await cutDatabaseDuringBankCall(what, startedAt, env);
      await sleep(fault.forMs);
      const timeoutMs = env.endpoints.settings.bank.timeoutMs;
      return restarted(
        fault,
        { startedAt, endedAt: ended() },
        env,
        `rds-proxy stopped for ${fault.forMs} ms while ${claims.length} claimed ${what}(s) were at the bank (${claims.slice(0, 3).join(', ')}${claims.length > 3 ? ', …' : ''}); the bank answered ${answeredAfterMs} ms after the claim, ${answeredAfterMs < timeoutMs ? 'within' : 'AFTER'} the call's ${timeoutMs} ms timeout`,
      );
    }
    case 'kafka-restart': {
      recordedPid('kafka');
      await stopProcess('kafka');
      return restarted(fault, { startedAt, endedAt: ended() }, env, 'kafka stopped and started again');
    }
    case 'bank-outage':
      return switchedOff(
        fault,
        (enabled) => env.processor.setOutage(enabled),
        { startedAt, ended },
        `the ${env.processor.label} down for ${fault.forMs} ms`,
      );
    case 'webhook-outage': {
      const merchantId = (env.merchants[fault.merchant] as Merchant).id;
      return switchedOff(
        fault,
        (enabled) => postJson(`${env.endpoints.webhookSinkUrl}/admin/outage`, { merchantId, enabled }),
        { startedAt, ended },
        `webhooks of ${merchantId} answered 503 for ${fault.forMs} ms`,
      );
    }
  }
}
