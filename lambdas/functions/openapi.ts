/** GET /openapi.json — the API description, generated from the schemas that validate requests. */
import { apiHandler } from '../core/http/api-handler';
import { openApiDocument } from '../core/http/openapi';

const document = openApiDocument();

export const handler = apiHandler(async () => ({ statusCode: 200, body: document }));
