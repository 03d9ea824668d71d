/**
 * Errors of the outreach aggregates. Names are API (a step's `Catch`, the CLI's exit code and
 * the web app match on them); every message names the sequence or message and says what to do.
 */
import { IllegalTransitionError as StatusTransitionError, ProspectorError } from '../errors.ts';

/** A sequence asked to move between two statuses its lifecycle does not connect (the core's error, naming the sequence). */
export class IllegalTransitionError extends StatusTransitionError {
  readonly sequenceId: string;
  constructor(sequenceId: string, from: string, to: string, hint = '') {
    super(`sequence ${sequenceId}`, from, to, hint);
    this.sequenceId = sequenceId;
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
