export const PAYMENT_STATUSES = ['INITIATED', 'PENDING', 'SUCCESS', 'FAILED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Where a refund stands at the bank: PENDING until the bank executed it (EXECUTED) or it failed (FAILED). */
export const REFUND_STATUSES = ['PENDING', 'EXECUTED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
