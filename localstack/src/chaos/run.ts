import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { dlqAccess } from '../../../cli/commands/dlq';
import { createKafka } from '../../../lambdas/core/adapters/kafka/client';
import { createPool } from '../../../lambdas/core/adapters/postgres/pool';
import type { LocalEndpoints } from '../stack';
import { runningProcesses } from '../support/processes';
import { checkRun, gatherEvidence, type ResentNotice, resentNotices, type Violation } from './checks';
import { classifyLetters, listLetters } from './dead-letters';
import { FAULT_TARGETS, type FaultRecord, injectFault, type RestartPolicy, restartMissing } from './faults';
import { LoadClient, type Merchant, type PaymentOutcome, runLoad, sendProbe } from './load';
import type { ChaosPlan } from './plan';
import { type Crash, ProcessWatch } from './process-watch';
import { type QuietResult, waitForQuiet } from './quiet';
import { succeededAt } from './recovery';

export interface ChaosRunOptions {
  plan: ChaosPlan;
  endpoints: LocalEndpoints;
  restart: RestartPolicy;
  /** How long the system may take to become quiet after the load. */
  quietTimeoutMs: number;
  /** How long a probe may take to succeed after a fault before the fault counts as not recovered. */
  recoveryTimeoutMs: number;
  log?: (line: string) => void;
}

export interface FaultResult extends FaultRecord {
  /** From the fault's end until a new payment completed; undefined when none did in time. */
  recoveryMs?: number;
  error?: string;
}

export interface ChaosResult {
  runId: string;
  plan: ChaosPlan;
  outcomes: PaymentOutcome[];
  faults: FaultResult[];
  quiet: QuietResult;
  violations: Violation[];
  /** Notices received twice after an attempt whose answer never came: at-least-once, not a violation. */
  resentNotices: ResentNotice[];
  /** Processes that died without a fault killing them. */
  crashes: Crash[];
  /** The run's payments by final status. */
  statuses: Record<string, number>;
  requests: number;
  elapsedMs: number;
}

