import { isAlive, readPid, readServicePid } from '../localstack/src/support/processes';

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
  /** The service process each supervised service ran at the last check (its supervisor restarts a crash). */
  private readonly services = new Map<string, number | undefined>();

  constructor(private readonly names: readonly string[]) {
    for (const name of names) this.services.set(name, readServicePid(name));
  }

  /**
   * Records every watched process that is dead now, or whose supervisor started it again, without a fault
   * stopping it on purpose; returns the new ones.
   */
  check(): Crash[] {
    const found: Crash[] = [];
    for (const name of this.names) {
      const service = readServicePid(name);
      const previous = this.services.get(name);
      if (
        name !== this.target &&
        previous !== undefined &&
        service !== previous &&
        !this.reported.has(previous)
      ) {
        this.reported.add(previous);
        found.push({ name, at: new Date() });
      }
      if (service !== undefined || name === this.target) this.services.set(name, service);
      const pid = readPid(name);
      if (name === this.target || pid === undefined || isAlive(pid) || this.reported.has(pid)) continue;
      this.reported.add(pid);
      found.push({ name, at: new Date() });
    }
    this.crashes.push(...found);
    return found;
  }

  /** The fault on `target` is over: the service process it runs now is the one expected from here on. */
  faultEnded(): void {
    if (this.target !== undefined) {
      this.services.set(this.target, readServicePid(this.target));
      // The fault's own kill (e.g. of a supervisor nothing restarted) is no crash.
      const pid = readPid(this.target);
      if (pid !== undefined && !isAlive(pid)) this.reported.add(pid);
    }
    this.target = undefined;
  }

  /** The watched processes down right now (crashed and not yet restarted). */
  down(): string[] {
    return this.names.filter((name) => {
      const pid = readPid(name);
      return pid === undefined || !isAlive(pid);
    });
  }
}
