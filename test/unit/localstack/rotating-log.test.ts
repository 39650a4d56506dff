import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingLog } from '../../../localstack/src/support/rotating-log';

describe('a rotating local log', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function logFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'aspay-rotating-log-'));
    dirs.push(dir);
    return join(dir, 'service.log');
  }

  it('never lets a file grow past its cap, and keeps only the newest files', () => {
    const file = logFile();
    const log = new RotatingLog(file, { maxBytes: 1_000, keptFiles: 2 });
    const line = (index: number) => `${JSON.stringify({ line: index, padding: 'x'.repeat(60) })}\n`;
    for (let index = 0; index < 200; index++) log.write(line(index));

    const files = readdirSync(join(file, '..')).sort();
    expect(files).toEqual(['service.log', 'service.log.1', 'service.log.2']);
    for (const name of files) expect(statSync(join(file, '..', name)).size).toBeLessThanOrEqual(1_000);
    // Oldest first, the kept files hold an unbroken run of the latest lines; the first ones are gone.
    const numbers = [`${file}.2`, `${file}.1`, file].flatMap((name) =>
      readFileSync(name, 'utf8')
        .trimEnd()
        .split('\n')
        .map((text) => (JSON.parse(text) as { line: number }).line),
    );
    expect(numbers.at(-1)).toBe(199);
    expect(numbers).toEqual(numbers.map((_, index) => 199 - (numbers.length - 1) + index));
    expect(numbers[0]).toBeGreaterThan(0);
  });

  it('appends to what the file already holds and cuts a single write larger than the cap', () => {
    const file = logFile();
    new RotatingLog(file, { maxBytes: 100, keptFiles: 1 }).write('first\n');
    const log = new RotatingLog(file, { maxBytes: 100, keptFiles: 1 });
    log.write('second\n');
    expect(readFileSync(file, 'utf8')).toBe('first\nsecond\n');
    log.write('y'.repeat(500));
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('first\nsecond\n');
    expect(statSync(file).size).toBe(100);
    expect(existsSync(`${file}.2`)).toBe(false);
  });
});
