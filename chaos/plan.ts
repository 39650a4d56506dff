import Decimal from 'decimal.js';
import { seededRandom } from './random';

/** The faults a chaos run can inject (see faults.ts for what each one does). */
export const FAULT_KINDS = [
  'runner-kill',
  'api-kill',
  'database-outage',
  'payment-claim-database-outage',
  'refund-claim-database-outage',
  'kafka-restart',
  'bank-outage',
  'webhook-outage',
  // Last: on a stack whose services outlive their supervisor, what it leaves behind would disturb the others.
  'supervisor-kill',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** How long each fault lasts by default; a kill or a restart is instantaneous, what follows is recovery. */
export const DEFAULT_FAULT_MS: Record<FaultKind, number> = {
  'runner-kill': 0,
  'api-kill': 0,
  'supervisor-kill': 0,
  'database-outage': 20_000,
  'payment-claim-database-outage': 20_000,
  'refund-claim-database-outage': 20_000,
  'kafka-restart': 0,
  'bank-outage': 10_000,
  'webhook-outage': 15_000,
};

/** What the load expects of a payment: it succeeds, is declined, or meets a bank that never answers. */
export type PaymentKind = 'success' | 'decline' | 'bankError';

/** The source each kind of payment is sent with; a processor without a bank error source gets none of those. */
export interface PaymentSources {
  readonly success: string;
  readonly decline: string;
  readonly bankError: string | undefined;
}

/** Test mode's processors' test sources (docs/bank-processor.md) per kind of payment. */
export const PROCESSOR_SOURCES = {
  simulator: {
    success: 'tok_success',
    decline: 'tok_decline',
    /** Always a 500: never a decline; after the attempt limit the charge is looked up, not found, and FAILED. */
    bankError: 'tok_bank_error',
  },
  // Stripe's test PaymentMethods (https://docs.stripe.com/testing); Stripe has none that only ever errors.
  stripe: { success: 'pm_card_visa', decline: 'pm_card_chargeDeclined', bankError: undefined },
} as const satisfies Record<string, PaymentSources>;

export interface PlannedPayment {
  index: number;
  /** Offset from the start of the load. */
  atMs: number;
  /** Index into the run's merchants. */
  merchant: number;
  kind: PaymentKind;
  /** The payment's source: its kind's on the run's processor. */
  source: string;
  /** A decimal string with two decimals (USD). */
  amount: string;
  /** The same request sent twice at once with one idempotency key. */
  doubleClick: boolean;
  /** A refund once the payment succeeded: all of it, or about half. */
  refund?: { kind: 'full' | 'partial'; afterMs: number };
}

export interface PlannedFault {
  kind: FaultKind;
  atMs: number;
  forMs: number;
  /** For a webhook outage: index into the run's merchants. */
  merchant: number;
  /** For a supervisor kill: whose supervisor. */
  supervised: SupervisedService;
}

/** The services the stack runs under a supervisor that a supervisor kill may hit. */
export const SUPERVISED_SERVICES = ['runner', 'api'] as const;
export type SupervisedService = (typeof SUPERVISED_SERVICES)[number];

export interface ChaosPlan {
  seed: number;
  durationMs: number;
  payments: PlannedPayment[];
  faults: PlannedFault[];
  /** The source of the run's own successful payments (probes, a fault's bank call). */
  successSource: string;
}

export interface PaymentMix {
  decline: number;
  bankError: number;
  /** Share of successful payments refunded later (half of them in full). */
  refund: number;
  doubleClick: number;
}

export const DEFAULT_MIX: PaymentMix = { decline: 0.2, bankError: 0.02, refund: 0.25, doubleClick: 0.1 };

export interface PlanOptions {
  seed: number;
  payments: number;
  ratePerSecond: number;
  faults: readonly FaultKind[];
  merchants: number;
  mix?: PaymentMix;
  /** Default: the simulator's. */
  sources?: PaymentSources;
  faultMs?: Partial<Record<FaultKind, number>>;
}

function amountOf(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * The whole schedule from the seed: arrival times (exponential gaps at the given rate), each payment's kind,
 * merchant, amount, double click and refund, and each fault's start inside its own slice of the run (so
 * faults never overlap and each is followed by load that shows whether the system recovered).
 */
export function planChaos(options: PlanOptions): ChaosPlan {
  const random = seededRandom(options.seed);
  const sources = options.sources ?? PROCESSOR_SOURCES.simulator;
  const mix = options.mix ?? DEFAULT_MIX;
  const payments: PlannedPayment[] = [];
  let clock = 0;
  for (let index = 0; index < options.payments; index++) {
    const roll = random.next();
    const drawn: PaymentKind =
      roll < mix.decline ? 'decline' : roll < mix.decline + mix.bankError ? 'bankError' : 'success';
    const kind = drawn === 'bankError' && sources.bankError === undefined ? 'success' : drawn;
    const cents = random.integer(100, 50_000);
    const payment: PlannedPayment = {
      index,
      atMs: Math.round(clock),
      merchant: random.integer(0, options.merchants - 1),
      kind,
      // Never a bank error without its source (above).
      source: sources[kind] as string,
      amount: amountOf(cents),
      doubleClick: random.chance(mix.doubleClick),
    };
    if (kind === 'success' && random.chance(mix.refund)) {
      payment.refund = {
        kind: random.chance(0.5) ? 'full' : 'partial',
        afterMs: random.integer(500, 5_000),
      };
    }
    payments.push(payment);
    clock += (-Math.log(1 - random.next()) * 1_000) / options.ratePerSecond;
  }
  const durationMs = Math.max(Math.round(clock), 1_000);
  const slice = durationMs / Math.max(options.faults.length, 1);
  const faults = options.faults.map((kind, position) => ({
    kind,
    // In the first half of its slice, so the rest of the slice still carries load after the fault.
    atMs: Math.round(slice * position + random.next() * slice * 0.5),
    forMs: options.faultMs?.[kind] ?? DEFAULT_FAULT_MS[kind],
    merchant: random.integer(0, options.merchants - 1),
    supervised: SUPERVISED_SERVICES[random.integer(0, SUPERVISED_SERVICES.length - 1)] as SupervisedService,
  }));
  return { seed: options.seed, durationMs, payments, faults, successSource: sources.success };
}

/** Half the amount, rounded down to the cent and at least one cent: a planned partial refund. */
export function partialRefundAmount(amount: string): string {
  return Decimal.max(new Decimal(amount).div(2).toDecimalPlaces(2, Decimal.ROUND_DOWN), '0.01').toFixed(2);
}