/**
 * One chaos run: the plan's load through the local API while its faults happen at their times, a probe
 * payment after each fault, then a wait for quiet, then every check against what the stores hold.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosResult> {
  const { plan, endpoints } = options;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const runId = randomUUID().slice(0, 8);
  const pool = createPool(endpoints.databaseUrl, { max: 4 });
  const kafka = createKafka({ clientId: 'aspay-chaos', brokers: endpoints.kafkaBrokers.split(',') });
  const dlq = dlqAccess(endpoints.deadLetterQueueUrl, endpoints.sqsEndpoint);
  const merchants: readonly Merchant[] = endpoints.merchants;
  const client = new LoadClient(endpoints.apiUrl);
  let watching: NodeJS.Timeout | undefined;
  try {
    const lettersBefore = new Set((await listLetters(dlq)).map((letter) => letter.id));
    const probes: Promise<PaymentOutcome>[] = [];
    const faults: FaultResult[] = [];

    const recoveries: Promise<void>[] = [];
    const timeRecovery = (record: FaultResult, probe: Promise<PaymentOutcome>) => {
      const timing = probe.then(async (outcome) => {
        const id = outcome.answeredIds[0];
        const at = id && (await succeededAt(pool, id, { timeoutMs: options.recoveryTimeoutMs }));
        if (at) record.recoveryMs = Math.max(0, at.getTime() - record.endedAt.getTime());
        log(`${record.kind}: ${at ? `recovered in ${record.recoveryMs} ms` : 'no new payment completed'}`);
      });
      recoveries.push(timing);
      return timing;
    };

    // A process that dies on its own is reported, then restarted once no fault is in progress.
    const watch = new ProcessWatch(runningProcesses());
    let faultInProgress = false;
    let restarting = false;
    watching = setInterval(() => {
      for (const crash of watch.check()) log(`${crash.name} died on its own`);
      if (faultInProgress || restarting || !watch.anyDown()) return;
      restarting = true;
      void restartMissing(endpoints)
        .catch((error: Error) => log(`restart failed: ${error.message}`))
        .finally(() => {
          restarting = false;
        });
    }, 1_000);

    const runFaults = async () => {
      let previousRecovery: Promise<void> = Promise.resolve();
      for (const planned of plan.faults) {
        const wait = started + planned.atMs - Date.now();
        if (wait > 0) await sleep(wait);
        // Each fault starts once the system recovered from the one before, so each recovery is its own.
        await previousRecovery;
        log(`fault ${planned.kind} at +${Math.round((Date.now() - started) / 1000)} s`);
        let probe: Promise<PaymentOutcome> | undefined;
        const onEnd = () => {
          probe = sendProbe(client, merchants[0] as Merchant, runId, plan.payments.length + probes.length);
          probes.push(probe);
        };
        faultInProgress = true;
        watch.target = FAULT_TARGETS[planned.kind];
        try {
          const record = await injectFault(
            planned,
            { endpoints, merchants, restart: options.restart },
            onEnd,
          );
          faults.push(record);
          if (probe) previousRecovery = timeRecovery(record, probe);
        } catch (error) {
          const now = new Date();
          faults.push({
            kind: planned.kind,
            startedAt: now,
            endedAt: now,
            detail: 'not injected',
            error: (error as Error).message,
          });
          log(`fault ${planned.kind} failed: ${(error as Error).message}`);
        } finally {
          watch.faultEnded();
          faultInProgress = false;
        }
      }
    };

    log(`load: ${plan.payments.length} payments over ~${Math.round(plan.durationMs / 1000)} s`);
    const [outcomes] = await Promise.all([runLoad(client, plan, merchants, runId), runFaults()]);
    const probeOutcomes = await Promise.all(probes);
    await Promise.all(recoveries);
    const all = [...outcomes, ...probeOutcomes];

    log('waiting for quiet');
    const keys = all.map((outcome) => outcome.idempotencyKey);
    const ids = (
      await pool.query('SELECT id FROM payments WHERE idempotency_key = ANY($1::text[])', [keys])
    ).rows.map((row) => row.id as string);
    const quiet = await waitForQuiet(pool, ids, { timeoutMs: options.quietTimeoutMs });

    log('checking');
    const newLetters = (await listLetters(dlq)).filter((letter) => !lettersBefore.has(letter.id));
    const evidence = await gatherEvidence(pool, keys, endpoints, await classifyLetters(kafka, newLetters));
    const violations = checkRun(all, evidence);
    if (!quiet.quiet)
      violations.push({
        check: 'not-quiet',
        subject: 'system',
        detail: `still moving after ${quiet.waitedMs} ms: ${JSON.stringify(quiet.motion)}`,
      });
    if (quiet.motion.unpublishedEvents > 0)
      violations.push({
        check: 'outbox-not-drained',
        subject: 'outbox',
        detail: `${quiet.motion.unpublishedEvents} event(s) of the run still unpublished`,
      });
    for (const crash of watch.crashes)
      violations.push({
        check: 'crashed',
        subject: crash.name,
        detail: `died at ${crash.at.toISOString()} without a fault killing it`,
      });
    for (const fault of faults) {
      if (fault.error)
        violations.push({
          check: 'not-recovered',
          subject: fault.kind,
          detail: `not injected: ${fault.error}`,
        });
      else if (fault.recoveryMs === undefined)
        violations.push({
          check: 'not-recovered',
          subject: fault.kind,
          detail: `no new payment completed within ${options.recoveryTimeoutMs} ms of the fault's end`,
        });
    }
    return {
      runId,
      plan,
      outcomes: all,
      faults,
      quiet,
      violations,
      resentNotices: resentNotices(evidence),
      crashes: watch.crashes,
      statuses: Object.fromEntries(
        [...new Set(evidence.payments.map((payment) => payment.status))]
          .sort()
          .map((status) => [status, evidence.payments.filter((payment) => payment.status === status).length]),
      ),
      requests: client.requests.length,
      elapsedMs: Date.now() - started,
    };
  } finally {
    clearInterval(watching);
    await pool.end();
  }
}
