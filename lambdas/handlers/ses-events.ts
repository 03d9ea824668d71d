/**
 * Lambda handler for SES bounce and complaint events (an EventBridge rule's target): a thin
 * adapter over lambdas/core/sending/ses-events.ts. An event of another shape fails with a
 * ValidationError naming its fields; an event about a message no attempt records is logged and
 * acknowledged (retrying it would find nothing more).
 */
import { ZodError } from 'zod';
import { ValidationError } from '#core/errors.ts';
import { recordSesEvent, type SesEventOutcome } from '#core/sending/ses-events.ts';
import type { EdgeDeps } from '../cloud/composition.ts';
import { edgeHandler } from './runtime.ts';

export const makeHandler =
  (deps: EdgeDeps) =>
  async (event: unknown): Promise<SesEventOutcome> => {
    try {
      return await recordSesEvent({ sql: deps.sql, log: deps.log, now: deps.clock.now() }, event);
    } catch (error) {
      if (error instanceof ZodError) {
        throw new ValidationError('SES event', error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
      }
      throw error;
    }
  };

export const handler = edgeHandler(makeHandler, 'SesEvents');
