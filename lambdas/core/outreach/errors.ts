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

/**
 * An approval the review rules refuse: a blocked or unchecked message, or flags without a reason.
 * `web` says the same to someone at the draft's card in the web app, where the draft is on the
 * screen and the way on is a field or a button there, not a command (the message otherwise).
 */
export class ApprovalRefusedError extends ProspectorError {
  readonly sequenceId: string;
  readonly web: string;
  constructor(sequenceId: string, message: string, web?: string) {
    super(message);
    this.name = 'ApprovalRefused';
    this.sequenceId = sequenceId;
    this.web = web ?? message;
  }
}

/** An edit that cannot be applied (frozen sequence, empty body, a subject on a LinkedIn step). */
export class EditRefusedError extends ProspectorError {
  readonly messageId: string;
  /** the same for the web app's editor (see `ApprovalRefusedError.web`) */
  readonly web: string;
  constructor(messageId: string, message: string, web?: string) {
    super(message);
    this.name = 'EditRefused';
    this.messageId = messageId;
    this.web = web ?? message;
  }
}
