/**
 * Errors of the outreach aggregates. Names are API (a step's `Catch`, the CLI's exit code and
 * the web app match on them); every message names the sequence or message and says what to do.
 */
import { ProspectorError } from '../errors.ts';

/** A sequence asked to move between two statuses its lifecycle does not connect. */
export class IllegalTransitionError extends ProspectorError {
  readonly sequenceId: string;
  readonly from: string;
  readonly to: string;
  constructor(sequenceId: string, from: string, to: string, hint = '') {
    super(`sequence ${sequenceId} cannot go from ${from} to ${to}${hint ? `: ${hint}` : ''}`);
    this.name = 'IllegalTransition';
    this.sequenceId = sequenceId;
    this.from = from;
    this.to = to;
  }
}

/** An approval the review rules refuse: a blocked or unchecked message, or flags without a reason. */
export class ApprovalRefusedError extends ProspectorError {
  readonly sequenceId: string;
  constructor(sequenceId: string, message: string) {
    super(message);
    this.name = 'ApprovalRefused';
    this.sequenceId = sequenceId;
  }
}

/** An edit that cannot be applied (frozen sequence, empty body, a subject on a LinkedIn step). */
export class EditRefusedError extends ProspectorError {
  readonly messageId: string;
  constructor(messageId: string, message: string) {
    super(message);
    this.name = 'EditRefused';
    this.messageId = messageId;
  }
}
