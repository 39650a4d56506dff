import { describe, expect, it } from 'vitest';
import { WebhookUrlRejectedError } from '../../../lambdas/core/domain/errors';
import {
  checkResolvedAddress,
  checkWebhookUrl,
  isPublicAddress,
} from '../../../lambdas/core/domain/webhook-url';

const live = { requireHttps: true, allowedHosts: new Set<string>() };
const test = { requireHttps: false, allowedHosts: new Set<string>() };

describe('webhook address rules', () => {
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '100.64.0.1',
    '100.127.255.254',
    '127.0.0.1',
    '127.0.0.2',
    '169.254.169.254',
    '169.254.169.123',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.168.1.1',
    '198.18.0.1',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
    'fc00::1',
    'fd00:ec2::254',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'ff02::1',
    '2001:db8::1',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2002:0808:0808::1',
  ])('accepts the public address %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('treats anything that is not an IP literal as not public', () => {
    for (const text of ['example.com', '256.0.0.1', '1.2.3', '::g', '1::2::3', ''])
      expect(isPublicAddress(text)).toBe(false);
  });
});

describe('webhook URL policy', () => {
  const refusal = (raw: string, policy = live) => {
    try {
      checkWebhookUrl(raw, policy);
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookUrlRejectedError);
      return (error as WebhookUrlRejectedError).message;
    }
    return 'accepted';
  };

  it('accepts an https URL on a host name or a public address', () => {
    expect(checkWebhookUrl('https://hooks.example.com/aspay', live).hostname).toBe('hooks.example.com');
    expect(refusal('https://8.8.8.8/hooks')).toBe('accepted');
  });

  it('refuses http when https is required, and allows it otherwise', () => {
    expect(refusal('http://hooks.example.com/aspay')).toMatch(/https/);
    expect(refusal('http://hooks.example.com/aspay', test)).toBe('accepted');
  });

  it('refuses other schemes, credentials, malformed and overlong URLs', () => {
    expect(refusal('file:///etc/passwd', test)).toMatch(/https/);
    expect(refusal('gopher://hooks.example.com', test)).toMatch(/https/);
    expect(refusal('https://user:pw@hooks.example.com/')).toMatch(/credentials/);
    expect(refusal('not a url')).toMatch(/valid/);
    expect(refusal(`https://hooks.example.com/${'a'.repeat(2_100)}`)).toMatch(/2048/);
  });

  it('refuses IP literals in blocked ranges, whatever form the URL writes them in', () => {
    for (const raw of [
      'https://127.0.0.1/',
      'https://2130706433/',
      'https://0x7f.1/',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[fd00:ec2::254]/',
      'https://10.1.2.3:8443/',
    ])
      expect(refusal(raw)).toMatch(/not a public internet address/);
  });

  it('lets an allow-listed host and port through as it is, and only that port', () => {
    const local = { requireHttps: true, allowedHosts: new Set(['127.0.0.1:3200']) };
    expect(refusal('http://127.0.0.1:3200/hooks/mer_1', local)).toBe('accepted');
    expect(refusal('http://127.0.0.1:3201/hooks/mer_1', local)).toMatch(/https/);
    expect(refusal('https://127.0.0.1:3201/hooks/mer_1', local)).toMatch(/public/);
  });

  it('refuses a host name that resolves to a blocked address', () => {
    const url = new URL('https://rebind.example.com/');
    expect(() => checkResolvedAddress(url, '169.254.169.254')).toThrow(WebhookUrlRejectedError);
    expect(() => checkResolvedAddress(url, '93.184.215.14')).not.toThrow();
  });
});
