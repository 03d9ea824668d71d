import { InvalidLeadError } from '#core/errors.ts';

/** Runs a normaliser: its result, or undefined when it refuses the input as an invalid lead. */
export function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof InvalidLeadError)) throw error;
    return undefined;
  }
}
