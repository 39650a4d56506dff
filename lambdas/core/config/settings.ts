import { ConfigurationError } from './errors';

/** Reads an integer setting from the environment: the fallback when unset, an error when out of range. */
export function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigurationError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}
