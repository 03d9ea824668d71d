/** Types of tripwire.mjs (plain JavaScript, so that a CLI child preloads it without a TypeScript loader). */
export interface Dial {
  host: string;
  port: number;
}

export interface Tripwire {
  dials: Dial[];
  /** Dials the tripwire refused (non-loopback); always empty in a passing test. */
  refused: Dial[];
  /** Every call of `connect`, TCP or not (a Unix socket's path is not a dial, but it is a connection). */
  readonly connects: number;
  restore(): void;
}

/** Whether `host` is a loopback address literal: 127.0.0.0/8, ::1, or IPv4-mapped 127.0.0.0/8 (brackets allowed); names never are. */
export function isLoopbackLiteral(host: string): boolean;

/** Wraps `net.Socket.prototype.connect`: a dial to anything but a loopback literal throws before a packet leaves; every dial is recorded. */
export function installTripwire(): Tripwire;
