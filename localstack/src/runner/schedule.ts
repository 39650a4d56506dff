import { integerSetting } from '../../../lambdas/core/config/settings';
import { invokeFunction, type LambdaHandler } from '../lambda-runtime';
import { LOCAL_STACK_ENV } from '../settings';
import { log } from './log';

/**
 * The interval between a schedule's invocations: its configured rate, or `LOCAL_STACK_ENV.scheduleEveryMs` (tests and
 * demos that cannot wait a minute for the retry sweep).
 */
export function scheduleIntervalMs(everyMinutes: number, env: NodeJS.ProcessEnv = process.env): number {
  return integerSetting(env, LOCAL_STACK_ENV.scheduleEveryMs, everyMinutes * 60_000, 1);
}

export interface RunningSchedule {
  stop(): void;
}

/**
 * Emulates an EventBridge rate schedule: one invocation at start, then one per interval whether or not the
 * previous one finished, each with the function's timeout enforced. A tick that finds the function's
 * reserved concurrency in use is throttled and skipped, as Lambda refuses an invocation beyond it.
 */
export function startSchedule(
  scheduled: {
    readonly handler: string;
    readonly timeoutSeconds: number;
    readonly reservedConcurrency: number;
  },
  handler: LambdaHandler,
  intervalMs: number,
): RunningSchedule {
  let running = 0;
  let throttled = false;
  const tick = () => {
    if (running >= scheduled.reservedConcurrency) {
      // Once per stretch: a long-running relay at a test cadence is throttled every tick.
      if (!throttled)
        log('WARN', 'scheduled invocations throttled: reserved concurrency in use', {
          function: scheduled.handler,
          running,
        });
      throttled = true;
      return;
    }
    throttled = false;
    running++;
    invokeFunction(
      handler,
      scheduled.handler,
      { source: 'aws.events', 'detail-type': 'Scheduled Event' },
      scheduled.timeoutSeconds,
    )
      .catch((error: Error) =>
        log('ERROR', 'scheduled invocation failed', { function: scheduled.handler, error: error.message }),
      )
      .finally(() => {
        running--;
      });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
