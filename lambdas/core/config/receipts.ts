import { ENV } from './environment';
import { setting } from './settings';

/** Customer receipts by e-mail (docs/receipts.md). */
export interface ReceiptSettings {
  /** The sender: an address of an SES identity in AWS. Unset: receipts are off for every merchant. */
  readonly fromAddress: string | undefined;
  /** An SMTP server to send through (the local stack's mail catcher); unset: Amazon SES. */
  readonly smtpUrl: string | undefined;
  /** One sending's time limit: SES answers in well under a second; an SMTP server on a LAN too. */
  readonly timeoutMs: number;
  /**
   * A receipt's claim: one sending and the recording of its outcome. A holder that died is taken over when it
   * passes, so a receipt waits seconds, never the invocation's 15 minutes.
   */
  readonly claimLeaseMs: number;
}

export function receiptSettings(env: NodeJS.ProcessEnv = process.env): ReceiptSettings {
  const timeoutMs = 10_000;
  return {
    fromAddress: setting(ENV.receiptsFromAddress, env),
    smtpUrl: setting(ENV.receiptsSmtpUrl, env),
    timeoutMs,
    claimLeaseMs: timeoutMs + 5_000,
  };
}
