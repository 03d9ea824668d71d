/**
 * Progress of a run, fed from the interpreter's event log. On a terminal it redraws one line;
 * otherwise it prints a plain line when something changed, at most every few seconds. The line
 * counts what this run did with each lead (researched, skipped, failed), the way the run's
 * summary does: a lead whose research was reused unchanged is skipped here too, not researched.
 * Once ListRunLeads has run it shows how many of the run's leads are done, and it always shows
 * the elapsed time, so a long run on a rate-limited key does not look stuck.
 */
type Outcome = 'searched' | 'researched' | 'skipped' | 'failed';

/** The outcome a state's exit records, from the state's output (its ResultPath field). */
function outcomeOf(name: string, output: unknown): Outcome | undefined {
  const o = (output ?? {}) as { fetch?: { skipped?: boolean }; research?: { skipped?: boolean }; commit?: { status?: string } };
  switch (name) {
    case 'SearchLeads':
      return 'searched';
    case 'FetchSite':
      return o.fetch?.skipped === true ? 'skipped' : undefined;
    case 'ResearchLead':
      return o.research?.skipped === true ? 'skipped' : undefined;
    case 'CommitResearch':
      // Committed with too little evidence is a skip ("not enough evidence"), as in the summary.
      return o.commit?.status === 'skipped' ? 'skipped' : 'researched';
    case 'RecordFailure':
      return 'failed';
    default:
      return undefined;
  }
}

export interface ProgressEvent {
  type: string;
  state?: { name: string; output?: unknown };
}

export interface Progress {
  onEvent(event: ProgressEvent): void;
  done(): void;
  counts(): Record<string, number>;
}

export interface ProgressOptions {
  intervalMs?: number;
  /** Leads the run will process, when the caller knows it better than the event log. */
  total?: () => number;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

/** `83 s`, `4m05s`, `1h02m`: short enough for one terminal line. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 100) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The lead count ListRunLeads reported, from its state output (`$.leads.count`). */
function leadCountOf(output: unknown): number | undefined {
  const leads = (output as { leads?: { count?: unknown } } | undefined)?.leads;
  return typeof leads?.count === 'number' ? leads.count : undefined;
}

/** A progress reporter writing to `stream` (stderr by default, so stdout stays parseable). */
export function progress(stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): Progress {
  const counts: Record<Outcome, number> = { searched: 0, researched: 0, skipped: 0, failed: 0 };
  const tty = Boolean(stream.isTTY);
  const intervalMs = options.intervalMs ?? (tty ? 100 : 5000);
  const now = options.now ?? Date.now;
  const started = now();
  let last = 0;
  let dirty = false;
  let listed: number | undefined;
  let leadsDone = 0;
  let rateLimitWaits = 0;

  const line = () => {
    const total = options.total?.() ?? listed;
    const parts: string[] = [];
    if (total !== undefined) parts.push(`leads ${leadsDone}/${total}`);
    // Searches matter until the leads are listed; then what happened to them does.
    if (total === undefined) parts.push(`searched ${counts.searched}`);
    parts.push(...(['researched', 'skipped', 'failed'] as const).map((k) => `${k} ${counts[k]}`));
    if (rateLimitWaits > 0) parts.push(`rate-limit waits ${rateLimitWaits}`);
    parts.push(formatElapsed(now() - started));
    return parts.join(' · ');
  };
  const flush = (force = false) => {
    const t = now();
    if (!dirty || (!force && t - last < intervalMs)) return;
    last = t;
    dirty = false;
    if (tty) stream.write(`\r\x1b[2K${line()}`);
    else stream.write(`progress: ${line()}\n`);
  };
  return {
    onEvent(event) {
      if (!event.state) return;
      const name = event.state.name;
      if (event.type === 'StateEntered' && name === 'WaitForRateLimit') {
        rateLimitWaits++;
        dirty = true;
      } else if (event.type === 'StateExited') {
        if (name === 'ListRunLeads') {
          listed = leadCountOf(event.state.output) ?? listed;
          dirty = true;
        } else if (name === 'LeadDone') {
          leadsDone++;
          dirty = true;
        }
        const outcome = outcomeOf(name, event.state.output);
        if (outcome) {
          counts[outcome]++;
          dirty = true;
        }
      }
      flush();
    },
    done() {
      dirty = true;
      flush(true);
      if (tty) stream.write('\n');
    },
    counts: () => ({ ...counts }),
  };
}
