import { z } from 'zod';
import { ANSWERED_PROBLEM_CODES, type ProblemDocument } from '../config/problems';
import { MAX_ROLL_OVERLAP_SECONDS } from '../domain/api-key';
import { ValidationError } from '../domain/errors';
import { MERCHANT_EVENT_TYPES } from '../domain/events';
import { PAYMENT_STATUSES } from '../domain/payment';

/**
 * The API's request and response schemas: they validate requests and, through `openapi.ts`, document them,
 * so the specification can never drift from the behaviour.
 */

const decimalString = z.string().meta({
  description:
    'A positive decimal string, at most the currency\'s minor-unit decimals (e.g. "10.50" USD, "1000" JPY).',
  example: '25.00',
});

const currencyCode = z.string().meta({ description: 'ISO 4217 code in upper case.', example: 'USD' });

/**
 * A `__proto__` key cannot be an own property of a parsed object (assigning it replaces the prototype), so
 * zod drops it without a word and the merchant would lose it silently: it is refused instead, on the raw input.
 */
const RESERVED_METADATA_KEYS = new Set(['__proto__']);

const metadata = z
  .preprocess(
    (input, context) => {
      if (input === null || typeof input !== 'object') return input;
      for (const key of Object.keys(input).filter((name) => RESERVED_METADATA_KEYS.has(name))) {
        context.addIssue({
          code: 'custom',
          params: { code: 'metadata_key_reserved' },
          message: `"${key}" cannot be a metadata key.`,
          input: key,
          path: [key],
        });
      }
      return input;
    },
    z
      .record(z.string().min(1).max(40), z.string().max(500))
      .refine((value) => Object.keys(value).length <= 20, { message: 'at most 20 metadata keys' }),
  )
  .meta({
    description: "Up to 20 string pairs for the merchant's own references; `__proto__` is not a key.",
  });

export const CreatePaymentRequest = z
  .strictObject({
    amount: decimalString,
    currency: currencyCode,
    source: z
      .string()
      // A card token (`tok_…`), or a PaymentMethod (`pm_…`) for a mode whose processor is Stripe, which
      // collects card details client-side (Stripe.js): ASPay never sees a card number.
      .regex(
        /^(tok|pm)_[A-Za-z0-9_]{1,100}$/,
        'a payment-method token such as "tok_success" or "pm_card_visa"',
      )
      .meta({
        description:
          "Payment-method token the mode's processor understands: a card token (`tok_…`), or a Stripe PaymentMethod (`pm_…`) where the mode's processor is Stripe.",
        example: 'tok_success',
      }),
    description: z.string().max(1000).optional(),
    customer: z.email().max(254).optional().meta({
      description: "The customer's e-mail, kept with the payment (ASPay sends the customer no e-mail yet).",
    }),
    metadata: metadata.optional(),
  })
  .meta({ id: 'CreatePaymentRequest' });
export type CreatePaymentRequest = z.infer<typeof CreatePaymentRequest>;

export const CreateRefundRequest = z
  .strictObject({
    amount: decimalString.optional().meta({ description: 'Omit for a full refund of what remains.' }),
    reason: z.string().max(500).optional(),
  })
  .meta({ id: 'CreateRefundRequest' });
export type CreateRefundRequest = z.infer<typeof CreateRefundRequest>;

/** A resend names its event in the path: the body is empty (or `{}`). */
export const ResendEventRequest = z.strictObject({}).meta({ id: 'ResendEventRequest' });

/** A list route's page: its size, and the cursor (the last item of the previous page). */
function pageQuery(item: string) {
  return {
    limit: z.coerce.number().int().min(1).max(100).default(10),
    starting_after: z
      .uuid()
      .optional()
      .meta({ description: `Cursor: the id of the last ${item} of the previous page.` }),
  };
}

export const ListPaymentsQuery = z
  .strictObject({ ...pageQuery('payment'), status: z.enum(PAYMENT_STATUSES).optional() })
  .meta({ id: 'ListPaymentsQuery' });
