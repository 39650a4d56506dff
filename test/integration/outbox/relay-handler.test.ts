import { afterEach, describe, expect, it, vi } from 'vitest';
import { OUTBOX_RELAY } from '../../../lambdas/core/config/messaging';
import { lambdaContext, loadHandler } from '../../../localstack/src/lambda-runtime';
import { handlerEnvironment } from '../../../localstack/src/stack';
import { localEndpoints } from '../../support/local-stack';

interface EmfLine {
  writtenAt: number;
  document: Record<string, unknown>;
}

/** Every CloudWatch embedded-metric-format document the process writes to stdout, with when it was written. */
function captureEmf(): EmfLine[] {
  const lines: EmfLine[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    for (const line of String(chunk).split('\n')) {
      if (!line.startsWith('{"_aws"')) continue;
      lines.push({ writtenAt: Date.now(), document: JSON.parse(line) });
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the outbox relay function', () => {
  it('publishes its lag to CloudWatch while it runs, not only when it ends', async () => {
    Object.assign(process.env, handlerEnvironment(localEndpoints()));
    const emf = captureEmf();
    const handler = await loadHandler('outbox-relay');
    // Long enough for two lag reports (at the start and 5 s later) before the drain stops.
    const runMs = OUTBOX_RELAY.lagReportEveryMs + 2_000;

    await handler({}, lambdaContext('outbox-relay', runMs + OUTBOX_RELAY.stopBeforeTimeoutMs));
    const endedAt = Date.now();

    const lagDocuments = emf.filter((line) => typeof line.document.OutboxLagSeconds === 'number');
    expect(lagDocuments.length).toBeGreaterThanOrEqual(2);
    expect(lagDocuments[0]?.writtenAt).toBeLessThan(endedAt - OUTBOX_RELAY.lagReportEveryMs + 1_000);
    expect(lagDocuments[0]?.document).toMatchObject({ service: 'aspay' });
    expect(emf.some((line) => typeof line.document.OutboxEventsPruned === 'number')).toBe(true);
  }, 30_000);
});
