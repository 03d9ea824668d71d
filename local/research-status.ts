/** Moved to the core (the web app decides it the same way); kept here for the CLI's imports. */
export { reusedAsCurrent, unchangedSinceLabel } from '#core/views/research-status.ts';
