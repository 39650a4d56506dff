import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { z } from 'zod';
import { liveModeAvailable } from '../config/bank';
import { COORDINATION_TABLE } from '../config/coordination-table';
import { logger } from '../observability';
import { IdempotencyKeyReusedError } from '../use-cases/errors';
import type { MerchantScope } from '../use-cases/ports/merchants';
import type { MerchantRateLimit } from '../use-cases/rate-limit';
import { type ApiRequest, type ApiResponse, apiHandler, authenticatedMerchant } from './api-handler';
import { IdempotencyInProgressError, IdempotencyKeyMissingError, LiveModeUnavailableError } from './errors';
import { validate } from './schemas';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The client's idempotency key: `X-Idempotency-Key`, or the IETF draft's `Idempotency-Key`. */
export function idempotencyKeyOf(request: ApiRequest): string {
  const key = request.headers['x-idempotency-key'] ?? request.headers['idempotency-key'];
  if (key === undefined || !KEY_PATTERN.test(key)) throw new IdempotencyKeyMissingError();
  return key;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the request's canonical JSON: the same request in any key order has the same fingerprint. */
export function requestFingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Logged instead of the raw key, which may carry the client's own identifiers. */
export function hashForLogs(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** What Powertools keys a request by: the same key from two merchants, or in test and live, never collides. */
export function idempotencyScope(scope: MerchantScope, key: string): string {
  return `${scope.merchantId}#${scope.mode}#${key}`;
}

interface IdempotentCall {
  /** See `idempotencyScope`. */
  scope: string;
  fingerprint: string;
}

/** Runs a request's `execute` at most once per merchant, mode and idempotency key: see `idempotentResponder`. */
export type IdempotentResponder = (
  request: ApiRequest & { scope: MerchantScope },
  key: string,
  fingerprint: string,
  execute: () => Promise<ApiResponse>,
) => Promise<ApiResponse>;

/**
 * Runs `execute` at most once per merchant, mode and idempotency key for 24 h (Powertools idempotency on DynamoDB).
 * A repeat with the same body replays the first response with `Idempotent-Replayed: true`; a repeat with
 * another body is a 422; a repeat while the first is still running is a 409 the client can retry. Only a
 * returned response is stored: when `execute` throws (a 503 while the database is away included), Powertools
 * deletes the in-progress record, so a retry with the same key runs again
 * (https://docs.powertools.aws.dev/lambda/typescript/latest/features/idempotency/#handling-exceptions).
 * The configuration and the idempotent function are built once per container; each request registers its
 * Lambda context (a Lambda instance serves one request at a time).
 */
export function idempotentResponder(options: {
  persistenceStore: BasePersistenceLayer;
  operation: string;
}): IdempotentResponder {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'scope',
    payloadValidationJmesPath: 'fingerprint',
    expiresAfterSeconds: COORDINATION_TABLE.idempotencyRecordsExpireAfterSeconds,
    throwOnNoIdempotencyKey: true,
  });
  // The payload hashed is the first argument; the second runs the request and notes that it ran.
  const once = makeIdempotent(async (_call: IdempotentCall, run: () => Promise<ApiResponse>) => run(), {
    persistenceStore: options.persistenceStore,
    config,
    keyPrefix: options.operation,
  });
  return async (request, key, fingerprint, execute) => {
    config.registerLambdaContext(request.context);
    let executed = false;
    try {
      const response = await once({ scope: idempotencyScope(request.scope, key), fingerprint }, () => {
        executed = true;
        return execute();
      });
      return executed
        ? response
        : { ...response, headers: { ...response.headers, 'idempotent-replayed': 'true' } };
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw new IdempotencyKeyReusedError();
      if (error instanceof IdempotencyAlreadyInProgressError) throw new IdempotencyInProgressError();
      throw error;
    }
  };
}

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
  readonly execute: (request: IdempotentRequest<Path, z.infer<Body>>) => Promise<IdempotentResponse>;
}

/**
 * A response and, in `shownOnce`, body fields only the first answer carries: they are never stored with the
 * idempotency record, so a secret (a new API key) is not kept in DynamoDB and a replay answers without it.
 */
export interface IdempotentResponse extends ApiResponse {
  readonly shownOnce?: Readonly<Record<string, unknown>>;
}

/** What an idempotent route is built with, once per container (`idempotencyWiring()`). */
export interface IdempotentRouteWiring {
  /** Where Powertools keeps the idempotency records. */
  readonly persistenceStore: BasePersistenceLayer;
  readonly rateLimit: MerchantRateLimit;
}

/**
 * apiHandler for a merchant's POST that runs at most once per idempotency key (Powertools idempotency, see
 * `idempotentResponder`, built once per container), behind the merchant's request rate: the merchant, the
 * path, the key, then the body; the path's parameters are part of the request, so the same key on another
 * payment is another request.
 */
export function idempotentApiHandler<Path extends Record<string, string>, Body extends z.ZodType<object>>(
  route: IdempotentRoute<Path, Body>,
  { persistenceStore, rateLimit }: IdempotentRouteWiring,
) {
  const respond = idempotentResponder({ persistenceStore, operation: route.operation });
  return apiHandler(
    async (request, event) => {
      const scope = authenticatedMerchant(event);
      // Checked before the key is recorded: turning live mode on later lets the same request through.
      if (scope.mode === 'live' && !liveModeAvailable()) throw new LiveModeUnavailableError();
      const path = route.path(request);
      const key = idempotencyKeyOf(request);
      logger.appendKeys({ ...path, idempotencyKeyHash: hashForLogs(key) });
      const body = validate(route.body, request.body);
      const fingerprint = requestFingerprint({ ...path, ...body });
      let shownOnce: IdempotentResponse['shownOnce'];
      const response = await respond({ ...request, scope }, key, fingerprint, async () => {
        const { shownOnce: fields, ...stored } = await route.execute({ scope, key, fingerprint, path, body });
        shownOnce = fields;
        return stored;
      });
      return shownOnce ? { ...response, body: { ...(response.body as object), ...shownOnce } } : response;
    },
    { rateLimit },
  );
}
