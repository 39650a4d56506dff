import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/**
 * The cap on one local log file, as in AWS where every log group has a retention: without it, a stack left
 * running fills the disk with logs. 10 MB per file and three older files kept: at most 40 MB per process.
 */
export const LOG_ROTATION = { maxBytes: 10 * 1024 * 1024, keptFiles: 3 } as const;

/**
 * Appends to `file` and rotates it by size: once a write would take it past `maxBytes`, `file` becomes
 * `file.1` (`file.1` becomes `file.2`, and so on; the oldest goes) and writing goes on in a new `file`.
 * Synchronous, so that nothing is lost when the process exits right after a write.
 */
export class RotatingLog {
  private fd: number;
  private size: number;

  constructor(
    private readonly file: string,
    private readonly limits: { maxBytes: number; keptFiles: number } = LOG_ROTATION,
  ) {
    this.fd = openSync(file, 'a');
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: string | Buffer): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size > 0 && this.size + bytes.length > this.limits.maxBytes) this.rotate();
    // One chunk larger than the cap (not expected from line-based logs) is cut, so the cap holds anyway.
    const kept = bytes.length > this.limits.maxBytes ? bytes.subarray(0, this.limits.maxBytes) : bytes;
    writeSync(this.fd, kept);
    this.size += kept.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    const { keptFiles } = this.limits;
    rmSync(`${this.file}.${keptFiles}`, { force: true });
    for (let index = keptFiles - 1; index >= 1; index--) {
      if (existsSync(`${this.file}.${index}`))
        renameSync(`${this.file}.${index}`, `${this.file}.${index + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
    this.fd = openSync(this.file, 'a');
    this.size = 0;
  }
}
