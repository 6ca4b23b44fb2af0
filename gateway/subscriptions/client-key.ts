/**
 * Which client a websocket counts against for SUBSCRIPTION_MAX_SOCKETS_PER_CLIENT:
 * an IPv4 address (also written IPv4-mapped, `::ffff:203.0.113.7`) is one
 * client; an IPv6 address counts by its /64, since one host commonly has a
 * whole /64 and could otherwise open any number of sockets from fresh addresses.
 */
import net from 'node:net';

/** The 8 groups of an IPv6 address (zone id dropped), or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  const bare = address.split('%')[0];
  if (!net.isIPv6(bare)) return null;
  let text = bare.toLowerCase();
  // a dotted IPv4 tail is two groups
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...middle, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const groups = ipv6Groups(address);
  if (!groups) return address;
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
