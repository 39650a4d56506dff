/**
 * A Lambda execution environment with active tracing, in a process of its own: Powertools sees a Lambda
 * runtime (AWS_EXECUTION_ENV), the X-Ray SDK creates each invocation's facade segment from _X_AMZN_TRACE_ID and
 * sends every closed subsegment to the daemon at AWS_XRAY_DAEMON_ADDRESS, as in AWS. Its standard output and
 * error are the function's logs, nothing else: invocations come and results go over the IPC channel
 * ({ name, event } in, { result } or { error } out). A handler's error is also written to stderr the way the
 * Node.js runtime logs it (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FunctionInvocationError, invokeFunction, loadHandler } from '../../localstack/src/lambda-runtime';

export interface Invocation {
  readonly name: string;
  readonly event: unknown;
}

export type InvocationOutcome = { result: unknown } | { error: string };

/** How long the X-Ray SDK gets to send the last subsegments (UDP, asynchronous) before the process exits. */
const FLUSH_MS = 500;

function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
}

async function invoke({ name, event }: Invocation): Promise<InvocationOutcome> {
  process.env._HANDLER = `${name}.handler`;
  process.env._X_AMZN_TRACE_ID = traceHeader();
  try {
    return { result: await invokeFunction(await loadHandler(name), name, event, 60) };
  } catch (caught) {
    const error = caught instanceof FunctionInvocationError ? caught.cause : caught;
    const { name: errorType, message, stack } = error as Error;
    console.error(
      `ERROR\tInvoke Error \t${JSON.stringify({ errorType, errorMessage: message, stack: stack?.split('\n') })}`,
    );
    return { error: message };
  }
}

process.on('message', (message: Invocation | 'exit') => {
  if (message === 'exit') {
    void sleep(FLUSH_MS).then(() => process.exit(0));
    return;
  }
  void invoke(message).then((outcome) => process.send?.(outcome));
});
process.send?.('ready');
