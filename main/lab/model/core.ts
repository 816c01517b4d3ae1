/**
 * What every subsystem of a simulated appliance shares: its state, its clock, its faults and its
 * log. `advance` brings the whole appliance up to now; LabAppliance supplies it, since it spans
 * subsystems (a boot that has finished, a drain that reached zero, fill bytes that arrived).
 */
import type { LogEntry } from '../../appliance/contract';
import type { Clock } from '../../kit/time';
import type { FaultId } from '../contract';
import type { SiteHook } from './site-serving';
import { iso, MAX_LOGS, type ApplianceState } from './state';

export class ApplianceCore {
  /** The appliance's site in a lab fleet (demand, peers); null alone (the reference agent, unit tests). */
  site: SiteHook | null = null;

  constructor(
    readonly state: ApplianceState,
    readonly clock: Clock,
    /** Bring the state up to now (set by LabAppliance); returns now. */
    readonly advance: (now?: number) => number,
  ) {}

  hasFault(fault: FaultId): boolean {
    return this.state.faults.includes(fault);
  }

  log(at: number, level: LogEntry['level'], component: string, message: string): void {
    const logs = this.state.logs;
    let i = logs.length;
    while (i > 0 && logs[i - 1]![0] > at) i--;
    logs.splice(i, 0, [at, level, component, message]);
    if (logs.length > MAX_LOGS) logs.splice(0, logs.length - MAX_LOGS);
  }

  logs(options: { since?: number; limit?: number } = {}): LogEntry[] {
    this.advance();
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const since = options.since ?? -Infinity;
    return this.state.logs
      .filter(([at]) => at >= since)
      .slice(-limit)
      .map(([at, level, component, message]) => ({ at: iso(at), level, component, message }));
  }
}

/** A part of the appliance model: reads and changes the shared state through the core. */
export abstract class Subsystem {
  constructor(protected readonly core: ApplianceCore) {}

  protected get state(): ApplianceState {
    return this.core.state;
  }

  protected advance(now?: number): number {
    return this.core.advance(now);
  }

  protected hasFault(fault: FaultId): boolean {
    return this.core.hasFault(fault);
  }

  protected log(at: number, level: LogEntry['level'], component: string, message: string): void {
    this.core.log(at, level, component, message);
  }
}
