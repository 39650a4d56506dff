import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { scheduleIntervalMs, startSchedule } from '../../../localstack/src/runner/schedule';

describe('local schedules', () => {
  it('invokes at the rate without waiting for the previous invocation, up to the reserved concurrency', async () => {
    const started: number[] = [];
    const release: (() => void)[] = [];
    const schedule = startSchedule(
      { handler: 'fixture', timeoutSeconds: 60, reservedConcurrency: 2 },
      () => {
        started.push(Date.now());
        return new Promise<void>((resolve) => release.push(resolve));
      },
      50,
    );
    await sleep(180);
    // At start and at 50 ms; the ticks at 100 and 150 ms find both still running and are throttled.
    expect(started).toHaveLength(2);
    for (const done of release) done();
    await sleep(120);
    schedule.stop();
    // Once they finished, the next ticks invoke again.
    expect(started.length).toBeGreaterThan(2);
  });

  it('takes the configured rate unless ASPAY_SCHEDULE_EVERY_MS overrides it', () => {
    expect(scheduleIntervalMs(1, {})).toBe(60_000);
    expect(scheduleIntervalMs(1, { ASPAY_SCHEDULE_EVERY_MS: '1000' })).toBe(1_000);
    expect(() => scheduleIntervalMs(1, { ASPAY_SCHEDULE_EVERY_MS: 'soon' })).toThrow(
      /ASPAY_SCHEDULE_EVERY_MS/,
    );
  });
});
