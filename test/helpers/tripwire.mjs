// @ts-check
/**
 * The loopback-only tripwire: wraps `net.Socket.prototype.connect` so that a dial to anything but
 * a loopback address literal throws before a packet leaves, and records every dial so a test can
 * check ports as well. Plain patching rather than a vitest spy, so that a child process (a CLI
 * child, the hostile run's measured child) can install it too; plain JavaScript, so that a CLI
 * child preloads it (test/crash/loopback-only.mjs) without a TypeScript loader, which costs a
 * child about a CPU-second. Types in tripwire.d.mts.
 *
 * The address check is its own, not the product's (lambdas/core/net/address.ts): a guard that
 * shared the fetcher's classifier would share its mistakes.
 */
import net from 'node:net';

/** An IPv6 literal's canonical text (RFC 5952, as the WHATWG URL parser writes it), or undefined. */
function canonicalIPv6(host) {
  try {
    return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * Whether `host` is a loopback address literal: 127.0.0.0/8, ::1, or an IPv4-mapped address in
 * 127.0.0.0/8 (an IPv6 one in brackets or not). Names never are: nothing here resolves names.
 * @param {string} host
 * @returns {boolean}
 */
export function isLoopbackLiteral(host) {
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const bare = bracketed ? host.slice(1, -1) : host;
  if (!bracketed && net.isIPv4(bare)) return bare.split('.')[0] === '127';
  if (!net.isIPv6(bare)) return false;
  const canonical = canonicalIPv6(bare);
  // ::ffff:a.b.c.d is written ::ffff:XXYY:ZZWW, the first group's high byte being a
  return canonical === '::1' || (canonical !== undefined && /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical));
}

/**
 * Installs the tripwire in this process until `restore()`.
 * @returns {import('./tripwire.d.mts').Tripwire}
 */
export function installTripwire() {
  /** @type {import('./tripwire.d.mts').Dial[]} */
  const dials = [];
  /** @type {import('./tripwire.d.mts').Dial[]} */
  const refused = [];
  let connects = 0;
  const original = net.Socket.prototype.connect;
  /** @param {string} host @param {number} port */
  const check = (host, port) => {
    const dial = { host, port };
    dials.push(dial);
    if (!isLoopbackLiteral(host)) {
      refused.push(dial);
      throw new Error(`test tripwire: refused to dial non-loopback ${host}:${port}`);
    }
  };
  /** @type {any} */
  const connect = function (/** @type {unknown[]} */ ...args) {
    connects++;
    const first = /** @type {any} */ (args[0]);
    const options = Array.isArray(first) ? first[0] : first;
    if (typeof options === 'number' || (typeof options === 'string' && /^\d+$/.test(options))) {
      check(typeof args[1] === 'string' ? args[1] : 'localhost', Number(options));
    } else if (options && typeof options === 'object' && !options.path) {
      check(options.host ?? 'localhost', Number(options.port));
    }
    return /** @type {any} */ (original).apply(this, args);
  };
  net.Socket.prototype.connect = connect;
  return {
    dials,
    refused,
    get connects() {
      return connects;
    },
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
