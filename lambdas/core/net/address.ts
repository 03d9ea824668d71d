/**
 * The SSRF guard's address classifier. Everything the fetcher dials passes through here, so it
 * errs on the side of refusing: only globally routable unicast addresses are allowed.
 */
import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

export interface AddressClass {
  /** True only for public unicast addresses. */
  allowed: boolean;
  /** The range the address falls in (`unicast`, `private`, `loopback`, `ipv4Mapped:private`, ...). */
  range: string;
}

const v4 = (cidr: string): [IPv4, number] => ipaddr.IPv4.parseCIDR(cidr);
const v6 = (cidr: string): [IPv6, number] => ipaddr.IPv6.parseCIDR(cidr);

// Our own tables rather than ipaddr's `range()`: they name the ranges the way operators do and
// order the more specific ranges first (subnetMatch returns the first match in key order).
// Sources: the IANA IPv4/IPv6 special-purpose address registries.
const IPV4_RANGES: Record<string, [IPv4, number][]> = {
  broadcast: [v4('255.255.255.255/32')],
  unspecified: [v4('0.0.0.0/8')],
  loopback: [v4('127.0.0.0/8')],
  private: [v4('10.0.0.0/8'), v4('172.16.0.0/12'), v4('192.168.0.0/16')],
  carrierGradeNat: [v4('100.64.0.0/10')],
  linkLocal: [v4('169.254.0.0/16')],
  documentation: [v4('192.0.2.0/24'), v4('198.51.100.0/24'), v4('203.0.113.0/24')],
  benchmarking: [v4('198.18.0.0/15')],
  ietfProtocol: [v4('192.0.0.0/24')],
  // 6to4 relay anycast (deprecated), AS112 and AMT: infrastructure, never a company website.
  relay6to4: [v4('192.88.99.0/24')],
  as112: [v4('192.175.48.0/24'), v4('192.31.196.0/24')],
  amt: [v4('192.52.193.0/24')],
  multicast: [v4('224.0.0.0/4')],
  reserved: [v4('240.0.0.0/4')],
};

const IPV6_RANGES: Record<string, [IPv6, number][]> = {
  unspecified: [v6('::/128')],
  loopback: [v6('::1/128')],
  ipv4Mapped: [v6('::ffff:0:0/96')],
  ipv4Translated: [v6('::ffff:0:0:0/96')],
  ipv4Compatible: [v6('::/96')],
  nat64: [v6('64:ff9b::/96')],
  nat64Local: [v6('64:ff9b:1::/48')],
  discard: [v6('100::/64')],
  teredo: [v6('2001::/32')],
  benchmarking: [v6('2001:2::/48')],
  documentation: [v6('2001:db8::/32'), v6('3fff::/20')],
  // The rest of 2001::/23 is IETF protocol assignments (ORCHID, AMT, AS112...).
  ietfProtocol: [v6('2001::/23')],
  '6to4': [v6('2002::/16')],
  segmentRouting: [v6('5f00::/16')],
  uniqueLocal: [v6('fc00::/7')],
  linkLocal: [v6('fe80::/10')],
  siteLocal: [v6('fec0::/10')],
  multicast: [v6('ff00::/8')],
};

// Only 2000::/3 is allocated for global unicast; anything else unlisted is unassigned space.
const GLOBAL_UNICAST_V6 = v6('2000::/3');

function classifyV4(addr: IPv4): AddressClass {
  const range = ipaddr.subnetMatch(addr, IPV4_RANGES, 'unicast');
  return { allowed: range === 'unicast', range };
}

function embedded(prefix: string, inner: AddressClass): AddressClass {
  return { allowed: inner.allowed, range: `${prefix}:${inner.range}` };
}

function v4FromParts(hi: number, lo: number): IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function classifyV6(addr: IPv6): AddressClass {
  // A zone id pins an interface: only meaningful for link-local targets, never a website.
  if (addr.zoneId) return { allowed: false, range: 'scoped' };
  const range = ipaddr.subnetMatch(addr, IPV6_RANGES, 'unicast');
  const p = addr.parts;
  switch (range) {
    case 'ipv4Mapped':
      // The kernel dials the embedded IPv4 address, so that is what must be public.
      return embedded(range, classifyV4(addr.toIPv4Address()));
    case 'nat64':
      // DNS64 synthesises these for public IPv4 sites; the gateway dials the embedded address.
      return embedded(range, classifyV4(v4FromParts(p[6], p[7])));
    case '6to4':
      return embedded(range, classifyV4(v4FromParts(p[1], p[2])));
    case 'teredo': {
      // Teredo embeds the server address and the client address (bitwise inverted); both
      // take part in routing, so both must be public.
      const server = classifyV4(v4FromParts(p[2], p[3]));
      if (!server.allowed) return embedded(range, server);
      return embedded(range, classifyV4(v4FromParts(~p[6] & 0xffff, ~p[7] & 0xffff)));
    }
    case 'unicast':
      return addr.match(GLOBAL_UNICAST_V6) ? { allowed: true, range } : { allowed: false, range: 'unassigned' };
    default:
      return { allowed: false, range };
  }
}

/** Classify an IP address: only public unicast is `allowed`; anything unparseable is refused. */
export function classifyAddress(ip: string): AddressClass {
  const canonical = parseHostLiteral(ip);
  if (canonical === null) return { allowed: false, range: 'invalid' };
  const addr = ipaddr.parse(canonical);
  return addr.kind() === 'ipv4' ? classifyV4(addr as IPv4) : classifyV6(addr as IPv6);
}

// Characters that never appear in a host; refusing them keeps a path or userinfo from being
// mistaken for part of a host.
const NOT_HOST = /[\s/\\?#@%]/;
/** Dotted decimal without leading zeros, the form ipaddr.js's isValidFourPartDecimal accepts. */
const FOUR_PART_DECIMAL = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){3}$/;

// Attackers spell addresses to dodge string checks (`2130706433`, `0x7f000001`, `0177.0.0.1`,
// `127.1`, `[::ffff:127.0.0.1]`); every spelling the URL parser accepts lands on one canonical form.
/** The canonical IP (`127.0.0.1`, `::ffff:7f00:1`) a host string denotes, or null if it is not an IP literal. */
export function parseHostLiteral(host: string): string | null {
  let h = host.trim();
  if (h === '' || NOT_HOST.test(h)) return null;
  if (h.startsWith('[') || h.includes(':')) {
    if (h.startsWith('[')) {
      if (!h.endsWith(']')) return null;
      h = h.slice(1, -1);
    }
    // Zone ids (`fe80::1%eth0`) never get here: NOT_HOST refuses `%`. The WHATWG parser
    // canonicalises first because ipaddr.js reads the deprecated `::1.2.3.4` as `::ffff:1.2.3.4`
    // while URL (and the socket) read it as `::102:304`; we must classify what gets dialled.
    let canonical: string;
    try {
      canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
    } catch {
      return null;
    }
    if (!ipaddr.IPv6.isValid(canonical)) return null;
    return ipaddr.IPv6.parse(canonical).toRFC5952String();
  }
  // The WHATWG host parser (what `new URL` uses) turns every numeric IPv4 spelling into dotted
  // decimal; leaving that to it means we agree with the URL parser on what the host is.
  const ascii = domainToASCII(h);
  const bare = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  // What ipaddr.js's isValidFourPartDecimal requires of the text, checked first: for a name it
  // throws and catches an error inside, which made this check most of the cost of normalising
  // a lead's domain.
  if (FOUR_PART_DECIMAL.test(bare) && ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare).toString();
  return null;
}
