import { sesMailer } from '../adapters/email/ses-mailer';
import { smtpMailer } from '../adapters/email/smtp-mailer';
import { receiptSettings } from '../config/receipts';
import { systemClock } from '../use-cases/ports/clock';
import type { Mailer } from '../use-cases/ports/receipts';

/**
 * The receipts' mail service, built once per container: an SMTP server when one is configured (the local
 * stack's mail catcher), else Amazon SES; none without a sender address (receipts off).
 */
export function receiptWiring(): {
  mailer: Mailer | undefined;
  claimLeaseMs: number;
  clock: typeof systemClock;
} {
  const settings = receiptSettings();
  const from = settings.fromAddress;
  const mailer =
    from === undefined
      ? undefined
      : settings.smtpUrl
        ? smtpMailer(settings.smtpUrl, from, settings.timeoutMs)
        : sesMailer(from);
  return { mailer, claimLeaseMs: settings.claimLeaseMs, clock: systemClock };
}
