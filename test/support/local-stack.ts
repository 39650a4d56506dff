import { inject } from 'vitest';
import type { LocalEndpoints } from '../../localstack/src/stack';

/** The running local stack's endpoints, as the global setup brought it up. */
export function localEndpoints(): LocalEndpoints {
  return inject('endpoints');
}
