import type { Context } from 'aws-lambda';
import type { EventEnvelope, EventType } from '../domain/events';

/** What a consumer does per event type: each route receives its type's event, data typed. */
export type EventRoutes<R> = {
  readonly [T in EventType]?: (event: EventEnvelope<T>, context: Context) => Promise<R>;
};

/** The route of the event's type, run; `undefined` when the consumer has none: the event is not its business. */
export async function routeEvent<R, T extends EventType>(
  routes: EventRoutes<R>,
  event: EventEnvelope<T>,
  context: Context,
): Promise<R | undefined> {
  const route: EventRoutes<R>[T] = routes[event.type];
  return route?.(event, context);
}
