import { describe, expect, it } from 'vitest';
import {
  FunctionInvocationError,
  FunctionTimeoutError,
  invokeFunction,
} from '../../../localstack/src/lambda-runtime';

describe('local Lambda invocations', () => {
  it("fails an invocation still running at the function's timeout with Lambda's message", async () => {
    const started = Date.now();
    const invocation = invokeFunction(() => new Promise(() => undefined), 'fixture', {}, 0.2);
    const error = await invocation.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FunctionInvocationError);
    expect((error as FunctionInvocationError).cause).toBeInstanceOf(FunctionTimeoutError);
    expect((error as FunctionInvocationError).message).toBe('Task timed out after 0.20 seconds');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('returns what a handler returns in time, and reports what it throws with the request id', async () => {
    expect(await invokeFunction(async () => 'done', 'fixture', {}, 1)).toBe('done');
    const error = (await invokeFunction(
      async (_event, context) => {
        throw new Error(`failed in ${context.awsRequestId}`);
      },
      'fixture',
      {},
      1,
    ).catch((caught: unknown) => caught)) as FunctionInvocationError;
    expect(error.message).toBe(`failed in ${error.requestId}`);
  });
});
