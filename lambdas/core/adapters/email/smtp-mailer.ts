import nodemailer from 'nodemailer';
import type { Mailer } from '../../use-cases/ports/receipts';
import { MailUnavailableError } from '../errors';

/**
 * Receipts through an SMTP server (the local stack's mail catcher, or any relay a user runs). A 5xx reply
 * (RFC 5321 §4.2.1: permanent) refuses this mail for good; a 4xx reply or a connection that fails is the
 * service away for now.
 */
export function smtpMailer(url: string, from: string, timeoutMs: number): Mailer {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: mail.messageId,
        });
        return { kind: 'sent' };
      } catch (error) {
        // Only codes leave here: a reply's text and the error's cause may name the address.
        const { responseCode, code } = error as { responseCode?: number; code?: string };
        if (responseCode !== undefined && responseCode >= 500 && responseCode < 600)
          return { kind: 'rejected', reason: `the mail server refused it (${responseCode})` };
        throw new MailUnavailableError(
          `the mail server cannot take mail now (${responseCode ?? code ?? (error as Error).name})`,
        );
      }
    },
  };
}
