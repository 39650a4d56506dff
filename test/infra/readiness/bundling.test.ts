import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyCommand } from '../../../lib/functions';

describe('bundling', () => {
  // cmd.exe has no `cp`: the copy into a bundle must need nothing but Node.js.
  it('copies extra files into a bundle with Node.js alone, no POSIX tools on the PATH', () => {
    const work = mkdtempSync(join(tmpdir(), 'aspay-bundle-'));
    const onlyNode = join(work, 'bin');
    mkdirSync(onlyNode);
    symlinkSync(process.execPath, join(onlyNode, 'node'));
    const from = join(work, 'in', 'migrations');
    mkdirSync(join(from, 'nested'), { recursive: true });
    writeFileSync(join(from, 'nested', '001.sql'), 'SELECT 1;');
    const to = join(work, 'out', 'migrations');
    mkdirSync(join(work, 'out'));
    // What the bundling hook runs after esbuild, in a shell whose PATH holds Node.js and nothing else.
    const result = spawnSync(copyCommand(from, to), {
      shell: '/bin/sh',
      env: { PATH: onlyNode },
      encoding: 'utf8',
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(join(to, 'nested', '001.sql'), 'utf8')).toBe('SELECT 1;');
  });
});