export type ListPaymentsQuery = z.infer<typeof ListPaymentsQuery>;

export const ListRefundsQuery = z.strictObject(pageQuery('refund')).meta({ id: 'ListRefundsQuery' });

const StatusChange = z.object({
  from: z.enum(PAYMENT_STATUSES).nullable(),
  to: z.enum(PAYMENT_STATUSES),
  reason: z.string().nullable(),
  occurredAt: z.iso.datetime(),
});

const livemode = z
  .boolean()
  .meta({ description: 'True in live mode (made with a live key), false in test mode (the bank sandbox).' });

export const Payment = z
  .object({
    id: z.uuid(),
    object: z.literal('payment'),
    merchantId: z.string(),
    livemode,
    status: z.enum(PAYMENT_STATUSES),
    amount: decimalString,
    currency: currencyCode,
    refundedAmount: decimalString.meta({ description: 'What the bank has refunded.' }),
    pendingRefundAmount: decimalString.meta({
      description: 'What is refunded but not yet executed by the bank; it still counts against the amount.',
    }),
    source: z.string(),
    description: z.string().nullable(),
    customer: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    failureReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    history: z.array(StatusChange).optional().meta({ description: 'Every status change, oldest first.' }),
  })
  .meta({ id: 'Payment' });
export type Payment = z.infer<typeof Payment>;

/** A page of a list route: Stripe's list envelope, with the cursor of the next page. */
function listEnvelope<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      object: z.literal('list'),
      data: z.array(item),
      hasMore: z.boolean(),
      nextStartingAfter: z.uuid().nullable(),
    })
    .meta({ id });
}

export const PaymentList = listEnvelope(Payment, 'PaymentList');

