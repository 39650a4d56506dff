import { z } from 'zod';
import {
  ApiKeyNotFoundError,
  EventNotFoundError,
  PaymentNotFoundError,
  RefundNotFoundError,
} from '../use-cases/errors';
import type { ApiRequest } from './api-handler';

/** The `{id}` of a path, a UUID. A malformed id cannot name anything: the same 404 as any unknown id. */
function idOf(request: ApiRequest, notFound: () => Error): string {
  const id = z.uuid().safeParse(request.pathParameters.id);
  if (!id.success) throw notFound();
  return id.data;
}

/** The `{id}` of a payment's path. */
export function paymentIdOf(request: ApiRequest): string {
  return idOf(request, () => new PaymentNotFoundError());
}

/** The `{id}` of a refund's path. */
export function refundIdOf(request: ApiRequest): string {
  return idOf(request, () => new RefundNotFoundError());
}

/** The `{id}` of an event's path. */
export function eventIdOf(request: ApiRequest): string {
  return idOf(request, () => new EventNotFoundError());
}

/** The `{id}` of an API key's path. */
export function apiKeyIdOf(request: ApiRequest): string {
  return idOf(request, () => new ApiKeyNotFoundError());
}
