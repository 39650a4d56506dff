/**
 * The mail catcher: an SMTP server on ASPAY_MAIL_SMTP_PORT (no auth, no TLS, 127.0.0.1 only) that keeps every
 * message it is sent, and an HTTP API on ASPAY_MAIL_HTTP_PORT to read them back:
 *
 * - `GET /messages[?to=<address>]`: `{ messages: CaughtMessage[] }` in arrival order, those delivered to the
 *   address only when `to` is given (any recipient, case-insensitive);
 * - `GET /health`: 200.
 *
 * The messages live in memory, the newest 10,000. The log has one line per message, its Message-ID: never an
 * address.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressObject, type HeaderValue, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { HOST, LOCAL_STACK_ENV, localPorts } from '../settings';
import { REFUSED_TO_RUN_EXIT_CODE } from '../support/processes';
import { serve } from '../support/serve';

export interface CaughtMessage {
  messageId: string;
  /** The From header's address (the envelope's sender when the header has none). */
  from: string;
  /** The envelope's recipients (RCPT TO): everyone the message was delivered to, Bcc included. */
  to: string[];
  subject: string;
  text: string;
  /** Lower-case header names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  receivedAt: string;
}

const MAX_MESSAGES = 10_000;
/** Advertised in EHLO (SIZE) and enforced: a receipt is a few kilobytes. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

const messages: CaughtMessage[] = [];

function log(message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level: 'INFO', message, ...fields }));
}

function isAddressObject(value: unknown): value is AddressObject {
  return typeof value === 'object' && value !== null && 'value' in value && 'text' in value;
}

/** mailparser's structured header values (dates, addresses, `value; params`) as the one string a header has. */
function headerText(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => headerText(item)).join(', ');
  if (isAddressObject(value)) return value.text;
  const params = Object.entries(value.params ?? {}).map(([name, param]) => `; ${name}=${param}`);
  return `${value.value}${params.join('')}`;
}

async function caughtMessage(raw: Buffer, envelope: { from: string; to: string[] }): Promise<CaughtMessage> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  return {
    messageId: parsed.messageId ?? `<${randomUUID()}@mail-catcher.local>`,
    from: parsed.from?.value[0]?.address ?? envelope.from,
    to: envelope.to,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    headers: Object.fromEntries([...parsed.headers].map(([name, value]) => [name, headerText(value)])),
    receivedAt: new Date().toISOString(),
  };
}

function keep(message: CaughtMessage): void {
  messages.push(message);
  if (messages.length > MAX_MESSAGES) messages.splice(0, messages.length - MAX_MESSAGES);
}

function createSmtpServer(): SMTPServer {
  return new SMTPServer({
    name: 'mail-catcher.local',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    secure: false,
    size: MAX_MESSAGE_BYTES,
    // Its own log would carry the envelope's addresses (MAIL FROM, RCPT TO).
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          const refused = Object.assign(new Error('message exceeds the fixed maximum message size'), {
            responseCode: 552,
          });
          return callback(refused);
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
        };
        caughtMessage(Buffer.concat(chunks), envelope).then(
          (message) => {
            keep(message);
            log('mail received', { messageId: message.messageId });
            callback(null, 'caught');
          },
          (error: Error) => {
            // Only the error's kind: its message could quote the mail.
            log('mail not parsed', { error: error.name });
            callback(Object.assign(new Error('message not parsed'), { responseCode: 554 }));
          },
        );
      });
    },
  });
}

function createReadBackApi(): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://mail-catcher');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return reply(405, { error: 'method_not_allowed' });
    if (url.pathname === '/health') return reply(200, { status: 'ok' });
    if (url.pathname === '/messages') {
      const to = url.searchParams.get('to')?.trim().toLowerCase();
      return reply(200, {
        messages: to
          ? messages.filter((message) => message.to.some((address) => address.toLowerCase() === to))
          : messages,
      });
    }
    reply(404, { error: 'not_found' });
  });
}

const ports = localPorts();
const smtp = createSmtpServer();
smtp.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') {
    console.error(
      `port ${ports.mailSmtp} for the mail catcher's SMTP server is taken by another program: stop it or set ${LOCAL_STACK_ENV.ports.mailSmtp}`,
    );
    process.exit(REFUSED_TO_RUN_EXIT_CODE);
  }
  log('smtp error', { error: error.code ?? error.name });
});
// The HTTP API (what tells the stack the catcher is ready) only once SMTP listens.
smtp.listen(ports.mailSmtp, HOST, () => {
  log('mail catcher SMTP listening', { url: `smtp://${HOST}:${ports.mailSmtp}` });
  serve(createReadBackApi(), ports.mailHttp, 'mail catcher');
});
