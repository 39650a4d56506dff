import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateApiKey } from '../../../lambdas/core/domain/api-key';
import { log } from '../../../localstack/src/runner/log';

describe("the local runner's log", () => {
  afterEach(() => vi.restoreAllMocks());

  it('redacts what a failed invocation quotes: keys, passwords, e-mails', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    const key = generateApiKey('test');
    log('ERROR', 'scheduled invocation failed', {
      error: `no merchant for ${key} at postgres://aspay:hunter2@127.0.0.1/aspay (jane@example.com)`,
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'ERROR',
      message: 'scheduled invocation failed',
    });
    for (const secret of [key, 'hunter2', 'jane@example.com']) expect(lines[0]).not.toContain(secret);
  });
});
