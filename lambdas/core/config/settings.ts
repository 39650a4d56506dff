import { RENAMED_ENV } from './environment';
import { ConfigurationError } from './errors';

const warnedOldNames = new Set<string>();

/**
 * Reads a variable by its name (one of `ENV`'s). A renamed variable that is unset falls back to its old name,
 * and the first read of an old name warns that it is deprecated: the process's DeprecationWarning, which Node
 * writes to stderr (CloudWatch Logs in AWS), once per name and process.
 */
export function setting(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  const oldName = RENAMED_ENV[name];
  if (value !== undefined || oldName === undefined || env[oldName] === undefined) return value;
  if (!warnedOldNames.has(oldName)) {
    warnedOldNames.add(oldName);
    process.emitWarning(`${oldName} is renamed ${name}; the old name is read until the next minor release`, {
      type: 'DeprecationWarning',
      code: 'ASPAY_RENAMED_VARIABLE',
    });
  }
  return env[oldName];
}

/** Reads an integer setting from the environment: the fallback when unset, an error when out of range. */
export function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = setting(name, env);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigurationError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}
