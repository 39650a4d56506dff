import { randomBytes } from 'node:crypto';
import type { TestCard } from './test-payment-methods';

/**
 * The Stripe objects the simulator keeps, shaped as Stripe's API reference shows them for API versions since
 * 2022-11-15 (no `charges` list on a PaymentIntent, `latest_charge` instead): PaymentIntent
 * https://docs.stripe.com/api/payment_intents/object, Charge https://docs.stripe.com/api/charges/object, Refund
 * https://docs.stripe.com/api/refunds/object, Dispute https://docs.stripe.com/api/disputes/object, Event
 * https://docs.stripe.com/api/events/object. Only the fields a server-side integration reads are modelled; the
 * others Stripe always sends are present with their null or empty values.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `pi_3MtwBwLkdIwHu7ix28a3tqPa`: a prefix and 24 random letters and digits, like Stripe's ids. */
export function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  return `${prefix}_${Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join('')}`;
}

export type Metadata = Record<string, string>;

export interface PaymentMethod {
  id: string;
  object: 'payment_method';
  allow_redisplay: 'unspecified';
  billing_details: { address: null; email: null; name: null; phone: null };
  card: {
    brand: string;
    checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: null };
    country: 'US';
    display_brand: string;
    exp_month: number;
    exp_year: number;
    funding: 'credit';
    last4: string;
    networks: { available: string[]; preferred: null };
    wallet: null;
  };
  created: number;
  customer: null;
  livemode: boolean;
  metadata: Metadata;
  type: 'card';
}

export interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  doc_url?: string;
  param?: string;
  charge?: string;
  payment_intent?: PaymentIntent;
  payment_method?: PaymentMethod;
}

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_details: { tip: Record<string, never> };
  amount_received: number;
  application: null;
  application_fee_amount: null;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: 'always' | 'never' } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic_async';
  client_secret: string;
  confirmation_method: 'automatic';
  created: number;
  currency: string;
  customer: null;
  description: string | null;
  last_payment_error: StripeErrorBody | null;
  latest_charge: string | null;
  livemode: boolean;
  metadata: Metadata;
  next_action: Record<string, unknown> | null;
  on_behalf_of: null;
  payment_method: string | null;
  payment_method_configuration_details: null;
  payment_method_options: Record<string, unknown>;
  payment_method_types: string[];
  processing: null;
  receipt_email: null;
  review: null;
  setup_future_usage: null;
  shipping: null;
  source: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: PaymentIntentStatus;
  transfer_data: null;
  transfer_group: null;
}

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application: null;
  application_fee: null;
  application_fee_amount: null;
  balance_transaction: string | null;
  billing_details: { address: null; email: null; name: null; phone: null };
  calculated_statement_descriptor: string;
  captured: boolean;
  created: number;
  currency: string;
  customer: null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: Record<string, never>;
  livemode: boolean;
  metadata: Metadata;
  on_behalf_of: null;
  outcome: {
    network_status: 'approved_by_network' | 'declined_by_network';
    reason: string | null;
    risk_level: 'normal' | 'highest';
    seller_message: string;
    type: 'authorized' | 'issuer_declined' | 'blocked';
  };
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: {
    card: {
      brand: string;
      country: 'US';
      exp_month: number;
      exp_year: number;
      funding: 'credit';
      last4: string;
    };
    type: 'card';
  };
  receipt_email: null;
  receipt_url: null;
  refunded: boolean;
  review: null;
  shipping: null;
  source_transfer: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: 'succeeded' | 'pending' | 'failed';
  transfer_data: null;
  transfer_group: null;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  destination_details: {
    card: {
      reference_status: 'pending' | 'available';
      reference_type: 'acquirer_reference_number';
      type: 'refund';
    };
    type: 'card';
  };
  failure_balance_transaction?: string;
  failure_reason?: string;
  metadata: Metadata;
  payment_intent: string;
  pending_reason?: 'processing';
  reason: string | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: RefundStatus;
  transfer_reversal: null;
}

export interface Dispute {
  id: string;
  object: 'dispute';
  amount: number;
  balance_transactions: never[];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: never[];
  evidence_details: {
    due_by: number;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
  };
  is_charge_refundable: boolean;
  livemode: boolean;
  metadata: Metadata;
  payment_intent: string;
  payment_method_details: {
    card: { brand: string; case_type: 'chargeback'; network_reason_code: string };
    type: 'card';
  };
  reason: 'fraudulent';
  status: 'needs_response';
}

