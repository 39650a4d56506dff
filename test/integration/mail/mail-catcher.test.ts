import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { localEndpoints } from '../../support/local-stack';
import { messagesTo } from '../../support/mail';

// The official client of an SMTP server's other party, as the functions send receipts with it.
const transport = nodemailer.createTransport({ url: localEndpoints().mailSmtpUrl });

afterAll(() => transport.close());

describe('the local mail catcher', () => {
  it('reads back exactly the messages sent to an address, over real SMTP', async () => {
    const run = randomUUID();
    const address = `customer-${run}@example.com`;
    const other = `other-${run}@example.com`;
    const messageId = `<receipt-${run}@aspay.local>`;

    await transport.sendMail({
      from: 'receipts@aspay.local',
      to: address,
      subject: `Your receipt ${run}`,
      text: `Paid 25.00 USD\nreference ${run}\n`,
      messageId,
    });
    await transport.sendMail({
      from: 'receipts@aspay.local',
      to: other,
      subject: `Someone else's receipt ${run}`,
      text: 'not yours',
    });

    const caught = await messagesTo(address.toUpperCase());
    expect(caught).toHaveLength(1);
    expect(caught[0]).toMatchObject({
      messageId,
      from: 'receipts@aspay.local',
      to: [address],
      subject: `Your receipt ${run}`,
      text: `Paid 25.00 USD\nreference ${run}\n`,
    });
    expect(caught[0]?.headers['message-id']).toBe(messageId);
    expect(Date.parse(caught[0]?.receivedAt ?? '')).not.toBeNaN();

    const theOther = await messagesTo(other);
    expect(theOther.map((message) => message.subject)).toEqual([`Someone else's receipt ${run}`]);
    expect(theOther.map((message) => message.messageId)).not.toContain(messageId);
  });
});
