/**
 * The `Log` port on Powertools Logger (structured JSON to CloudWatch, Lambda context keys,
 * level from `POWERTOOLS_LOG_LEVEL`). Everything passes through the core's `redact()` first,
 * exactly as the local JSON logger does: lead emails are masked and secret-looking keys dropped
 * before a line is written.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { redact } from '#core/log.ts';
import type { Log } from '#core/ports.ts';

export interface PowertoolsLogOptions {
  /** Default: a new Logger for `serviceName`. */
  logger?: Logger;
  serviceName?: string;
}

/** A `Log` writing through Powertools Logger, redacted. */
export class PowertoolsLog implements Log {
  readonly logger: Logger;

  constructor(options: PowertoolsLogOptions = {}) {
    this.logger = options.logger ?? new Logger({ serviceName: options.serviceName ?? 'prospector' });
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.logger.debug(...this.#args(message, extra));
  }

  info(message: string, extra?: Record<string, unknown>): void {
    this.logger.info(...this.#args(message, extra));
  }

  warn(message: string, extra?: Record<string, unknown>): void {
    this.logger.warn(...this.#args(message, extra));
  }

  error(message: string, extra?: Record<string, unknown>): void {
    this.logger.error(...this.#args(message, extra));
  }

  #args(message: string, extra?: Record<string, unknown>): [string, ...Record<string, unknown>[]] {
    const text = redact(message) as string;
    return extra ? [text, redact(extra) as Record<string, unknown>] : [text];
  }
}
