import { describe, expect, it } from 'vitest';
import {
  ANSWERED_PROBLEM_CODES,
  GATEWAY_PROBLEMS,
  PROBLEM_TYPES,
  type ProblemCode,
  problemHeaders,
  problemTypeUri,
} from '../../../lambdas/core/config/problems';
import { openApiDocument } from '../../../lambdas/core/http/openapi';
import { problemResponse } from '../../../lambdas/core/http/problem-response';
import { Problem } from '../../../lambdas/core/http/schemas';
import { WaitingForEarlierEventError } from '../../../lambdas/core/use-cases/errors';

interface Operation {
  responses: Record<
    string,
    { content?: Record<string, { schema: { properties?: { code?: { enum?: string[] } } } }> }
  >;
}

function documentedErrors(): { route: string; status: string; codes: string[] | undefined }[] {
  const { paths } = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).flatMap(([method, operation]) =>
      Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400)
        .map(([status, response]) => ({
          route: `${method.toUpperCase()} ${path}`,
          status,
          codes: response.content?.['application/problem+json']?.schema.properties?.code?.enum,
        })),
    ),
  );
}

describe('the problem table', () => {
  it("documents each route's error statuses with codes of the table that answer with that status", () => {
    const errors = documentedErrors();
    expect(errors.length).toBeGreaterThan(0);
    for (const { route, status, codes } of errors) {
      expect(codes, `${route} ${status}`).toBeDefined();
      for (const code of codes ?? []) {
        expect(ANSWERED_PROBLEM_CODES, `${route} ${status}`).toContain(code);
        expect(String(PROBLEM_TYPES[code as ProblemCode]?.status), `${route} ${code}`).toBe(status);
      }
    }
  });

  it("gives the gateway's answers the status and title of their code, and Retry-After where the code has one", () => {
    for (const [kind, problem] of Object.entries(GATEWAY_PROBLEMS)) {
      const type = PROBLEM_TYPES[problem.code];
      expect(problem, kind).toMatchObject({
        type: problemTypeUri(problem.code),
        status: type.status,
        title: type.title,
      });
      expect(Problem.safeParse(problem).success, kind).toBe(true);
    }
    expect(problemHeaders(GATEWAY_PROBLEMS.AUTHORIZER_FAILURE.code)['Retry-After']).toBe('10');
    expect(problemHeaders(GATEWAY_PROBLEMS.THROTTLED.code)['Retry-After']).toBe('1');
    expect(problemHeaders(GATEWAY_PROBLEMS.DEFAULT_5XX.code)).not.toHaveProperty('Retry-After');
  });

  it('answers the same problem to a missing key and to a key the authorizer denies', () => {
    expect(GATEWAY_PROBLEMS.ACCESS_DENIED).toEqual(GATEWAY_PROBLEMS.UNAUTHORIZED);
  });

  it('answers a code no client receives (a consumer-side error) as a generic 500, never its message', () => {
    const result = problemResponse(new WaitingForEarlierEventError('pay-secret-1'), 'req-1');
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('pay-secret-1');
    expect(JSON.parse(result.body)).toMatchObject({ code: 'internal_error', requestId: 'req-1' });
  });

  it('lets the Problem schema accept only codes a client can receive', () => {
    const problem = { type: 'urn:aspay:problem:x', title: 't', status: 500, detail: 'd' };
    expect(Problem.safeParse({ ...problem, code: 'internal_error' }).success).toBe(true);
    expect(Problem.safeParse({ ...problem, code: 'waiting_for_earlier_event' }).success).toBe(false);
  });
});
