import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../../use-cases/ports/receipts';
import { MailUnavailableError } from '../errors';

/**
 * Errors of SES's SendEmail that refuse this mail for good: the address or the message (e.g. a sandbox account
 * sending to an unverified recipient: MessageRejected), not the service
 * (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors).
 * Throttling (TooManyRequestsException, LimitExceededException), a paused account (SendingPausedException) and
 * 5xx faults are the service away for now: the receipt waits.
 */
const REFUSED_FOR_GOOD = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'BadRequestException',
]);

/**
 * Receipts through Amazon SES (API v2, SendEmail, simple content). The Message-ID header is SES's own; the
 * event id goes in a header of ours so that a receipt can be traced to its event.
 */
export function sesMailer(from: string, client: SESv2Client = new SESv2Client({})): Mailer {
  return {
    async send(mail) {
      try {
        await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [mail.to] },
            Content: {
              Simple: {
                Subject: { Data: mail.subject, Charset: 'UTF-8' },
                Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
                Headers: [{ Name: 'X-ASPay-Event-Id', Value: mail.messageId }],
              },
            },
          }),
        );
        return { kind: 'sent' };
      } catch (error) {
        const name = (error as Error).name;
        if (REFUSED_FOR_GOOD.has(name)) return { kind: 'rejected', reason: `SES refused it (${name})` };
        // Only the error's name leaves here: SES's messages may name the address.
        throw new MailUnavailableError(`SES cannot take mail now (${name})`);
      }
    },
  };
}
