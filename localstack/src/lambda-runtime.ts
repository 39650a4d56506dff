import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { DATABASE_ROLES, databaseRoleOf } from '../../lambdas/core/config/database-roles';
import { ENV } from '../../lambdas/core/config/environment';
import { LOCAL_STACK_ENV, ROOT } from './settings';

// biome-ignore lint/suspicious/noExplicitAny: a Lambda entry point is invoked with whatever event its trigger sends.
export type LambdaHandler = (event: any, context: Context) => Promise<any>;

const functionEnvironment = new AsyncLocalStorage<Record<string, string>>();
let overlaid = false;

/**
 * In AWS every function has an environment of its own; locally one process hosts several functions. While
 * a function runs, process.env shows it the variables of its own (its role's DATABASE_URL) over the process's.
 */
function overlayFunctionEnvironments(): void {
  if (overlaid) return;
  overlaid = true;
  process.env = new Proxy(process.env, {
    get: (variables, name) =>
      (typeof name === 'string' ? functionEnvironment.getStore()?.[name] : undefined) ??
      Reflect.get(variables, name),
    has: (variables, name) =>
      (typeof name === 'string' && functionEnvironment.getStore()?.[name] !== undefined) ||
      Reflect.has(variables, name),
    // Writes go to process.env itself: without this trap the proxy would redefine the property on it with a
    // bare descriptor, which process.env refuses (ERR_INVALID_OBJECT_DEFINE_PROPERTY).
    set: (variables, name, value) => Reflect.set(variables, name, value),
  });
}

/** The variables function `name` has beyond the process's: its database role's URL. */
function ownEnvironment(name: string): Record<string, string> | undefined {
  const urls = process.env[LOCAL_STACK_ENV.functionDatabaseUrls];
  const role = databaseRoleOf(name);
  if (!urls || !role) return undefined;
  const url = (JSON.parse(urls) as Record<string, string>)[DATABASE_ROLES[role].name];
  if (!url) throw new Error(`${LOCAL_STACK_ENV.functionDatabaseUrls} has no URL for the role of ${name}`);
  return { [ENV.databaseUrl]: url };
}

const loaded = new Map<string, Promise<LambdaHandler>>();

/**
 * Imports `lambdas/functions/<name>.ts` once, as the Lambda runtime would on a cold start; each invocation
 * runs in the function's own environment.
 */
export function loadHandler(name: string): Promise<LambdaHandler> {
  let handler = loaded.get(name);
  if (!handler) {
    handler = import(join(ROOT, 'lambdas', 'functions', `${name}.ts`)).then((module) => {
      if (typeof module.handler !== 'function')
        throw new Error(`lambdas/functions/${name}.ts exports no handler`);
      const own = ownEnvironment(name);
      if (!own) return module.handler as LambdaHandler;
      overlayFunctionEnvironments();
      return ((event, context) =>
        functionEnvironment.run(own, () => module.handler(event, context))) as LambdaHandler;
    });
    loaded.set(name, handler);
  }
  return handler;
}

/** The ARN a local function answers to, as `context.invokedFunctionArn` and in on-failure records. */
export function localFunctionArn(functionName: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:aspay-local-${functionName}`;
}

/** A Lambda context as the Node.js runtime passes it, with the same timeout semantics. */
export function lambdaContext(functionName: string, timeoutMs = 29_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `aspay-local-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
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

/**
 * The invocation ran past the function's timeout. Lambda stops it and reports it as a function error with
 * this message (error type Sandbox.Timedout):
 * https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
 */
export class FunctionTimeoutError extends Error {
  constructor(readonly timeoutSeconds: number) {
    super(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
    this.name = 'Sandbox.Timedout';
  }
}

/** A failed invocation: what the handler threw (or its timeout), with the request id it ran under. */
export class FunctionInvocationError extends Error {
  constructor(
    readonly requestId: string,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'FunctionInvocationError';
  }
}

/** Invocations so far per function name in this process: what Lambda would bill a request for. */
const invocations: Record<string, number> = {};

/** A copy of this process's invocation counts per function. */
export function invocationCounts(): Record<string, number> {
  return { ...invocations };
}

/**
 * Invokes a handler as Lambda does: with a fresh context, failing the invocation once it has not settled by
 * the function's timeout. Unlike Lambda, a Node.js process cannot freeze the timed-out handler: it keeps
 * running in the background, but its result is ignored and the invocation counts as failed.
 */
export async function invokeFunction(
  handler: LambdaHandler,
  functionName: string,
  // biome-ignore lint/suspicious/noExplicitAny: the event is whatever the trigger sends.
  event: any,
  timeoutSeconds: number,
): Promise<unknown> {
  invocations[functionName] = (invocations[functionName] ?? 0) + 1;
  const context = lambdaContext(functionName, timeoutSeconds * 1_000);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(timeoutSeconds)), timeoutSeconds * 1_000);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(event, context)), timedOut]);
  } catch (error) {
    throw new FunctionInvocationError(context.awsRequestId, error);
  } finally {
    clearTimeout(timer);
  }
}
