import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookSettings } from '../../config/webhooks';
import { WebhookUrlRejectedError } from '../../domain/errors';
import {
  checkResolvedAddress,
  checkWebhookUrl,
  isAllowedHost,
  type WebhookUrlPolicy,
} from '../../domain/webhook-url';
import type { WebhookAttempt, WebhookSender } from '../../use-cases/ports/webhooks';

export interface WebhookSenderOptions
  extends Pick<WebhookSettings, 'timeoutMs' | 'maxResponseBytes' | 'allowedHosts'> {
  readonly requireHttps: boolean;
}

/**
 * Resolves the host name once and refuses it unless every address is public; the socket then connects to
 * exactly the addresses returned here, so nothing can resolve differently between the check and the connect
 * (DNS rebinding). Node calls a request's `lookup` for a host name, never for an IP literal (those are checked
 * with the URL), and the TLS server name and Host header still come from the URL:
 * https://nodejs.org/api/http.html#httprequestoptions-callback (`lookup`),
 * https://nodejs.org/api/net.html#socketconnectoptions-connectlistener (`lookup`, called with `all: true`
 * when the socket tries several addresses).
 */
function checkedLookup(url: URL): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      try {
        for (const { address } of addresses) checkResolvedAddress(url, address);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      return callback(null, first!.address, first!.family);
    });
  };
}

/**
 * Whether a request that failed may still have reached the merchant: only once it was sent in full, and not
 * when the failure is one that stops a request before it leaves (a refused URL or address, no connection, no
 * TLS session). A timeout or a connection dropped after sending may hide an answer the merchant gave.
 */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TLS_FAILURE = /CERT|TLS|SSL/;

function failedAttempt(error: unknown, sentInFull: boolean): WebhookAttempt {
  const code = String((error as { code?: unknown }).code ?? '');
  return {
    error: error instanceof Error ? error.message : String(error),
    mayHaveArrived:
      sentInFull &&
      !(error instanceof WebhookUrlRejectedError || NEVER_SENT.has(code) || TLS_FAILURE.test(code)),
  };
}

/**
 * POSTs webhooks from inside the VPC, so it trusts nothing about the merchant's URL: the URL policy (https
 * when required, no private or metadata addresses, before and after DNS resolution), no redirects (Node's
 * client never follows one, so a 3xx is a failed attempt), one timeout for the whole exchange, and at most
 * `maxResponseBytes` of the answer read before the connection is closed. Never rejects: a failure is an
 * attempt that says whether the merchant may hold the notice all the same.
 */
export function httpWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const policy: WebhookUrlPolicy = {
    requireHttps: options.requireHttps,
    allowedHosts: options.allowedHosts,
  };
  return {
    async send(rawUrl, rawBody, headers) {
      let url: URL;
      try {
        url = checkWebhookUrl(rawUrl, policy);
      } catch (refused) {
        return failedAttempt(refused, false);
      }
      const body = Buffer.from(rawBody, 'utf8');
      const client = url.protocol === 'https:' ? https : http;
      return new Promise<WebhookAttempt>((resolve) => {
        const signal = AbortSignal.timeout(options.timeoutMs);
        let sentInFull = false;
        let answered: WebhookAttempt | undefined;
        const request = client.request(url, {
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length) },
          lookup: isAllowedHost(url, policy) ? undefined : checkedLookup(url),
          // Deliveries are sparse and each connection is closed once the status is in: no pool to keep.
          agent: false,
          signal,
        });
        request.on('finish', () => {
          sentInFull = true;
        });
        request.on('error', (error) => {
          const failure = signal.aborted
            ? new Error(`no answer within the ${options.timeoutMs} ms timeout`)
            : error;
          resolve(answered ?? failedAttempt(failure, sentInFull));
        });
        request.on('response', (response) => {
          // The status is the merchant's answer; a body cut short or left unread after it changes nothing.
          const status = { status: response.statusCode ?? 0 };
          answered = status;
          let read = 0;
          const done = () => {
            response.destroy();
            resolve(status);
          };
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > options.maxResponseBytes) done();
          });
          response.on('end', done);
          response.on('error', done);
          response.on('aborted', done);
        });
        request.end(body);
      });
    },
  };
}
