import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { dlqAccess } from '../cli/commands/dlq';
import { createKafka } from '../lambdas/core/adapters/kafka/client';
import { createPool } from '../lambdas/core/adapters/postgres/pool';
import type { LocalEndpoints } from '../localstack/src/stack';
import { runningProcesses } from '../localstack/src/support/processes';
import { checkRun, gatherEvidence, type ResentNotice, resentNotices, type Violation } from './checks';
import { type ExpiredClaim, ExpiredClaimWatch } from './claims';
import { classifyLetters, listLetters } from './dead-letters';
import { survivorsOfLocalDown } from './down-check';
import { type FaultRecord, faultTarget, injectFault, type RestartPolicy, restartMissing } from './faults';
import {
  LoadClient,
  type Merchant,
  type PaymentOutcome,
  runKeys,
  runLoad,
  sendBankCall,
  sendProbe,
} from './load';
import type { ChaosPlan } from './plan';
import { type Crash, ProcessWatch } from './process-watch';
import type { ChaosProcessor } from './processor';
import { type QuietResult, waitForQuiet } from './quiet';
import { succeededAt, type WaitingWork, waitingCount, waitingWork, workFinished } from './recovery';
import type { StackProcess } from './stack-processes';
import { RECOVERY_BOUND_MS, sweepEveryMs } from './timings';

/** How long past a sweep an expired claim may wait before it counts as waiting on nobody. */
const TAKEOVER_SLACK_MS = 5_000;

export interface ChaosRunOptions {
  plan: ChaosPlan;
  endpoints: LocalEndpoints;
  /** Test mode's processor, as the stack was started with it. */
  processor: ChaosProcessor;
  restart: RestartPolicy;
  /** How long the system may take to become quiet after the load. */
  quietTimeoutMs: number;
  /** How long a fault's recovery is waited for before the fault counts as not recovered. */
  recoveryTimeoutMs: number;
  /** After the checks: run `local:down`, look for survivors, and bring the stack up again. */
  downCheck: boolean;
  log?: (line: string) => void;
}

export interface FaultResult extends Omit<FaultRecord, 'returnedAt'> {
  returnedAt?: Date;
  /**
   * From the dependency's return (`returnedAt`) until a new payment completed and all the run's work that
   * waited at the fault's end was final; undefined when that did not happen in time.
   */
  recoveryMs?: number;
  /** From the return until the probe payment succeeded. */
  probeMs?: number;
  /** The run's work not final at the fault's end, and when it all was (from the return). */
  waited?: { count: number; finalMs?: number; last?: WaitingWork; left?: WaitingWork };
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
  /** Payments and refunds seen waiting behind an expired bank claim. */
  expiredClaims: ExpiredClaim[];
  /** Processes of the stack alive after `local:down`; undefined when the run did not check. */
  survivors?: StackProcess[];
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
    // With receipts on (docs/receipts.md): every payment of the run names its customer, whose e-mails the checks
    // count. The demo merchants stay opted in after the run.
    await pool.query('UPDATE merchants SET customer_receipts = true WHERE id = ANY($1::text[])', [
      merchants.map((merchant) => merchant.id),
    ]);
    const lettersBefore = new Set((await listLetters(dlq)).map((letter) => letter.id));
    const probes: Promise<PaymentOutcome>[] = [];
    const faults: FaultResult[] = [];

    const keys = runKeys(runId);
    const settings = endpoints.settings;
    const claims = new ExpiredClaimWatch(pool, keys, {
      takeoverMs: sweepEveryMs(settings) + TAKEOVER_SLACK_MS,
    });
    let undisturbedSince = new Date();

    const recoveries: Promise<void>[] = [];
    const timeRecovery = (
      record: FaultResult & { returnedAt: Date },
      probe: Promise<PaymentOutcome>,
      waiting: Promise<WaitingWork>,
    ) => {
      const since = (at: Date) => Math.max(0, at.getTime() - record.returnedAt.getTime());
      const timing = (async () => {
        const [outcome, work] = await Promise.all([probe, waiting]);
        const id = outcome.answeredIds[0];
        const [probeAt, finished] = await Promise.all([
          id ? succeededAt(pool, id, { timeoutMs: options.recoveryTimeoutMs }) : undefined,
          workFinished(pool, work, { timeoutMs: options.recoveryTimeoutMs }),
        ]);
        if (probeAt) record.probeMs = since(probeAt);
        record.waited =
          'at' in finished
            ? { count: waitingCount(work), finalMs: since(finished.at), last: finished.last }
            : { count: waitingCount(work), left: finished.left };
        if (probeAt && 'at' in finished) record.recoveryMs = Math.max(since(probeAt), since(finished.at));
        log(
          `${record.kind}: ${record.recoveryMs !== undefined ? `recovered in ${record.recoveryMs} ms` : 'not recovered'} (probe ${record.probeMs ?? '—'} ms, ${record.waited.count} waiting item(s) final ${record.waited.finalMs ?? '—'} ms after the return)`,
        );
      })();
      recoveries.push(timing);
      return timing;
    };

