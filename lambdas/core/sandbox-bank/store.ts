import { randomUUID } from 'node:crypto';

export interface SandboxCharge {
  readonly id: string;
  readonly status: 'approved' | 'declined';
  readonly reason?: string;
  readonly idempotencyKey: string;
  readonly reference: string;
  readonly amount: string;
  readonly currency: string;
  readonly source: string;
  readonly createdAt: string;
}

export interface SandboxRefund {
  readonly id: string;
  readonly chargeId: string;
  /** Executed, or declined by the bank with its reason: both are findable by key (reconciliation). */
  readonly status: 'refunded' | 'rejected';
  readonly reason?: string;
  readonly amount: string;
  readonly idempotencyKey: string;
  readonly createdAt: string;
}

/** An HTTP answer of the bank: its status and JSON body. */
export interface SandboxAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** What starting a call with an idempotency key found: the call is ours, another one runs, or it was answered. */
export type CallStart =
  | { readonly kind: 'started'; readonly token: string }
  | { readonly kind: 'in_flight' }
  | { readonly kind: 'answered'; readonly answer: SandboxAnswer };

/**
 * The sandbox bank's books: charges findable by idempotency key (reconciliation) and by id (refunds), refunds
 * findable by idempotency key (reconciliation), and the calls by idempotency key. Every instance of the bank shares them, so a replay gets the first
 * answer and a call in flight is seen by all (the DynamoDB adapter decides both with conditional writes).
 */
export interface SandboxBankStore {
  /**
   * Starts the call with `key` unless one is answered or still running; a running call counts as gone after
   * `leaseMs` (its process died), so the next call may start.
   */
  startCall(key: string, leaseMs: number): Promise<CallStart>;
  /**
   * Ends the call `token` started: its final answer is kept for every replay; without one (an error) the next
   * call with the key tries again.
   */
  finishCall(key: string, token: string, answer: SandboxAnswer | undefined): Promise<void>;
  callInFlight(key: string): Promise<boolean>;
  saveCharge(charge: SandboxCharge): Promise<void>;
  chargeByKey(idempotencyKey: string): Promise<SandboxCharge | undefined>;
  chargeById(id: string): Promise<SandboxCharge | undefined>;
  saveRefund(refund: SandboxRefund): Promise<void>;
  refundByKey(idempotencyKey: string): Promise<SandboxRefund | undefined>;
}

type Call = { state: 'running'; token: string; until: number } | { state: 'answered'; answer: SandboxAnswer };

/** The books in one process's memory: the local simulator's (one process serves every call). */
export class InMemorySandboxBankStore implements SandboxBankStore {
  private readonly calls = new Map<string, Call>();
  private readonly charges = new Map<string, SandboxCharge>();
  private readonly chargesByKey = new Map<string, SandboxCharge>();
  private readonly refundsByKey = new Map<string, SandboxRefund>();

  async startCall(key: string, leaseMs: number): Promise<CallStart> {
    const call = this.calls.get(key);
    if (call?.state === 'answered') return { kind: 'answered', answer: call.answer };
    if (call && call.until > Date.now()) return { kind: 'in_flight' };
    const token = randomUUID();
    this.calls.set(key, { state: 'running', token, until: Date.now() + leaseMs });
    return { kind: 'started', token };
  }

  async finishCall(key: string, token: string, answer: SandboxAnswer | undefined): Promise<void> {
    const call = this.calls.get(key);
    if (call?.state !== 'running' || call.token !== token) return;
    if (answer) this.calls.set(key, { state: 'answered', answer });
    else this.calls.delete(key);
  }

  async callInFlight(key: string): Promise<boolean> {
    const call = this.calls.get(key);
    return call?.state === 'running' && call.until > Date.now();
  }

  async saveCharge(charge: SandboxCharge): Promise<void> {
    this.charges.set(charge.id, charge);
    this.chargesByKey.set(charge.idempotencyKey, charge);
  }

  async chargeByKey(idempotencyKey: string): Promise<SandboxCharge | undefined> {
    return this.chargesByKey.get(idempotencyKey);
  }

  async chargeById(id: string): Promise<SandboxCharge | undefined> {
    return this.charges.get(id);
  }

  async saveRefund(refund: SandboxRefund): Promise<void> {
    this.refundsByKey.set(refund.idempotencyKey, refund);
  }

  async refundByKey(idempotencyKey: string): Promise<SandboxRefund | undefined> {
    return this.refundsByKey.get(idempotencyKey);
  }

  /** Every approved charge, in the order they were made (the local simulator's admin listing). */
  approvedCharges(): SandboxCharge[] {
    return [...this.charges.values()].filter((charge) => charge.status === 'approved');
  }

  /** Every executed refund, in the order they were made (the local simulator's admin listing). */
  executedRefunds(): SandboxRefund[] {
    return [...this.refundsByKey.values()].filter((refund) => refund.status === 'refunded');
  }
}
