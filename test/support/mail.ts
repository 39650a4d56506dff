import { localEndpoints } from './local-stack';

/** A message the local stack's mail catcher caught (localstack/src/mail/server.ts). */
export interface CaughtMail {
  messageId: string;
  /** The From header's address. */
  from: string;
  /** The envelope's recipients: everyone the message was delivered to, Bcc included. */
  to: string[];
  subject: string;
  text: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  receivedAt: string;
}

/** Every message the mail catcher caught for an address (any recipient, case-insensitive), in arrival order. */
export async function messagesTo(address: string): Promise<CaughtMail[]> {
  const url = new URL('/messages', localEndpoints().mailCatcherUrl);
  url.searchParams.set('to', address);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the mail catcher answered ${response.status}`);
  return ((await response.json()) as { messages: CaughtMail[] }).messages;
}