    // A process that dies on its own is reported, then restarted once no fault is in progress.
    // A supervised service's own pid file (`<name>.service.pid`) is watched through its supervisor's name.
    const watch = new ProcessWatch(runningProcesses().filter((name) => !name.endsWith('.service')));
    let faultInProgress = false;
    let restarting = false;
    let notRestarted = '';
    let sampling = false;
    watching = setInterval(() => {
      for (const crash of watch.check()) log(`${crash.name} died on its own`);
      if (!faultInProgress && !sampling) {
        sampling = true;
        void claims
          .sample(undisturbedSince)
          .catch((error: Error) => log(`claim sample failed: ${error.message}`))
          .finally(() => {
            sampling = false;
          });
      }
      const down = watch.down().join(', ');
      if (faultInProgress || restarting || down === '' || down === notRestarted) return;
      restarting = true;
      void restartMissing(endpoints)
        .then(() => {
          // What a restart cannot bring back (e.g. a service still serving without its supervisor) is not
          // tried again every second.
          notRestarted = watch.down().join(', ');
          if (notRestarted) log(`still down after a restart: ${notRestarted}`);
        })
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
        let waiting: Promise<WaitingWork> | undefined;
        const onEnd = () => {
          probe = sendProbe(
            client,
            merchants[0] as Merchant,
            runId,
            plan.payments.length + probes.length,
            plan.successSource,
          );
          probes.push(probe);
          waiting = waitingWork(pool, keys);
        };
        faultInProgress = true;
        watch.target = faultTarget(planned);
        try {
          const bankCall = (what: 'payment' | 'refund') =>
            probes.push(
              sendBankCall(
                client,
                merchants[0] as Merchant,
                runId,
                plan.payments.length + probes.length,
                what,
                plan.successSource,
              ),
            );
          const record = await injectFault(
            planned,
            {
              endpoints,
              merchants,
              restart: options.restart,
              pool,
              runId,
              sendBankCall: bankCall,
              processor: options.processor,
            },
            onEnd,
          );
          faults.push(record);
          undisturbedSince = record.returnedAt;
          if (probe && waiting) previousRecovery = timeRecovery(record, probe, waiting);
        } catch (error) {
          const now = new Date();
          undisturbedSince = now;
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

    log(`waiting for quiet (up to ${Math.round(options.quietTimeoutMs / 1000)} s)`);
    const idempotencyKeys = all.map((outcome) => outcome.idempotencyKey);
    const ids = (
      await pool.query('SELECT id FROM payments WHERE idempotency_key = ANY($1::text[])', [idempotencyKeys])
    ).rows.map((row) => row.id as string);
    const quiet = await waitForQuiet(pool, ids, { timeoutMs: options.quietTimeoutMs });
    clearInterval(watching);
    await claims.sample(undisturbedSince);

    log('checking');
    const newLetters = (await listLetters(dlq)).filter((letter) => !lettersBefore.has(letter.id));
    const evidence = await gatherEvidence(
      pool,
      idempotencyKeys,
      {
        processor: options.processor,
        webhookSinkUrl: endpoints.webhookSinkUrl,
        mailCatcherUrl: endpoints.mailCatcherUrl,
      },
      await classifyLetters(kafka, newLetters),
    );
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
          detail:
            fault.probeMs === undefined
              ? `no new payment completed within ${options.recoveryTimeoutMs} ms of the return`
              : `still waiting ${options.recoveryTimeoutMs} ms after the return: ${JSON.stringify(fault.waited?.left)}`,
        });
      else if (fault.recoveryMs > RECOVERY_BOUND_MS)
        violations.push({
          check: 'slow-recovery',
          subject: fault.kind,
          detail: `recovered ${fault.recoveryMs} ms after the return, over ${RECOVERY_BOUND_MS} ms (probe ${fault.probeMs} ms, ${fault.waited?.count} waiting item(s) final after ${fault.waited?.finalMs} ms, the last of them ${JSON.stringify(fault.waited?.last)})`,
        });
    }
    for (const claim of claims.expired)
      violations.push({
        check: 'expired-claim',
        subject: `${claim.what} ${claim.id}`,
        detail: `PENDING behind its claim of ${claim.claimedAt.toISOString()}, ${claim.overdueMs} ms after it expired at ${claim.expiredAt.toISOString()}`,
      });
    let survivors: StackProcess[] | undefined;
    if (options.downCheck) {
      log('local:down, then looking for survivors');
      survivors = await survivorsOfLocalDown(endpoints);
      for (const survivor of survivors)
        violations.push({
          check: 'survived-local-down',
          subject: `pid ${survivor.pid}`,
          detail: survivor.command.slice(0, 200),
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
      expiredClaims: claims.expired,
      survivors,
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
