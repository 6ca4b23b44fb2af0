/**
 * The client a gateway websocket counts against (SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT):
 * IPv4 by address, IPv4-mapped IPv6 as its IPv4 address, IPv6 by its /64.
 */
import { describe, expect, it } from 'vitest';
import { clientKey } from '../../gateway/subscriptions/client-key.ts';

describe('the client a websocket counts against', () => {
  it('is the address for IPv4, also written IPv4-mapped', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(clientKey('203.0.113.8')).not.toBe(clientKey('203.0.113.7'));
  });

  it('is the /64 for IPv6: every address of one host network counts as one client', () => {
    const key = clientKey('2001:db8:85a3:12::1');
    expect(key).toBe('2001:db8:85a3:12::/64');
    for (const a of ['2001:db8:85a3:12:ffff:ffff:ffff:ffff', '2001:0DB8:85A3:0012:0:0:0:2', '2001:db8:85a3:12::abcd%eth0', '2001:db8:85a3:12:1:2:3.4.5.6']) {
      expect(clientKey(a), a).toBe(key);
    }
    expect(clientKey('2001:db8:85a3:13::1')).not.toBe(key);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('keeps anything else as given', () => {
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('not an address')).toBe('not an address');
  });
});
