/**
 * The loopback-only tripwire's address check (test/helpers/tripwire.mjs), on literals only: no
 * test dials a non-loopback address, not even to see the tripwire refuse it.
 */
import { describe, expect, it } from 'vitest';
import { isLoopbackLiteral } from '#test/helpers/tripwire.mjs';

describe('the tripwire lets through loopback literals only', () => {
  it('takes 127.0.0.0/8, ::1 and IPv4-mapped loopback, however written', () => {
    for (const host of ['127.0.0.1', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:7f00:1', '[::ffff:127.1.2.3]']) {
      expect(isLoopbackLiteral(host), host).toBe(true);
    }
  });

  it('refuses private, link-local, public and unspecified addresses, mapped ones, names and junk', () => {
    for (const host of [
      '10.0.0.1', '192.168.1.1', '169.254.169.254', '8.8.8.8', '0.0.0.0', '128.0.0.1', '1.127.0.0',
      '::', '::2', 'fe80::1', 'fd00::1', '2001:db8::1', '::ffff:10.0.0.1', '::ffff:8.8.8.8', '::127.0.0.1', '64:ff9b::7f00:1',
      'localhost', 'metadata.google.internal', '127.0.0.1.nip.io', '0x7f000001', '2130706433', '127.1', '', '[127.0.0.1]',
    ]) {
      expect(isLoopbackLiteral(host), host).toBe(false);
    }
  });
});
