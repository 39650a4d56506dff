import type { z } from 'zod';
import { liveModeAvailable } from '../config/bank';
import { logger } from '../observability';
import type { MerchantScope } from '../use-cases/ports/merchants';
import { idempotencyWiring } from '../wiring/idempotency';
import { type ApiRequest, type ApiResponse, authenticatedMerchant } from './api-handler';
import { LiveModeUnavailableError } from './errors';
import { hashForLogs, idempotencyKeyOf, idempotentResponder, requestFingerprint } from './idempotency';
import { merchantApiHandler } from './merchant-api-handler';
import { validate } from './schemas';

/** What a route's use case receives: the request read, checked and fingerprinted. */
export interface IdempotentRequest<Path, Body> {
  readonly scope: MerchantScope;
  readonly key: string;
  readonly fingerprint: string;
  readonly path: Path;
  readonly body: Body;
}

export interface IdempotentRoute<Path extends Record<string, string>, Body extends z.ZodType<object>> {
  /** The Powertools key prefix: one operation's keys never answer another's. */
  readonly operation: string;
  /** The path's parameters, read before the key: a malformed path names nothing, whatever the headers. */
  readonly path: (request: ApiRequest) => Path;
  readonly body: Body;
  readonly execute: (request: IdempotentRequest<Path, z.infer<Body>>) => Promise<ApiResponse>;
}

/**
 * A merchant's POST that runs at most once per idempotency key (Powertools idempotency, see
 * `idempotentResponder`, built once per container): the merchant, the path, the key, then the body; the
 * path's parameters are part of the request, so the same key on another payment is another request.
 */
export function idempotentApiHandler<Path extends Record<string, string>, Body extends z.ZodType<object>>(
  route: IdempotentRoute<Path, Body>,
) {
  const respond = idempotentResponder({ ...idempotencyWiring(), operation: route.operation });
  return merchantApiHandler(async (request, event) => {
    const scope = authenticatedMerchant(event);
    // Checked before the key is recorded: turning live mode on later lets the same request through.
    if (scope.mode === 'live' && !liveModeAvailable()) throw new LiveModeUnavailableError();
    const path = route.path(request);
    const key = idempotencyKeyOf(request);
    logger.appendKeys({ ...path, idempotencyKeyHash: hashForLogs(key) });
    const body = validate(route.body, request.body);
    const fingerprint = requestFingerprint({ ...path, ...body });
    return respond({ ...request, scope }, key, fingerprint, () =>
      route.execute({ scope, key, fingerprint, path, body }),
    );
  });
}
