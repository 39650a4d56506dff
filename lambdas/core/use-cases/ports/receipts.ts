import type { ReceiptMessage } from '../../domain/receipts';

/** Customer receipts: who receives them, their delivery records and the mail service. */

/** Whether a payment's customer gets receipts, and what they say about the shop. */
export interface ReceiptRecipient {
  /** The customer's e-mail address: never logged. */
  readonly address: string;
  readonly merchantName: string;
  readonly description: string | null;
}

/** A receipt claimed for one sending: who holds it, until when. */
export interface ReceiptClaim {
  readonly holder: string;
  readonly until: Date;
}

export type OpenedReceipt =
  | { readonly kind: 'claimed'; readonly attempts: number }
  /** Another holder's claim runs until `until`. */
  | { readonly kind: 'held'; readonly until: Date }
  /** Sent, or failed for good: nothing to send. */
  | { readonly kind: 'handled' };

/** One delivery record per event, the single owner of its e-mail, like a webhook's. */
export interface ReceiptDeliveries {
  /**
   * The customer of the event's payment, if the payment names one and its merchant opted in to receipts;
   * undefined otherwise (no e-mail is sent).
   */
  recipientOf(paymentId: string): Promise<ReceiptRecipient | undefined>;
  /** Creates the event's record, claimed by the caller, or takes over a pending one whose claim passed. */
  open(
    receipt: { eventId: string; paymentId: string; merchantId: string; eventType: string },
    now: Date,
    claim: ReceiptClaim,
  ): Promise<OpenedReceipt>;
  /**
   * Counts an attempt before it is sent (one that may have arrived) and renews the claim; false when the caller
   * no longer holds it: it must not send.
   */
  recordAttempt(eventId: string, claim: ReceiptClaim): Promise<boolean>;
  /** Sent, failed for good with `error`, or back to pending (released) for the next holder. */
  settle(
    eventId: string,
    holder: string,
    outcome: { status: 'sent' } | { status: 'failed'; error: string } | { status: 'pending'; error: string },
  ): Promise<void>;
}

/** An e-mail ready to send: the Message-ID is the event's, so a resend after a crash is recognisably one. */
export interface OutgoingMail extends ReceiptMessage {
  readonly to: string;
  readonly messageId: string;
}

/** What sending came to: accepted, or refused for good (the address or the content, not the service). */
export type MailOutcome = { readonly kind: 'sent' } | { readonly kind: 'rejected'; readonly reason: string };

/** The mail service (SES in AWS, an SMTP server locally). Throws MailUnavailableError while it cannot take mail. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<MailOutcome>;
}
