import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Both header maps API Gateway sends, from single-valued headers. */
function headerMaps(headers: Record<string, string>) {
  return {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
  };
}

export interface GatewayRequest {
  method?: string;
  /** The request path; also the resource unless `resource` says otherwise. */
  path?: string;
  resource?: string;
  pathParameters?: Record<string, string> | null;
  /** Added to (or replacing) the captured request's headers. */
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is already a string; null for no body. */
  body?: unknown;
  /** The authorizer's context as the handlers receive it (replaces the captured one). */
  authorizer?: Record<string, unknown>;
  requestId?: string;
}

/** The captured REST API (v1) Lambda proxy event (test/fixtures), changed only where the test says. */
export function proxyEvent(request: GatewayRequest = {}): APIGatewayProxyEvent {
  const event = fixture<APIGatewayProxyEvent>('api-gateway-proxy-event.json');
  const method = request.method ?? event.httpMethod;
  const path = request.path ?? event.path;
  const resource = request.resource ?? request.path ?? event.resource;
  const body = request.body === undefined ? event.body : request.body;
  return {
    ...event,
    ...headerMaps({ ...event.headers, ...request.headers } as Record<string, string>),
    resource,
    path,
    httpMethod: method,
    pathParameters: request.pathParameters === undefined ? event.pathParameters : request.pathParameters,
    body: body === null || typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: {
      ...event.requestContext,
      httpMethod: method,
      path: `/${event.requestContext.stage}${path}`,
      resourcePath: resource,
      requestId: request.requestId ?? event.requestContext.requestId,
      authorizer: request.authorizer ?? event.requestContext.authorizer,
    },
  };
}

/** The captured REQUEST authorizer event (test/fixtures), with the caller's headers. */
export function authorizerEvent(headers: Record<string, string> = {}): APIGatewayRequestAuthorizerEvent {
  const event = fixture<APIGatewayRequestAuthorizerEvent>('api-gateway-authorizer-event.json');
  return { ...event, ...headerMaps({ ...event.headers, ...headers } as Record<string, string>) };
}
