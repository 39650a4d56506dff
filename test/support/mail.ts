import type { CaughtMessage } from '../../localstack/src/mail/server';
import { localEndpoints } from './local-stack';

/** A message the local stack's mail catcher caught, as its read-back API answers it. */
export type CaughtMail = CaughtMessage;

/** Every message the mail catcher caught for an address (any recipient, case-insensitive), in arrival order. */
export async function messagesTo(address: string): Promise<CaughtMail[]> {
  const url = new URL('/messages', localEndpoints().mailCatcherUrl);
  url.searchParams.set('to', address);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the mail catcher answered ${response.status}`);
  return ((await response.json()) as { messages: CaughtMail[] }).messages;
}
