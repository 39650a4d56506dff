import type pg from 'pg';
import { postgresEventHistory } from '../../lambdas/core/adapters/postgres/event-history';
import { MERCHANT_EVENT_TYPES } from '../../lambdas/core/domain/events';
import { isMode } from '../../lambdas/core/domain/mode';
import { eventRepresentation } from '../../lambdas/core/http/representations';
import { EventNotFoundError, NoWebhookEndpointError } from '../../lambdas/core/use-cases/errors';
import { getEvent, listEvents, resendEvent } from '../../lambdas/core/use-cases/events';
import { systemClock } from '../../lambdas/core/use-cases/ports/clock';
import type { EventRecord } from '../../lambdas/core/use-cases/ports/events';
import type { MerchantScope } from '../../lambdas/core/use-cases/ports/merchants';
import { CheckFailedError, type Output, UsageError } from '../context';

/**
 * `aspay events list|show|resend`: what a merchant's webhooks told it, for operators. They read and resend
 * through the same use cases as `GET /v1/events` and `POST /v1/events/{id}/resend`, so an operator sees what
 * the merchant sees.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ListEventsOptions {
  merchant?: string;
  mode?: string;
  payment?: string;
  type?: string;
  limit?: string;
  startingAfter?: string;
}

const LIST_USAGE =
  'usage: aspay events list --merchant <id> [--mode test|live] [--payment <id>] [--type <type>] [--limit 1-100] [--starting-after <event id>]';

function uuidOption(value: string | undefined, flag: string): string | undefined {
  if (value !== undefined && !UUID.test(value)) throw new UsageError(`${flag}: not an id: "${value}"`);
  return value;
}

/** One line per event: when, id, type, payment and how its webhook went. */
function eventLine({ body, delivery }: EventRecord): string {
  const sent = delivery
    ? `${delivery.status} (${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}${delivery.lastError ? `, ${delivery.lastError}` : ''})`
    : 'no endpoint';
  return `${body.createdAt}  ${body.id}  ${body.type.padEnd(24)}  payment ${body.data.paymentId}  ${sent}`;
}

function eventText(record: EventRecord): string {
  const { delivery } = record;
  return [
    eventLine(record),
    ...(delivery?.nextAttemptAt ? [`next attempt  ${delivery.nextAttemptAt.toISOString()}`] : []),
    ...(delivery?.lastAttemptAt ? [`last attempt  ${delivery.lastAttemptAt.toISOString()}`] : []),
    `data  ${JSON.stringify(record.body.data)}`,
  ].join('\n');
}

export async function listEventsCommand(
  pool: pg.Pool,
  options: ListEventsOptions,
  out: Output,
): Promise<void> {
  if (!options.merchant) throw new UsageError(LIST_USAGE);
  const mode = options.mode ?? 'test';
  if (!isMode(mode)) throw new UsageError(`--mode: test or live, got "${mode}"`);
  const type = options.type;
  if (type !== undefined && !(MERCHANT_EVENT_TYPES as readonly string[]).includes(type))
    throw new UsageError(`--type: one of ${MERCHANT_EVENT_TYPES.join(', ')}; got "${type}"`);
  const limit = Number(options.limit ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new UsageError(`--limit: a whole number from 1 to 100, got "${options.limit}"`);
  const { events, hasMore } = await listEvents(
    postgresEventHistory(pool),
    { merchantId: options.merchant, mode },
    {
      paymentId: uuidOption(options.payment, '--payment'),
      type: type as (typeof MERCHANT_EVENT_TYPES)[number] | undefined,
      limit,
      startingAfter: uuidOption(options.startingAfter, '--starting-after'),
    },
  );
  out.print({ data: events.map(eventRepresentation), hasMore }, () =>
    [
      `${options.merchant} (${mode} mode): ${events.length} event(s), newest first`,
      ...events.map(eventLine),
      ...(hasMore ? [`more: --starting-after ${events.at(-1)?.body.id}`] : []),
    ].join('\n'),
  );
}

/** The merchant and mode of the payment an event is about: an operator names the event alone. */
async function scopeOfEvent(
  pool: pg.Pool,
  eventId: string | undefined,
  usage: string,
): Promise<MerchantScope> {
  if (!eventId || !UUID.test(eventId)) throw new UsageError(usage);
  const { rows } = await pool.query<MerchantScope>(
    `SELECT p.merchant_id AS "merchantId", p.mode FROM payments p
      WHERE p.id = (SELECT aggregate_id FROM outbox WHERE event_id = $1
                    UNION ALL SELECT payment_id FROM webhook_deliveries WHERE event_id = $1 LIMIT 1)`,
    [eventId],
  );
  if (!rows[0]) throw new UsageError(`no event ${eventId}`);
  return rows[0];
}

/** Use-case errors an operator can act on, as the CLI reports them. */
function reported(error: unknown): never {
  if (error instanceof EventNotFoundError)
    throw new UsageError('no such event among those a merchant sees (internal events are not shown)');
  if (error instanceof NoWebhookEndpointError) throw new CheckFailedError(error.message);
  throw error;
}

export async function showEventCommand(
  pool: pg.Pool,
  eventId: string | undefined,
  out: Output,
): Promise<void> {
  const scope = await scopeOfEvent(pool, eventId, 'usage: aspay events show <event id>');
  const found = await getEvent(postgresEventHistory(pool), scope, eventId as string).catch(reported);
  out.print(eventRepresentation(found), () => eventText(found));
}

export async function resendEventCommand(
  pool: pg.Pool,
  eventId: string | undefined,
  out: Output,
): Promise<void> {
  const scope = await scopeOfEvent(pool, eventId, 'usage: aspay events resend <event id>');
  const resent = await resendEvent(postgresEventHistory(pool), scope, eventId as string, systemClock).catch(
    reported,
  );
  out.print(
    eventRepresentation(resent),
    () => `resend scheduled: the retry sweep sends it now\n${eventText(resent)}`,
  );
}
