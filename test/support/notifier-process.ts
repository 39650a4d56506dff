/**
 * The notifier function invoked once in a process of its own, so a test can kill it mid-delivery: the
 * MSK event comes from NOTIFIER_EVENT (JSON), the function timeout from NOTIFIER_TIMEOUT_SECONDS.
 */
import { invokeFunction, loadHandler } from '../../localstack/src/lambda-runtime';

const handler = await loadHandler('notifier');
console.log(JSON.stringify({ invoking: true }));
await invokeFunction(
  handler,
  'notifier',
  JSON.parse(process.env.NOTIFIER_EVENT ?? '{}'),
  Number(process.env.NOTIFIER_TIMEOUT_SECONDS),
);
console.log(JSON.stringify({ done: true }));
