/** GET /v1/events[?payment=…][&type=…] — the merchant's events, newest first, each with its webhook delivery. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresEventHistory } from '../core/adapters/postgres/event-history';
import { apiHandler, authenticatedMerchant } from '../core/http/api-handler';
import { eventRepresentation, listRepresentation } from '../core/http/representations';
import { ListEventsQuery, validate } from '../core/http/schemas';
import { listEvents } from '../core/use-cases/events';
import { merchantRateLimit } from '../core/wiring/rate-limit';

export const handler = apiHandler(
  async (request, event) => {
    const scope = authenticatedMerchant(event);
    const query = validate(ListEventsQuery, request.query);
    const { events, hasMore } = await listEvents(postgresEventHistory(await databasePool()), scope, {
      paymentId: query.payment,
      type: query.type,
      limit: query.limit,
      startingAfter: query.starting_after,
    });
    return {
      statusCode: 200,
      body: { ...listRepresentation(events.map(eventRepresentation), hasMore), url: '/v1/events' },
    };
  },
  { rateLimit: merchantRateLimit() },
);
