import { WebhookUrlRejectedError } from './errors';

/**
 * Where ASPay may send a merchant's webhooks. The notifier runs inside the VPC, so a URL aimed at a private,
 * loopback, link-local (the instance metadata service, 169.254.169.254) or otherwise non-public address would
 * let a merchant make ASPay call its own network. The rules are pure: the sender applies them to the URL and
 * again to every address the host name resolves to, and connects only to an address that passed.
 */

export interface WebhookUrlPolicy {
  /** Live merchants' webhooks carry payment data: https only. */
  readonly requireHttps: boolean;
  /**
   * `host:port` pairs trusted as they are (scheme and address rules skipped): the local stack's webhook sink on
   * 127.0.0.1. Never set in AWS.
   */
  readonly allowedHosts: ReadonlySet<string>;
}

const MAX_URL_LENGTH = 2_048;

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry, and multicast). */
const BLOCKED_IPV4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local: instance metadata, time sync
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/** IPv6 ranges that are not the public internet; those embedding an IPv4 address are checked as that address. */
const BLOCKED_IPV6: readonly (readonly [string, number])[] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated, never routed)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (AWS's IPv6 metadata endpoint fd00:ec2::254 is one)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

/** IPv6 prefixes whose low bits carry an IPv4 address: [prefix, length, bit offset of the IPv4 address]. */
const IPV4_EMBEDDING_IPV6: readonly (readonly [string, number, number])[] = [
  ['::ffff:0:0', 96, 96], // IPv4-mapped
  ['64:ff9b::', 96, 96], // NAT64
  ['2002::', 16, 16], // 6to4
];

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let groups = text.toLowerCase().split('%')[0]!;
  const dotted = groups.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (v4 === undefined) return undefined;
    groups = `${dotted[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<string>(missing).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

const inRange = (value: bigint, bits: number, base: bigint, length: number) =>
  value >> BigInt(bits - length) === base >> BigInt(bits - length);

const ipv4Blocked = (value: bigint) =>
  BLOCKED_IPV4.some(([base, length]) => inRange(value, 32, parseIpv4(base)!, length));

/**
 * Whether `address` (an IP literal, IPv4 or IPv6, without brackets) is a public unicast address a webhook may
 * reach. Anything that is not an IP literal is not one.
 */
export function isPublicAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return !ipv4Blocked(v4);
  const v6 = parseIpv6(address.replace(/^\[|\]$/g, ''));
  if (v6 === undefined) return false;
  for (const [prefix, length, offset] of IPV4_EMBEDDING_IPV6)
    if (inRange(v6, 128, parseIpv6(prefix)!, length))
      return !ipv4Blocked((v6 >> BigInt(96 - offset)) & 0xffff_ffffn);
  return !BLOCKED_IPV6.some(([base, length]) => inRange(v6, 128, parseIpv6(base)!, length));
}

/** `host:port` of a URL, the port made explicit, as the allow-list names it. */
function hostAndPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** Whether the URL's host and port are on the explicit allow-list (trusted as they are). */
export function isAllowedHost(url: URL, policy: WebhookUrlPolicy): boolean {
  return policy.allowedHosts.has(hostAndPort(url));
}

/** An IP literal in a URL's host: IPv6 comes bracketed. */
const literalAddress = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');
const isIpLiteral = (url: URL) =>
  parseIpv4(url.hostname) !== undefined || parseIpv6(literalAddress(url)) !== undefined;

/**
 * Checks what can be checked without resolving the host name: the URL's form, its scheme, and its address if
 * it is an IP literal (the WHATWG parser has already turned forms like `http://2130706433/` into 127.0.0.1).
 * A host name is checked once resolved, by the sender. Returns the parsed URL.
 */
export function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): URL {
  if (raw.length > MAX_URL_LENGTH)
    throw new WebhookUrlRejectedError(`A webhook URL has at most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRejectedError('The webhook URL is not a valid absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookUrlRejectedError(`A webhook URL must use https, not ${url.protocol.replace(':', '')}.`);
  if (url.username || url.password)
    throw new WebhookUrlRejectedError('A webhook URL must not carry credentials.');
  if (isAllowedHost(url, policy)) return url;
  if (policy.requireHttps && url.protocol !== 'https:')
    throw new WebhookUrlRejectedError('A live webhook URL must use https.');
  if (isIpLiteral(url) && !isPublicAddress(literalAddress(url)))
    throw new WebhookUrlRejectedError(
      `The webhook URL's address ${url.hostname} is not a public internet address.`,
    );
  return url;
}

/** Refuses a resolved address of the webhook's host that is not public (the check after DNS resolution). */
export function checkResolvedAddress(url: URL, address: string): void {
  if (!isPublicAddress(address))
    throw new WebhookUrlRejectedError(
      `The webhook host ${url.hostname} resolves to ${address}, which is not a public internet address.`,
    );
}
