import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/core/domain/errors';
import { DependencyUnavailableError, MethodNotAllowedError } from '../../../lambdas/core/http/errors';
import { problemResponse } from '../../../lambdas/core/http/problem-response';

describe('problemResponse', () => {
  it('maps a validation error to 400 problem+json with its field errors', () => {
    const result = problemResponse(
      new ValidationError([{ field: 'amount', code: 'amount_too_precise', message: 'at most 2 decimals' }]),
      'req-1',
    );
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(result.body)).toMatchObject({
      type: 'urn:aspay:problem:validation_error',
      code: 'validation_error',
      status: 400,
      requestId: 'req-1',
      errors: [{ field: 'amount', code: 'amount_too_precise' }],
    });
  });

  it('answers an unexpected error with a generic 500 that leaks nothing', () => {
    const result = problemResponse(
      new Error('relation "payments" does not exist at /var/task/index.js:42'),
      'req-2',
    );
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('payments');
    expect(result.body).not.toContain('index.js');
    expect(JSON.parse(result.body)).toMatchObject({ code: 'internal_error', requestId: 'req-2' });
  });

  it('names the allowed methods on a 405', () => {
    const result = problemResponse(new MethodNotAllowedError(['GET', 'POST']), 'req-3');
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('GET, POST');
  });

  it('answers an unavailable dependency with 503 problem+json and Retry-After, never 500', () => {
    const result = problemResponse(
      new DependencyUnavailableError('database', { cause: new Error('connect ECONNREFUSED 10.0.0.7:5432') }),
      'req-4',
    );
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(Number(result.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(result.body).not.toContain('10.0.0.7');
    expect(JSON.parse(result.body)).toMatchObject({
      type: 'urn:aspay:problem:service_unavailable',
      code: 'service_unavailable',
      status: 503,
      requestId: 'req-4',
    });
  });
});
