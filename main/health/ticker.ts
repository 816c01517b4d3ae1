/**
 * The monitor's interval timer, injected like the clock: the engine uses real timers, tests fire
 * ticks by hand so sweeps happen exactly when a test says.
 */
export interface Ticker {
  /** Call `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

export const systemTicker: Ticker = {
  every(ms, fn) {
    const handle = setInterval(fn, ms);
    return () => clearInterval(handle);
  },
};

/** A ticker tests drive: `tick()` fires every registered interval once. */
export class ManualTicker implements Ticker {
  private readonly entries = new Set<{ ms: number; fn: () => void }>();

  every(ms: number, fn: () => void): () => void {
    const entry = { ms, fn };
    this.entries.add(entry);
    return () => this.entries.delete(entry);
  }

  /** Intervals registered now, in milliseconds. */
  intervals(): number[] {
    return [...this.entries].map((e) => e.ms);
  }

  tick(): void {
    for (const entry of [...this.entries]) entry.fn();
  }
}
