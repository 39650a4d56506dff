import { describe, expect, it } from 'vitest';
import {
  cpuMsFromProcStat,
  highestSustainedRate,
  type PipelineStep,
  percentile,
  perSecond,
} from '../../../bench/stats';

describe('percentile (nearest rank)', () => {
  const samples = [15, 20, 35, 40, 50];

  it('picks the sample at the rank ceil(q/100 × n), whatever the order given', () => {
    expect(percentile([50, 15, 40, 20, 35], 30)).toBe(20);
    expect(percentile(samples, 40)).toBe(20);
    expect(percentile(samples, 50)).toBe(35);
    expect(percentile(samples, 100)).toBe(50);
  });

  it('gives the largest sample as p99 of fewer than 100 samples', () => {
    expect(percentile(samples, 99)).toBe(50);
  });

  it('is undefined without samples and refuses a rank outside (0, 100]', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile(samples, 0)).toThrow(RangeError);
    expect(() => percentile(samples, 101)).toThrow(RangeError);
  });
});

describe('perSecond', () => {
  it('scales a count over milliseconds to a rate, and an empty interval to 0', () => {
    expect(perSecond(50, 2_000)).toBe(25);
    expect(perSecond(50, 0)).toBe(0);
  });
});

const step = (offeredPerSecond: number, p99Ms: number | undefined, unfinished = 0): PipelineStep => ({
  offeredPerSecond,
  accepted: 100,
  completed: 100 - unfinished,
  p50Ms: p99Ms === undefined ? undefined : p99Ms / 2,
  p99Ms,
});

describe('highestSustainedRate', () => {
  it('is the highest rate whose p99 stays under the limit with every payment completed', () => {
    expect(highestSustainedRate([step(25, 300), step(50, 600), step(100, 1_500)])).toBe(50);
  });

  it('stops at the first failing step: a lucky step above saturation does not count', () => {
    expect(highestSustainedRate([step(25, 300), step(50, 4_000), step(100, 800)])).toBe(25);
  });

  it('does not count a step that left payments unfinished, even with a low p99', () => {
    expect(highestSustainedRate([step(25, 300, 1)])).toBeUndefined();
  });

  it('orders the steps by rate and applies the given limit', () => {
    expect(highestSustainedRate([step(50, 400), step(25, 100)], 500)).toBe(50);
    expect(highestSustainedRate([step(50, 400), step(25, 100)], 200)).toBe(25);
  });
});

describe('cpuMsFromProcStat', () => {
  it('adds utime and stime (fields 14 and 15) in clock ticks, even with spaces in the command name', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[11] = '250'; // utime, field 14
    fields[12] = '50'; // stime, field 15
    const stat = `1234 (node my server) ${fields.join(' ')}`;
    expect(cpuMsFromProcStat(stat, 100)).toBe(3_000);
  });

  it('refuses a line it cannot read', () => {
    expect(() => cpuMsFromProcStat('garbage')).toThrow('unreadable');
  });
});