export const Refund = z
  .object({
    id: z.uuid(),
    object: z.literal('refund'),
    livemode,
    paymentId: z.uuid(),
    amount: decimalString,
    currency: currencyCode,
    reason: z.string().nullable(),
    status: z.enum(['pending', 'succeeded', 'failed']).meta({
      description:
        '`pending` until the bank executed it (`succeeded`) or it failed (`failed`: rejected by the bank, given up, or failed by the processor after accepting it; its amount is available again).',
    }),
    failureReason: z.string().nullable().meta({ description: 'Why it failed (`failed` only).' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime().meta({ description: 'When its status last changed.' }),
    payment: Payment,
  })
  .meta({ id: 'Refund' });
export type Refund = z.infer<typeof Refund>;

export const RefundList = listEnvelope(Refund, 'RefundList');

export const Balance = z
  .object({
    object: z.literal('balance'),
    merchantId: z.string(),
    livemode,
    payable: z
      .array(
        z.object({ currency: currencyCode, amount: z.string().meta({ description: 'Decimal string.' }) }),
      )
      .meta({
        description:
          "What ASPay owes the merchant per currency in the key's mode, from the ledger (payments minus refunds).",
      }),
  })
  .meta({ id: 'Balance' });

export const ListEventsQuery = z
  .strictObject({
    payment: z.uuid().optional().meta({ description: 'Only the events of this payment.' }),
    type: z.enum(MERCHANT_EVENT_TYPES).optional().meta({ description: 'Only the events of this type.' }),
    ...pageQuery('event'),
  })
  .meta({ id: 'ListEventsQuery' });

const timestamp = z.iso.datetime().nullable();

export const Event = z
  .object({
    id: z.uuid().meta({ description: 'The event id: the same in its webhook.' }),
    object: z.literal('event'),
    type: z.string().meta({ example: 'payment.succeeded' }),
    createdAt: z.iso.datetime(),
    livemode,
    data: z
      .looseObject({ paymentId: z.uuid() })
      .meta({ description: "The webhook's data: the payment id and the event's fields." }),
    delivery: z
      .object({
        status: z.enum(['pending', 'delivered', 'failed']).meta({
          description:
            '`pending` while it is being sent or retried (0 attempts: not sent yet), `failed` once given up.',
        }),
        attempts: z.number().int(),
        responseStatus: z.number().int().nullable().meta({ description: "The endpoint's last HTTP status." }),
        lastError: z.string().nullable(),
        lastAttemptAt: timestamp,
        nextAttemptAt: timestamp.meta({ description: 'When it is retried (pending only).' }),
      })
      .nullable()
      .meta({ description: 'Its webhook delivery; null when the merchant has no webhook endpoint.' }),
  })
  .meta({ id: 'Event' });
export type Event = z.infer<typeof Event>;

export const EventList = z
  .object({
    object: z.literal('list'),
    url: z.literal('/v1/events'),
    data: z.array(Event),
    hasMore: z.boolean(),
    nextStartingAfter: z.uuid().nullable(),
  })
  .meta({ id: 'EventList' });
export type EventList = z.infer<typeof EventList>;

/** API keys (`/v1/api_keys`): the merchant's keys of the calling key's mode, managed with a full-access key. */
export const ListApiKeysQuery = z.strictObject(pageQuery('API key')).meta({ id: 'ListApiKeysQuery' });

const keyAccess = z.enum(['full', 'read']).meta({
  description:
    '`full`: every route (an `sk_` key); `read`: GET routes only, never key management (an `rk_` key).',
});

export const CreateApiKeyRequest = z
  .strictObject({ access: keyAccess.default('full') })
  .meta({ id: 'CreateApiKeyRequest' });

export const RollApiKeyRequest = z
  .strictObject({
    expiresInSeconds: z.number().int().min(0).max(MAX_ROLL_OVERLAP_SECONDS).default(0).meta({
      description:
        'How long the rolled key keeps working beside the new one: 0 (the default) stops it at once; at most 604800 (7 days).',
    }),
  })
  .meta({ id: 'RollApiKeyRequest' });

/** A revoke names its key in the path: the body is empty (or `{}`). */
export const RevokeApiKeyRequest = z.strictObject({}).meta({ id: 'RevokeApiKeyRequest' });

export const ApiKey = z
  .object({
    id: z.uuid(),
    object: z.literal('api_key'),
    livemode,
    access: keyAccess,
    redactedKey: z.string().meta({ description: 'The first characters of the key, to recognise it by.' }),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.iso.datetime(),
    lastUsedAt: timestamp.meta({ description: 'When the key was last used, to the hour.' }),
    expiresAt: timestamp.meta({ description: 'Set once the key was rolled: it works until then.' }),
    revokedAt: timestamp,
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof ApiKey>;

export const IssuedApiKey = ApiKey.extend({
  secret: z.string().meta({ description: 'The key itself: shown this once, stored only as a hash.' }),
}).meta({ id: 'IssuedApiKey' });

export const RolledApiKey = IssuedApiKey.extend({
  rolled: ApiKey.meta({ description: 'The key that was rolled, with the expiry it now has.' }),
}).meta({ id: 'RolledApiKey' });

export const ApiKeyList = z
  .object({
    object: z.literal('list'),
    url: z.literal('/v1/api_keys'),
    data: z.array(ApiKey),
    hasMore: z.boolean(),
    nextStartingAfter: z.uuid().nullable(),
  })
  .meta({ id: 'ApiKeyList' });

export const Problem = z
  .object({
    type: z.string(),
    code: z.enum(ANSWERED_PROBLEM_CODES),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })).optional(),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details (application/problem+json).',
  }) satisfies z.ZodType<ProblemDocument>;

/** Validates `input` against `schema`, turning every issue into a field-level ValidationError. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({
          field: [...issue.path, key].join('.'),
          code: 'unknown_field',
          message: 'This field is not part of the API.',
        }));
      }
      // A custom rule names its own stable code; zod calls every custom issue "custom".
      const code =
        issue.code === 'custom' && typeof issue.params?.code === 'string' ? issue.params.code : issue.code;
      return [{ field: issue.path.join('.') || '(body)', code, message: issue.message }];
    }),
  );
}
