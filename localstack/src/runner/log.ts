import { redactLogValue } from '../../../lambdas/core/redaction';

/**
 * One JSON line per runner event, like the handlers' Powertools logs, and redacted like them: a failed
 * invocation's error may quote what the function was handling.
 */
export function log(
  level: 'INFO' | 'WARN' | 'ERROR',
  message: string,
  fields: Record<string, unknown> = {},
): void {
  console.log(
    JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields }, redactLogValue),
  );
}
