import { z } from 'zod';
import { PaymentNotFoundError } from '../use-cases/errors';
import type { ApiRequest } from './api-handler';

/** The `{id}` of a payment's path. A malformed id cannot name a payment: the same 404 as any unknown id. */
export function paymentIdOf(request: ApiRequest): string {
  const id = z.uuid().safeParse(request.pathParameters.id);
  if (!id.success) throw new PaymentNotFoundError();
  return id.data;
}
