import { merchantRateLimit } from '../wiring/rate-limit';
import { apiHandler } from './api-handler';

/**
 * apiHandler for the routes behind the merchant authorizer: each merchant's requests draw on its shared
 * request rate (domain/rate-limit.ts), in small takes held per instance (use-cases/rate-limit.ts).
 */
export function merchantApiHandler(
  handle: Parameters<typeof apiHandler>[0],
  options: { readsBody?: boolean } = {},
): ReturnType<typeof apiHandler> {
  return apiHandler(handle, { ...options, rateLimit: merchantRateLimit() });
}
