import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { ROOT } from './settings';

// biome-ignore lint/suspicious/noExplicitAny: a Lambda entry point is invoked with whatever event its trigger sends.
export type LambdaHandler = (event: any, context: Context) => Promise<any>;

const loaded = new Map<string, Promise<LambdaHandler>>();

/** Imports `lambdas/functions/<name>.ts` once, as the Lambda runtime would on a cold start. */
export function loadHandler(name: string): Promise<LambdaHandler> {
  let handler = loaded.get(name);
  if (!handler) {
    handler = import(join(ROOT, 'lambdas', 'functions', `${name}.ts`)).then((module) => {
      if (typeof module.handler !== 'function')
        throw new Error(`lambdas/functions/${name}.ts exports no handler`);
      return module.handler as LambdaHandler;
    });
    loaded.set(name, handler);
  }
  return handler;
}

/** A Lambda context as the Node.js runtime passes it, with the same timeout semantics. */
export function lambdaContext(functionName: string, timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `aspay-local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:aspay-local-${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/aspay-local-${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
