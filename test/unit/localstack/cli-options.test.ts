import { describe, expect, it } from 'vitest';
import { adoptTestTimings, TEST_TIMINGS } from '../../../localstack/src/test-timings';
import { runScript } from '../../support/run-script';

describe('the local stack command', () => {
  it('refuses an unknown option, and --test-timings for down, in one line with a non-zero exit', async () => {
    for (const [args, message] of [
      [['up', '--fast'], /unknown option "--fast"/],
      [['down', '--test-timings'], /applies to start and up, not down/],
    ] as const) {
      const result = await runScript('localstack/src/cli.ts', [...args]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });

  it('adopts the test timings where the environment sets none, and keeps those it sets', () => {
    const env: NodeJS.ProcessEnv = { ASPAY_BANK_TIMEOUT_MS: '900' };
    adoptTestTimings(env);
    expect(env.ASPAY_BANK_TIMEOUT_MS).toBe('900');
    expect(env.ASPAY_BANK_LATENCY_MS).toBe(TEST_TIMINGS.ASPAY_BANK_LATENCY_MS);
    expect(env.ASPAY_SCHEDULE_EVERY_MS).toBe(TEST_TIMINGS.ASPAY_SCHEDULE_EVERY_MS);
  });
});
