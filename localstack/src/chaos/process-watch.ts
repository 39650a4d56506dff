import { isAlive, readPid } from '../support/processes';

export interface Crash {
  name: string;
  at: Date;
}

/**
 * Watches the stack's processes for deaths no fault caused: a process that dies while it is not the target
 * of the fault in progress crashed (e.g. an unhandled error when its database went away).
 */
export class ProcessWatch {
  readonly crashes: Crash[] = [];
  /** The process the fault in progress stops on purpose, if any. */
  target: string | undefined;
  private readonly reported = new Set<number>();

  constructor(private readonly names: readonly string[]) {}

  /** Records every watched process that is dead now and was not stopped on purpose; returns the new ones. */
  check(): Crash[] {
    const found: Crash[] = [];
    for (const name of this.names) {
      const pid = readPid(name);
      if (name === this.target || pid === undefined || isAlive(pid) || this.reported.has(pid)) continue;
      this.reported.add(pid);
      found.push({ name, at: new Date() });
    }
    this.crashes.push(...found);
    return found;
  }

  /** Whether a watched process is down right now (crashed and not yet restarted). */
  anyDown(): boolean {
    return this.names.some((name) => {
      const pid = readPid(name);
      return pid === undefined || !isAlive(pid);
    });
  }
}
