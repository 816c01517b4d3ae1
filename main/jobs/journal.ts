/**
 * A job's results, journaled in small batches: one SQLite transaction per batch instead of one
 * per appliance. A batch is written when it reaches `maxBatch` results or `maxDelayMs` after its
 * first one arrived, whichever comes first, and whenever the owner calls flush() (job end,
 * cancel, shutdown).
 *
 * The promise to the user is unchanged where it matters: a result is announced (event, counts)
 * only after the transaction that holds it has committed, so nothing reported can be lost, and
 * cancel and shutdown flush before they return. What a crash can lose is at most one batch of
 * results that were never reported; those rows stay `running`, are marked interrupted at the
 * next start ("may or may not have run") and retry offers them again.
 */
export interface JournalOptions {
  maxBatch: number;
  maxDelayMs: number;
}

export const JOURNAL_DEFAULTS: JournalOptions = { maxBatch: 50, maxDelayMs: 20 };

export class ResultJournal<T> {
  private batch: T[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Writes the batch durably (one transaction); throws if it could not. */
    private readonly write: (batch: readonly T[]) => void,
    /** Tells the world about results that are now durable. */
    private readonly announce: (batch: readonly T[]) => void,
    /** A timed flush that failed: the batch is kept and written by the next flush. */
    private readonly onTimedFlushError: (err: unknown) => void,
    private readonly options: JournalOptions = JOURNAL_DEFAULTS,
  ) {}

  /** Results waiting for their transaction. */
  get pending(): number {
    return this.batch.length;
  }

  add(entry: T): void {
    this.batch.push(entry);
    if (this.batch.length >= this.options.maxBatch) this.flush();
    else
      this.timer ??= setTimeout(() => {
        this.timer = null;
        try {
          this.flush();
        } catch (err) {
          this.onTimedFlushError(err);
        }
      }, this.options.maxDelayMs);
  }

  /** Write everything waiting now, then announce it. Throws (keeping the batch) if the write fails. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.write(batch);
    this.batch = [];
    this.announce(batch);
  }

  /** Stop the timer without writing (the owner has flushed, or the database is gone). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * "Running" marks (a step about to act), journaled before each appliance is contacted; the
 * appliances that start in the same turn of the event loop (the first wave of a job, and the
 * workers freed by one read of replies) share one transaction. mark() resolves with the time
 * written, or null when the job stopped before the mark was written (the appliance stays pending
 * and is not contacted).
 */
export class StartJournal<T = string> {
  private waiting: Array<{ entry: T; resolve: (at: string | null) => void; reject: (err: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    /** Writes the marks in one transaction at the given time; throws if it could not. */
    private readonly write: (entries: readonly T[]) => string,
    /** True once the job must not contact more appliances (cancelled, shutting down). */
    private readonly halted: () => boolean,
  ) {}

  mark(entry: T): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ entry, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.writeWaiting());
      }
    });
  }

  private writeWaiting(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    if (this.halted()) {
      for (const w of batch) w.resolve(null);
      return;
    }
    let at: string;
    try {
      at = this.write(batch.map((w) => w.entry));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) w.resolve(at);
  }
}
