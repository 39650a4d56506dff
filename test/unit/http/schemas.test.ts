import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lambdas/core/domain/errors';
import { openApiDocument } from '../../../lambdas/core/http/openapi';
import { CreatePaymentRequest, ListEventsQuery, validate } from '../../../lambdas/core/http/schemas';

/** A request body as API Gateway hands it over: JSON text, parsed as the handler parses it. */
function paymentWithMetadata(metadataJson: string): unknown {
  return JSON.parse(`{"amount":"1.00","currency":"USD","source":"tok_success","metadata":${metadataJson}}`);
}

function fieldErrorsOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.fieldErrors;
    throw error;
  }
  return [];
}

describe('payment metadata', () => {
  it('refuses a "__proto__" key instead of dropping it', () => {
    const body = paymentWithMetadata('{"__proto__":"kept?","order":"A-1"}');
    expect(fieldErrorsOf(() => validate(CreatePaymentRequest, body))).toEqual([
      {
        field: 'metadata.__proto__',
        code: 'metadata_key_reserved',
        message: '"__proto__" cannot be a metadata key.',
      },
    ]);
  });

  it('keeps "constructor" and "prototype", which are ordinary own keys of a parsed object', () => {
    const body = paymentWithMetadata('{"constructor":"c","prototype":"p"}');
    expect(Object.entries(validate(CreatePaymentRequest, body).metadata ?? {})).toEqual([
      ['constructor', 'c'],
      ['prototype', 'p'],
    ]);
  });

  it('is still documented as string pairs in the OpenAPI document', () => {
    const { components } = openApiDocument() as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(components.schemas.CreatePaymentRequest?.properties.metadata).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string', maxLength: 500 },
    });
  });
});

describe('the list routes in the OpenAPI document', () => {
  const document = openApiDocument() as {
    paths: Record<string, Record<string, { parameters: { name: string; required: boolean }[] }>>;
    components: { schemas: Record<string, unknown> };
  };

  it("documents each list's query parameters as its schema validates them, none required", () => {
    const parameters = document.paths['/v1/events']?.get?.parameters ?? [];
    expect(parameters.map(({ name, required }) => [name, required])).toEqual([
      ['payment', false],
      ['type', false],
      ['limit', false],
      ['starting_after', false],
    ]);
    const payments = document.paths['/v1/payments']?.get?.parameters ?? [];
    expect(payments.map(({ name, required }) => [name, required])).toEqual([
      ['limit', false],
      ['starting_after', false],
      ['status', false],
    ]);
  });

  it("filters events by a type the merchant's webhooks carry, and refuses an internal or unknown one", () => {
    const payment = '7a1c9d2e-3b4f-4a5c-8d6e-9f0a1b2c3d4e';
    expect(validate(ListEventsQuery, { payment, type: 'payment.refund_failed' })).toMatchObject({
      type: 'payment.refund_failed',
    });
    for (const type of ['payment.initiated', 'charge.succeeded'])
      expect(() => validate(ListEventsQuery, { payment, type })).toThrow(ValidationError);
  });

  it('describes each event with its delivery', () => {
    expect(document.components.schemas.Event).toMatchObject({
      required: expect.arrayContaining(['id', 'object', 'type', 'createdAt', 'livemode', 'data', 'delivery']),
    });
    expect(document.components.schemas.EventList).toBeDefined();
  });
});
