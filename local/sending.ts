/**
 * Runs statemachine/sending.asl.json once in-process, over the local runtime's dependencies and
 * a mailer: the same definition the cloud runs, bound to the same handler modules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps, MailDeps } from '#core/pipeline/deps.ts';
import type { Clock } from '#core/ports.ts';
import { countResponses, sendApprovedResponses, settleAbandonedResponses } from '#core/sending/reply-send.ts';
import type { SendSummary } from '#core/sending/send.ts';
import type { StepHandler } from '#handlers/runtime.ts';
import { executeLocally, type ExecuteOptions } from './state-machine.ts';

export const SENDING_ASL_PATH = join(import.meta.dirname, '..', 'statemachine', 'sending.asl.json');

/**
 * The clock of a local run given `--now`: it starts at that moment and moves with real time
 * (`follow`), or stands still (tests); a Wait state of the sending machine does not sleep but
 * moves it on to the moment waited for.
 */
export class SimulatedClock implements Clock {
  private offsetMs: number;
  private readonly standing: number;
  readonly simulatedFrom: Date;
  constructor(
    start: Date,
    private readonly options: { follow: boolean; realNow?: () => number } = { follow: true },
  ) {
    this.simulatedFrom = new Date(start);
    this.standing = this.real();
    this.offsetMs = start.getTime() - this.standing;
  }
  private real(): number {
    return (this.options.realNow ?? Date.now)();
  }
  now(): Date {
    return new Date((this.options.follow ? this.real() : this.standing) + this.offsetMs);
  }
  /** Moves the clock on to `at` (never back). */
  skipTo(at: Date): void {
    const ahead = at.getTime() - this.now().getTime();
    if (ahead > 0) this.offsetMs += ahead;
  }
}

export interface SendOnceOptions extends Pick<ExecuteOptions, 'onEvent' | 'retryIntervalOverrides' | 'signal'> {
  workspaceId: string;
  /** The clock for this execution: `--now` as a SimulatedClock (waits are skipped); default the real one (waits are real). */
  clock?: Clock;
  /** Shorthand for a SimulatedClock standing at this moment. */
  now?: Date;
  limit?: number;
  /** See SendBatchInput; a run holding the home lock passes 0 (the default here). */
  abandonedAfterSeconds?: number;
  /** Keep claiming for this long, waiting out the spacing between rounds (default 0: one round). */
  keepSendingSeconds?: number;
  wrap?: ExecuteOptions['wrap'];
  /**
   * Once aborted, the execution claims nothing more: the sends of the round in flight finish, and
   * a wait for the spacing between rounds ends at once (it does nothing; the rounds before it are
   * counted), with the counts so far.
   */
  stopAfterRound?: AbortSignal;
}

/** One execution of the sending machine; resolves to its counts. */
export async function sendOnce(deps: Deps, mail: MailDeps, options: SendOnceOptions): Promise<SendSummary> {
  const clock = options.clock ?? (options.now ? new SimulatedClock(options.now, { follow: false }) : deps.clock);
  const simulated = clock instanceof SimulatedClock ? clock : null;
  const withMail: Deps = { ...deps, mail, clock };
  const input = {
    workspaceId: options.workspaceId,
    // recorded in the execution's input; ClaimDue accepts it only from a simulated clock that started then
    ...(simulated ? { now: simulated.simulatedFrom.toISOString() } : {}),
    limit: options.limit ?? 25,
    abandonedAfterSeconds: options.abandonedAfterSeconds ?? 0,
    keepSendingSeconds: options.keepSendingSeconds ?? 0,
  };
  // On a simulated clock the Wait state passes at once and the clock jumps to the moment it waited for.
  const skipWaits = (state: string, fn: StepHandler): StepHandler =>
    state === 'ClaimDue' && simulated
      ? async (event) => {
          const next = (event as { totals?: { nextClaimAt?: string | null } }).totals?.nextClaimAt;
          if (next) simulated.skipTo(new Date(next));
          return fn(event);
        }
      : fn;
  // Once stopping: a round not yet claimed claims nothing, and the round in flight is the last.
  // Between rounds (FinishSend said `again`, the next ClaimDue has not begun) the execution only
  // waits out the spacing: a stop then abandons it, and its counts are FinishSend's last.
  const stop = options.stopAfterRound;
  // the counts of the rounds so far while the execution waits between rounds
  let between: SendSummary | undefined;
  let abandonedWith: SendSummary | undefined;
  const abandon = new AbortController();
  const stopBetweenRounds = () => {
    if (!between) return;
    abandonedWith = between;
    abandon.abort();
  };
  stop?.addEventListener('abort', stopBetweenRounds, { once: true });
  const stopping = (state: string, fn: StepHandler): StepHandler => {
    if (!stop) return fn;
    if (state === 'ClaimDue') {
      return async (event) => {
        between = undefined;
        if (!stop.aborted) return fn(event);
        const e = event as { batch: { workspaceId: string }; claimer: string; totals?: { startedAt?: string } };
        return { workspaceId: e.batch.workspaceId, claimer: e.claimer, abandoned: 0, messages: [], startedAt: e.totals?.startedAt ?? clock.now().toISOString() };
      };
    }
    if (state === 'FinishSend') {
      return async (event) => {
        const totals = (await fn(event)) as { again: boolean; summary: SendSummary };
        if (stop.aborted) return { ...totals, again: false };
        if (totals.again) between = totals.summary;
        return totals;
      };
    }
    return fn;
  };
  const wrap = (state: string, fn: StepHandler) => stopping(state, skipWaits(state, options.wrap ? options.wrap(state, fn) : fn));
  let summary: SendSummary;
  try {
    summary = (await executeLocally(withMail, input, {
      aslText: readFileSync(SENDING_ASL_PATH, 'utf8'),
      onEvent: options.onEvent,
      wrap,
      retryIntervalOverrides: options.retryIntervalOverrides,
      waitTimeOverrides: simulated ? { WaitForSpacing: 0 } : undefined,
      signal: options.signal ? AbortSignal.any([options.signal, abandon.signal]) : abandon.signal,
    })) as SendSummary;
  } catch (error) {
    // Abandoned while waiting between rounds: what was sent is counted; a caller's own abort stays an error.
    if (!abandonedWith || options.signal?.aborted) throw error;
    summary = abandonedWith;
  } finally {
    stop?.removeEventListener('abort', stopBetweenRounds);
  }
  // approved responses to replies go in their threads, after the outreach round (see reply-send.ts)
  if (summary.blocked) return summary;
  await settleAbandonedResponses(deps.sql, options.workspaceId, clock.now(), input.abandonedAfterSeconds);
  const outcomes = await sendApprovedResponses(
    { sql: deps.sql, mailer: mail.mailer, clock, log: deps.log, unsubscribe: mail.unsubscribe },
    options.workspaceId,
    options.limit ?? 25,
  );
  return { ...summary, responses: countResponses(outcomes) };
}
