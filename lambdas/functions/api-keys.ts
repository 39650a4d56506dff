/**
 * /v1/api_keys — the merchant's API keys of the calling key's mode: list, create, roll, revoke. Full-access
 * keys only. One function for the four routes: they are rare, and a function each would take four shares of
 * the account's reserved concurrency (lib/aspay-stack.ts) from the payment routes.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { postgresApiKeys } from '../core/adapters/postgres/api-keys';
import { databasePool } from '../core/adapters/postgres/connection';
import { apiHandler, authenticatedMerchant, requireFullAccess } from '../core/http/api-handler';
import { RouteNotFoundError } from '../core/http/errors';
import { idempotentApiHandler } from '../core/http/idempotency';
import { apiKeyIdOf } from '../core/http/path-parameters';
import { apiKeyRepresentation, listRepresentation } from '../core/http/representations';
import {
  CreateApiKeyRequest,
  ListApiKeysQuery,
  RevokeApiKeyRequest,
  RollApiKeyRequest,
  validate,
} from '../core/http/schemas';
import { createApiKey, listApiKeys, revokeApiKey, rollApiKey } from '../core/use-cases/api-keys';
import { systemClock } from '../core/use-cases/ports/clock';
import { idempotencyWiring } from '../core/wiring/idempotency';
import { merchantRateLimit } from '../core/wiring/rate-limit';

const MANAGE = 'manage API keys';
const apiKeys = async () => postgresApiKeys(await databasePool());
const wiring = idempotencyWiring();

const list = apiHandler(
  async (request, event) => {
    requireFullAccess(event, MANAGE);
    const query = validate(ListApiKeysQuery, request.query);
    const { keys, hasMore } = await listApiKeys(await apiKeys(), authenticatedMerchant(event), {
      limit: query.limit,
      startingAfter: query.starting_after,
    });
    const now = systemClock();
    return {
      statusCode: 200,
      body: {
        ...listRepresentation(
          keys.map((key) => apiKeyRepresentation(key, now)),
          hasMore,
        ),
        url: '/v1/api_keys',
      },
    };
  },
  { rateLimit: merchantRateLimit() },
);

const create = idempotentApiHandler(
  {
    operation: 'create-api-key',
    path: () => ({}),
    body: CreateApiKeyRequest,
    execute: async ({ scope, body }) => {
      const issued = await createApiKey(await apiKeys(), scope, body.access);
      return {
        statusCode: 201,
        body: apiKeyRepresentation(issued.key, systemClock()),
        shownOnce: { secret: issued.secret },
      };
    },
  },
  wiring,
);

const roll = idempotentApiHandler(
  {
    operation: 'roll-api-key',
    path: (request) => ({ keyId: apiKeyIdOf(request) }),
    body: RollApiKeyRequest,
    execute: async ({ scope, path, body }) => {
      const issued = await rollApiKey(await apiKeys(), scope, path.keyId, body.expiresInSeconds, systemClock);
      const now = systemClock();
      return {
        statusCode: 201,
        body: { ...apiKeyRepresentation(issued.key, now), rolled: apiKeyRepresentation(issued.rolled, now) },
        shownOnce: { secret: issued.secret },
      };
    },
  },
  wiring,
);

const revoke = idempotentApiHandler(
  {
    operation: 'revoke-api-key',
    path: (request) => ({ keyId: apiKeyIdOf(request) }),
    body: RevokeApiKeyRequest,
    execute: async ({ scope, path }) => {
      const revoked = await revokeApiKey(await apiKeys(), scope, path.keyId);
      return { statusCode: 200, body: apiKeyRepresentation(revoked, systemClock()) };
    },
  },
  wiring,
);

/** Never reached behind API Gateway, which sends this function only the routes below. */
const unrouted = apiHandler(
  async () => {
    throw new RouteNotFoundError();
  },
  { readsBody: false },
);

const ROUTES: Record<string, typeof list> = {
  'GET /v1/api_keys': list,
  'POST /v1/api_keys': create,
  'POST /v1/api_keys/{id}/roll': roll,
  'POST /v1/api_keys/{id}/revoke': revoke,
};

export const handler = (event: APIGatewayProxyEvent, context: Context) =>
  (ROUTES[`${event.httpMethod} ${event.resource}`] ?? unrouted)(event, context);
