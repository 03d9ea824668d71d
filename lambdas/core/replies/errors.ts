/**
 * What reading an inbound mail can fail with. Names are API (the replies state machine routes on
 * them; an import lists them per file), so each subclass sets `name`.
 */
import { ProspectorError } from '../errors.ts';

/** A mail larger than the cap: refused before parsing, so one huge message cannot exhaust memory. */
export class MailTooLargeError extends ProspectorError {
  readonly source: string;
  readonly bytes: number;
  readonly limit: number;
  constructor(source: string, bytes: number, limit: number) {
    super(`${source}: the mail is ${bytes} bytes, over the ${limit}-byte limit for one inbound mail; it was not read`);
    this.name = 'MailTooLarge';
    this.source = source;
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** Bytes that are not a mail at all (no header block), or that the MIME parser rejects. */
export class MailUnreadableError extends ProspectorError {
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(`${source}: ${message}`, options);
    this.name = 'MailUnreadable';
    this.source = source;
  }
}
