/**
 * A dependency failed for now and the work waits it out: what the caller is told (for logs and metrics), with
 * where it happened (`Where`: the record a consumer waits on, the relay's step).
 */
export type TransientFailure<Where> = {
  readonly error: unknown;
  /** How long the work waits before its next attempt. */
  readonly retryInMs: number;
} & Where;
