import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { AUTHORIZER_CACHE_TTL_SECONDS } from '../../../lambdas/core/config/authorizer-cache';
import {
  GATEWAY_PROBLEMS,
  type GatewayResponseKind,
  problemHeaders,
} from '../../../lambdas/core/config/problems';
import { type ApiRoute, AUTHORIZER_HANDLER, FALLBACK_HANDLER } from '../../../lambdas/core/config/routes';
import { ValidationError } from '../../../lambdas/core/domain/errors';
import { problemResponse } from '../../../lambdas/core/http/problem-response';
import { redactLogValue } from '../../../lambdas/core/redaction';
import { lambdaContext, loadHandler } from '../lambda-runtime';
import { LOCAL_STACK_ENV } from '../settings';
import { StackError } from '../support/stack-error';

/** API Gateway REST API's own hard limit; the handlers enforce ASPay's smaller limit themselves. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const STAGE = 'local';
/**
 * API Gateway caches a REQUEST authorizer's answer per identity source value (here the Authorization header,
 * as the CDK stack configures it) for the authorizer's result TTL, and does not invoke the authorizer for that
 * key meanwhile; the emulation does the same, for the same time unless `ASPAY_AUTHORIZER_CACHE_SECONDS` says
 * otherwise (the test timings shorten it).
 */
function authorizerResultTtlMs(): number {
  const raw = process.env[LOCAL_STACK_ENV.authorizerCacheSeconds];
  if (raw === undefined || raw === '') return AUTHORIZER_CACHE_TTL_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600)
    throw new StackError(`${LOCAL_STACK_ENV.authorizerCacheSeconds} must be 0 to 3600 seconds, got "${raw}"`);
  return seconds * 1000;
}
/** Bounds the emulation's memory under a flood of random keys; API Gateway's own cache size is not documented. */
const AUTHORIZER_CACHE_MAX_ENTRIES = 10_000;

type Authorization = { principalId: string; context: Record<string, string> } | GatewayResponseKind;

interface MatchedRoute {
  route: ApiRoute;
  pathParameters: Record<string, string>;
}

