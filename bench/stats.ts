/** Pure figures of the bench: percentiles, rates, the rate search. No I/O, so test/unit covers them. */

/** The q-th percentile (0 < q ≤ 100) by the nearest-rank method; undefined for no samples. */
export function percentile(samples: readonly number[], q: number): number | undefined {
  if (!(q > 0 && q <= 100)) throw new RangeError(`percentile ${q} is not in (0, 100]`);
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil((q / 100) * sorted.length) - 1];
}

/** Events per second, or 0 for an empty or instant interval. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1_000) / elapsedMs : 0;
}

/** One offered-rate step of the pipeline. */
export interface PipelineStep {
  readonly offeredPerSecond: number;
  /** Payments the API accepted (202) during the step. */
  readonly accepted: number;
  /** Of those, how many reached SUCCESS before the bench stopped waiting. */
  readonly completed: number;
  /** POST→SUCCESS latency percentiles of the completed ones, in milliseconds. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

/**
 * The highest offered rate the pipeline keeps up with: every accepted payment completed and p99 under the
 * limit. Steps above a failing one do not count (a lucky step past saturation is noise, not capacity).
 */
export function highestSustainedRate(steps: readonly PipelineStep[], p99LimitMs = 1_000): number | undefined {
  let best: number | undefined;
  for (const step of [...steps].sort((a, b) => a.offeredPerSecond - b.offeredPerSecond)) {
    const keptUp =
      step.accepted > 0 &&
      step.completed === step.accepted &&
      step.p99Ms !== undefined &&
      step.p99Ms < p99LimitMs;
    if (!keptUp) break;
    best = step.offeredPerSecond;
  }
  return best;
}

/** A process's CPU time (user + system) in milliseconds from the text of /proc/<pid>/stat. */
export function cpuMsFromProcStat(stat: string, clockTicksPerSecond = 100): number {
  // The command name (field 2) is in parentheses and may contain spaces: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, i.e. 12 and 13 after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc/<pid>/stat');
  return ((utime + stime) * 1_000) / clockTicksPerSecond;
}
