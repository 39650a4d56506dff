import { readFileSync } from 'node:fs';
import { logFileOf } from '../../localstack/src/support/processes';
import { eventually } from './eventually';

export type AuthorizerDecision = 'invoked' | 'cache';

const DECISIONS: Record<string, AuthorizerDecision> = {
  'authorizer invoked': 'invoked',
  'authorizer result from cache': 'cache',
};

/** How the local API decided each request's authorization, read from its log by API request id. */
export async function authorizerDecisions(
  requestIds: readonly string[],
): Promise<Record<string, AuthorizerDecision | undefined>> {
  const read = async () => {
    const found: Record<string, AuthorizerDecision | undefined> = {};
    for (const line of readFileSync(logFileOf('api'), 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { message?: string; requestId?: string };
      const decision = entry.message === undefined ? undefined : DECISIONS[entry.message];
      if (decision && entry.requestId && requestIds.includes(entry.requestId))
        found[entry.requestId] = decision;
    }
    return found;
  };
  // The log is written asynchronously: wait until every request's line is there (or fail naming those missing).
  return eventually(read, (found) => requestIds.every((id) => found[id] !== undefined), {
    timeoutMs: 5_000,
  }).catch(read);
}
