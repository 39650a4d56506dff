/** Every request no route matches: 405 with `Allow` when the path exists under other methods, else 404. */
import { API_ROUTES } from '../core/config/routes';
import { apiHandler } from '../core/http/api-handler';
import { MethodNotAllowedError, RouteNotFoundError } from '../core/http/errors';

const routePatterns = API_ROUTES.map((route) => ({
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

export const handler = apiHandler(
  async (request) => {
    const allowed = routePatterns
      .filter(({ pattern }) => pattern.test(request.path))
      .map(({ method }) => method);
    if (allowed.length > 0) throw new MethodNotAllowedError(allowed);
    throw new RouteNotFoundError();
    // 404 and 405 come first: the body of a request to nowhere is never parsed.
  },
  { readsBody: false },
);
