/** GET /v1/events/{id} — one of the merchant's events, by the id its webhook carried, with its delivery. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresEventHistory } from '../core/adapters/postgres/event-history';
import { apiHandler, authenticatedMerchant } from '../core/http/api-handler';
import { eventIdOf } from '../core/http/path-parameters';
import { eventRepresentation } from '../core/http/representations';
import { logger } from '../core/observability';
import { getEvent } from '../core/use-cases/events';
import { merchantRateLimit } from '../core/wiring/rate-limit';

export const handler = apiHandler(
  async (request, event) => {
    const scope = authenticatedMerchant(event);
    const eventId = eventIdOf(request);
    logger.appendKeys({ eventId });
    const found = await getEvent(postgresEventHistory(await databasePool()), scope, eventId);
    return { statusCode: 200, body: eventRepresentation(found) };
  },
  { rateLimit: merchantRateLimit() },
);
