/** POST /v1/events/{id}/resend — one of the merchant's events delivered once more, with the same id and body. */
import { databasePool } from '../core/adapters/postgres/connection';
import { postgresEventHistory } from '../core/adapters/postgres/event-history';
import { idempotentApiHandler } from '../core/http/idempotency';
import { eventIdOf } from '../core/http/path-parameters';
import { eventRepresentation } from '../core/http/representations';
import { ResendEventRequest } from '../core/http/schemas';
import { resendEvent } from '../core/use-cases/events';
import { systemClock } from '../core/use-cases/ports/clock';
import { idempotencyWiring } from '../core/wiring/idempotency';

export const handler = idempotentApiHandler(
  {
    operation: 'resend-event',
    path: (request) => ({ eventId: eventIdOf(request) }),
    body: ResendEventRequest,
    execute: async ({ scope, path }) => {
      const history = postgresEventHistory(await databasePool());
      const resent = await resendEvent(history, scope, path.eventId, systemClock);
      return { statusCode: 202, body: eventRepresentation(resent) };
    },
  },
  idempotencyWiring(),
);
