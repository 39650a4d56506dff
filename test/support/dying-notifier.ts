import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { ROOT } from '../../localstack/src/settings';

/**
 * The notifier invoked once with `event` in a process of its own (test/support/notifier-process.ts), so a test
 * can kill it mid-delivery; `environment` comes on top of the test's own.
 */
export function startNotifierProcess(
  event: MSKEvent,
  environment: Record<string, string | undefined>,
  timeoutSeconds: number,
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'support', 'notifier-process.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...environment,
      NOTIFIER_EVENT: JSON.stringify(event),
      NOTIFIER_TIMEOUT_SECONDS: String(timeoutSeconds),
    },
  });
}
