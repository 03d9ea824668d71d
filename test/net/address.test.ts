// Classification only: nothing here opens a connection or resolves a name.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors.ts';
import { classifyAddress, parseHostLiteral } from '#core/net/address.ts';
import { isAllowListed, parseAllowList, parseHostPort } from '#core/net/allow-list.ts';

describe('classifyAddress', () => {
  it.each([
    ['169.254.169.254', 'linkLocal'],
    ['169.254.0.1', 'linkLocal'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['192.0.0.8', 'ietfProtocol'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456:789a::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['febf::1', 'linkLocal'],
    ['fec0::1', 'siteLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'discard'],
    ['::ffff:10.0.0.1', 'ipv4Mapped:private'],
    ['::ffff:127.0.0.1', 'ipv4Mapped:loopback'],
    ['::ffff:169.254.169.254', 'ipv4Mapped:linkLocal'],
    ['0:0:0:0:0:ffff:7f00:1', 'ipv4Mapped:loopback'],
    ['64:ff9b::10.0.0.1', 'nat64:private'],
    ['64:ff9b::a9fe:a9fe', 'nat64:linkLocal'],
    ['2002:0a00:0001::1', '6to4:private'],
    ['2002:7f00:0001::1', '6to4:loopback'],
    // Teredo client 10.0.0.1 is stored inverted: f5ff:fffe.
    ['2001:0:5db8:d822::f5ff:fffe', 'teredo:private'],
    ['2001:0:0a00:0001::1', 'teredo:private'],
    ['::127.0.0.1', 'ipv4Compatible'],
    ['4000::1', 'unassigned'],
  ])('refuses %s (%s)', (ip, range) => {
    expect(classifyAddress(ip)).toEqual({ allowed: false, range });
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '2606:4700::1', '2a00:1450:4001:80b::200e', '::ffff:93.184.216.34', '64:ff9b::5db8:d822'])(
    'allows public %s',
    (ip) => {
      expect(classifyAddress(ip).allowed).toBe(true);
    },
  );

  it.each(['', 'localhost', 'x.example', 'fe80::1%eth0', '1.2.3.4.5', '999.0.0.1', 'not an ip'])('refuses unparseable %j', (ip) => {
    expect(classifyAddress(ip)).toEqual({ allowed: false, range: 'invalid' });
  });

  it('classifies the dodging spellings of loopback and metadata as what they are', () => {
    for (const spelling of ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.1', '[::1]', '[::ffff:127.0.0.1]']) {
      expect(classifyAddress(spelling).allowed, spelling).toBe(false);
    }
    expect(classifyAddress('0xa9fea9fe')).toEqual({ allowed: false, range: 'linkLocal' });
    expect(classifyAddress('2852039166')).toEqual({ allowed: false, range: 'linkLocal' });
  });
});

describe('parseHostLiteral', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0X7F000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0177.0.0.01', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0xa9.0xfe.0xa9.0xfe', '169.254.169.254'],
    ['010.0.0.1', '8.0.0.1'],
    ['93.184.216.34', '93.184.216.34'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1'],
    ['[::FFFF:7F00:1]', '::ffff:7f00:1'],
    // Read the way the URL parser and the socket read it, not as IPv4-mapped.
    ['[::1.2.3.4]', '::102:304'],
    ['[2606:4700:0::1]', '2606:4700::1'],
  ])('%s -> %s', (host, canonical) => {
    expect(parseHostLiteral(host)).toBe(canonical);
  });

  it('agrees with the WHATWG URL parser on IPv4 spellings', () => {
    for (const host of ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.0.0.1', '017700000001']) {
      expect(parseHostLiteral(host)).toBe(new URL(`http://${host}/`).hostname);
    }
  });

  it.each(['x.example', 'localhost', '127.0.0.1.example', '1.2.3.4.5', '999.1.1.1', '', '[::1', 'fe80::1%25eth0', '127.0.0.1/x', 'a@127.0.0.1'])(
    'is null for non-literal %j',
    (host) => {
      expect(parseHostLiteral(host)).toBeNull();
    },
  );
});

describe('allow-list', () => {
  it('parses ip:port pairs, IPv6 bracketed, canonicalising the address', () => {
    expect(parseAllowList('127.0.0.1:4567, [::1]:8080,,[0:0::1]:8080, 2130706433:9000')).toEqual([
      { address: '127.0.0.1', port: 4567 },
      { address: '::1', port: 8080 },
      { address: '127.0.0.1', port: 9000 },
    ]);
    expect(parseAllowList(undefined)).toEqual([]);
    expect(parseAllowList('')).toEqual([]);
  });

  it('refuses names, missing ports and bare IPv6', () => {
    expect(() => parseAllowList('localhost:80')).toThrow(ValidationError);
    expect(() => parseAllowList('127.0.0.1')).toThrow(/no :port/);
    expect(() => parseAllowList('::1:80')).toThrow(/brackets/);
    expect(() => parseAllowList('127.0.0.1:70000')).toThrow(/out of range/);
    expect(() => parseAllowList('127.0.0.1:0')).toThrow(/out of range/);
    expect(() => parseHostPort('[::1]8080')).toThrow();
  });

  it('matches exactly the address and port, in any spelling of the address', () => {
    const entries = parseAllowList('127.0.0.1:4567');
    expect(isAllowListed(entries, '127.0.0.1', 4567)).toBe(true);
    expect(isAllowListed(entries, '0x7f000001', 4567)).toBe(true);
    expect(isAllowListed(entries, '127.0.0.1', 4568)).toBe(false);
    expect(isAllowListed(entries, '127.0.0.2', 4567)).toBe(false);
    expect(isAllowListed(entries, '::ffff:127.0.0.1', 4567)).toBe(false);
  });
});