export type StripeObject = PaymentIntent | Charge | Refund | Dispute;

export interface StripeEvent {
  id: string;
  object: 'event';
  account?: string;
  api_version: string;
  created: number;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

const NO_ADDRESS = { address: null, email: null, name: null, phone: null } as const;

export function paymentMethodFor(card: TestCard, created: number, livemode: boolean): PaymentMethod {
  return {
    id: stripeId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { ...NO_ADDRESS },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
      country: 'US',
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date(created * 1000).getUTCFullYear() + 3,
      funding: 'credit',
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      wallet: null,
    },
    created,
    customer: null,
    livemode,
    metadata: {},
    type: 'card',
  };
}

export function newPaymentIntent(input: {
  amount: number;
  currency: string;
  created: number;
  livemode: boolean;
  metadata: Metadata;
  description: string | null;
  paymentMethodTypes: string[] | undefined;
  allowRedirects: 'always' | 'never' | undefined;
}): PaymentIntent {
  const id = stripeId('pi');
  return {
    id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: input.paymentMethodTypes
      ? null
      : { ...(input.allowRedirects ? { allow_redirects: input.allowRedirects } : {}), enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${stripeId('x').slice(2)}`,
    confirmation_method: 'automatic',
    created: input.created,
    currency: input.currency,
    customer: null,
    description: input.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: input.livemode,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: input.paymentMethodTypes ?? ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
}

export function newCharge(
  intent: PaymentIntent,
  method: PaymentMethod,
  created: number,
  decline: { code: string; declineCode: string; message: string } | undefined,
): Charge {
  const fraudulent = decline?.declineCode === 'fraudulent';
  return {
    id: stripeId('ch'),
    object: 'charge',
    amount: intent.amount,
    amount_captured: decline ? 0 : intent.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: decline ? null : stripeId('txn'),
    billing_details: { ...NO_ADDRESS },
    calculated_statement_descriptor: 'ASPAY SIMULATOR',
    captured: !decline,
    created,
    currency: intent.currency,
    customer: null,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: decline?.code ?? null,
    failure_message: decline?.message ?? null,
    fraud_details: {},
    livemode: intent.livemode,
    metadata: { ...intent.metadata },
    on_behalf_of: null,
    outcome: decline
      ? {
          network_status: fraudulent ? 'approved_by_network' : 'declined_by_network',
          reason: decline.declineCode,
          risk_level: fraudulent ? 'highest' : 'normal',
          seller_message: fraudulent
            ? 'Stripe blocked this payment as too risky.'
            : 'The bank did not return any further details with this decline.',
          type: fraudulent ? 'blocked' : 'issuer_declined',
        }
      : {
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !decline,
    payment_intent: intent.id,
    payment_method: method.id,
    payment_method_details: {
      card: {
        brand: method.card.brand,
        country: 'US',
        exp_month: method.card.exp_month,
        exp_year: method.card.exp_year,
        funding: 'credit',
        last4: method.card.last4,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: decline ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

export function newRefund(input: {
  charge: Charge;
  amount: number;
  created: number;
  metadata: Metadata;
  reason: string | null;
  status: 'pending' | 'succeeded';
}): Refund {
  return {
    id: stripeId('re'),
    object: 'refund',
    amount: input.amount,
    balance_transaction: stripeId('txn'),
    charge: input.charge.id,
    created: input.created,
    currency: input.charge.currency,
    destination_details: {
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    metadata: input.metadata,
    payment_intent: input.charge.payment_intent,
    ...(input.status === 'pending' ? { pending_reason: 'processing' as const } : {}),
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: input.status,
    transfer_reversal: null,
  };
}

/** A dispute as the `createDispute` test card opens it: fraudulent, needing a response within a week or so. */
export function newDispute(charge: Charge, created: number): Dispute {
  return {
    id: stripeId('dp'),
    object: 'dispute',
    amount: charge.amount,
    balance_transactions: [],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence_details: {
      due_by: created + 8 * 24 * 60 * 60,
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    is_charge_refundable: false,
    livemode: charge.livemode,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: {
      card: {
        brand: charge.payment_method_details.card.brand,
        case_type: 'chargeback',
        network_reason_code: '10.4',
      },
      type: 'card',
    },
    reason: 'fraudulent',
    status: 'needs_response',
  };
}
