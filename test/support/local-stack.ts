import { inject } from 'vitest';
import type { LocalEndpoints } from '../../localstack/src/stack';

/** The running local stack's endpoints, as the global setup brought it up. */
export function localEndpoints(): LocalEndpoints {
  return inject('endpoints');
}

/**
 * Gives this test process the settings the stack was started with (database name, ports, test timings), so
 * a process it restarts through the stack's own start comes back exactly as it was.
 */
export function adoptStackEnvironment(): void {
  Object.assign(process.env, inject('stackEnvironment'));
}