function templateToRegex(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${pattern}$`), names };
}

/**
 * A path parameter that is not valid percent-encoded UTF-8 (e.g. `%C0%AF`, an overlong `/`) names nothing:
 * a client error, answered 400 problem+json before any handler runs, never a gateway failure. AWS does not
 * document API Gateway's exact status and body for such a path, so the emulation answers with the API's
 * own validation problem.
 */
function decodePathParameter(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    throw new ValidationError(
      [{ field: name, code: 'malformed_encoding', message: 'Not valid percent-encoded UTF-8.' }],
      'The request path is not valid percent-encoded UTF-8.',
    );
  }
}

/** Finds the route of a request; throws ValidationError when a path parameter cannot be decoded. */
export function routeMatcher(routes: readonly ApiRoute[]) {
  const compiled = routes.map((route) => ({ route, ...templateToRegex(route.path) }));
  return (method: string, path: string): MatchedRoute | undefined => {
    for (const { route, regex, names } of compiled) {
      if (route.method !== method) continue;
      const match = regex.exec(path);
      if (!match) continue;
      const pathParameters: Record<string, string> = {};
      names.forEach((name, index) => {
        pathParameters[name] = decodePathParameter(name, match[index + 1] ?? '');
      });
      return { route, pathParameters };
    }
    return undefined;
  };
}

function readBody(request: IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= GATEWAY_MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > GATEWAY_MAX_BODY_BYTES ? 'too_large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function headerMaps(request: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = request.rawHeaders[i + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders };
}

function queryMaps(url: URL) {
  if ([...url.searchParams.keys()].length === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    queryStringParameters[key] = value;
    multiValueQueryStringParameters[key] = [...(multiValueQueryStringParameters[key] ?? []), value];
  }
  return { queryStringParameters, multiValueQueryStringParameters };
}

function isTextual(contentType: string | undefined): boolean {
  return !contentType || /^(text\/|application\/([\w.+-]*json|x-www-form-urlencoded|xml))/i.test(contentType);
}

function send(response: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {}))
    headers[name] = values.map(String);
  response.writeHead(result.statusCode, headers);
  response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/** The authorizer's answer came from a fresh invocation or from the cache; never the key itself. */
function logAuthorizerDecision(event: APIGatewayProxyEvent, source: 'invoked' | 'cache'): void {
  console.log(
    JSON.stringify({
      level: 'INFO',
      message: source === 'cache' ? 'authorizer result from cache' : 'authorizer invoked',
      requestId: event.requestContext.requestId,
    }),
  );
}

function gatewayProblem(kind: GatewayResponseKind, requestId: string): APIGatewayProxyResult {
  const problem = GATEWAY_PROBLEMS[kind];
  return {
    statusCode: problem.status,
    headers: problemHeaders(problem.code),
    body: JSON.stringify({ ...problem, requestId }),
  };
}

/**
 * Emulates an API Gateway REST API with a Lambda REQUEST authorizer: it builds the same proxy events and
 * contexts AWS builds and invokes the very handler modules the CDK stack deploys.
 */
export function restApiGateway(routes: readonly ApiRoute[]) {
  const match = routeMatcher(routes);
  const authorizerResults = new Map<string, { expiresAt: number; authorization: Authorization }>();
  const authorizerResultTtl = authorizerResultTtlMs();

  /**
   * As API Gateway does: a request without the identity source (or with an empty one) is answered 401
   * without invoking the authorizer
   * (https://repost.aws/knowledge-center/api-gateway-401-error-lambda-authorizer); a policy, Allow or Deny, is
   * cached per identity source value for the TTL; a failure (a throw, "Unauthorized" included) is not, as AWS
   * documents caching only of the returned policy. Each decision is a log line with the request id, as in API
   * Gateway's execution logs, so that what reached the authorizer can be observed.
   */
  async function authorize(event: APIGatewayProxyEvent): Promise<Authorization> {
    const identity = Object.entries(event.headers).find(
      ([name]) => name.toLowerCase() === 'authorization',
    )?.[1];
    if (!identity?.trim()) return 'UNAUTHORIZED';
    const cached = authorizerResults.get(identity);
    if (cached && cached.expiresAt > Date.now()) {
      logAuthorizerDecision(event, 'cache');
      return cached.authorization;
    }
    logAuthorizerDecision(event, 'invoked');
    const authorization = await invokeAuthorizer(event);
    if (typeof authorization !== 'string' || authorization === 'ACCESS_DENIED') {
      evictForRoom();
      authorizerResults.set(identity, { expiresAt: Date.now() + authorizerResultTtl, authorization });
    }
    return authorization;
  }

  function evictForRoom(): void {
    if (authorizerResults.size < AUTHORIZER_CACHE_MAX_ENTRIES) return;
    const now = Date.now();
    for (const [identity, { expiresAt }] of authorizerResults)
      if (expiresAt <= now) authorizerResults.delete(identity);
    // Still full: drop the oldest entries (a Map iterates in insertion order).
    for (const identity of authorizerResults.keys()) {
      if (authorizerResults.size < AUTHORIZER_CACHE_MAX_ENTRIES) break;
      authorizerResults.delete(identity);
    }
  }

  async function invokeAuthorizer(event: APIGatewayProxyEvent): Promise<Authorization> {
    const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:us-east-1:000000000000:local/${STAGE}/${event.httpMethod}${event.path}`,
      resource: event.resource,
      path: event.path,
      httpMethod: event.httpMethod,
      headers: event.headers,
      multiValueHeaders: event.multiValueHeaders,
      pathParameters: event.pathParameters,
      queryStringParameters: event.queryStringParameters,
      multiValueQueryStringParameters: event.multiValueQueryStringParameters,
      stageVariables: null,
      requestContext: { ...event.requestContext, authorizer: undefined },
    };
    const authorizer = await loadHandler(AUTHORIZER_HANDLER);
    try {
      const policy = await authorizer(authorizerEvent, lambdaContext(AUTHORIZER_HANDLER));
      const allowed = policy?.policyDocument?.Statement?.some(
        (statement: { Effect?: string }) => statement.Effect === 'Allow',
      );
      return allowed ? { principalId: policy.principalId, context: policy.context ?? {} } : 'ACCESS_DENIED';
    } catch (error) {
      // As in AWS: an authorizer that throws "Unauthorized" yields 401, any other failure the
      // AUTHORIZER_CONFIGURATION_ERROR gateway response (AuthorizerConfigurationException).
      return (error as Error).message === 'Unauthorized' ? 'UNAUTHORIZED' : 'AUTHORIZER_CONFIGURATION_ERROR';
    }
  }

  return async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = (request.method ?? 'GET').toUpperCase();
      const body = await readBody(request);
      if (body === 'too_large')
        return send(response, gatewayProblem('REQUEST_TOO_LARGE', requestId), requestId);
      const { headers, multiValueHeaders } = headerMaps(request);
      let matched: MatchedRoute | undefined;
      try {
        matched = match(method, url.pathname);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return send(response, problemResponse(error, requestId), requestId);
      }
      const textual = isTextual(request.headers['content-type']);
      const event: APIGatewayProxyEvent = {
        resource: matched?.route.path ?? '/{proxy+}',
        path: url.pathname,
        httpMethod: method,
        headers,
        multiValueHeaders,
        ...queryMaps(url),
        pathParameters: matched ? matched.pathParameters : { proxy: url.pathname.slice(1) },
        stageVariables: null,
        body: body.length === 0 ? null : textual ? body.toString('utf8') : body.toString('base64'),
        isBase64Encoded: body.length > 0 && !textual,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          authorizer: null,
          protocol: 'HTTP/1.1',
          httpMethod: method,
          identity: {
            sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
            userAgent: request.headers['user-agent'] ?? null,
          } as APIGatewayProxyEvent['requestContext']['identity'],
          path: `/${STAGE}${url.pathname}`,
          stage: STAGE,
          requestId,
          requestTimeEpoch: Date.now(),
          resourceId: 'local',
          resourcePath: matched?.route.path ?? '/{proxy+}',
        },
      };
      if (matched?.route.authorized) {
        const authorization = await authorize(event);
        if (typeof authorization === 'string')
          return send(response, gatewayProblem(authorization, requestId), requestId);
        event.requestContext.authorizer = {
          principalId: authorization.principalId,
          ...authorization.context,
        };
      }
      const handlerName = matched?.route.handler ?? FALLBACK_HANDLER;
      const handler = await loadHandler(handlerName);
      const result = (await handler(event, lambdaContext(handlerName))) as APIGatewayProxyResult;
      send(response, result, requestId);
    } catch (error) {
      console.error(
        JSON.stringify(
          { level: 'ERROR', message: 'local gateway failure', requestId, error: String(error) },
          redactLogValue,
        ),
      );
      send(response, gatewayProblem('DEFAULT_5XX', requestId), requestId);
    }
  };
}
