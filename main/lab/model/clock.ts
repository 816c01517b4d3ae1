/**
 * The lab's clock: real time, optionally faster. `speed` 60 makes a lab minute pass in a real
 * second, so a reboot or a fill window can be watched (or tested) quickly. By default it starts at
 * the real time, so at speed 1 it is just the wall clock. Processes that share a model (the agent's
 * ocactl and its HTTP daemon) build the same clock from the same (speed, labStart, realStart).
 */
import type { Clock } from '../../kit/time';

export class LabClock implements Clock {
  readonly realStart: number;
  readonly labStart: number;

  constructor(
    readonly speed = 1,
    private readonly real: Clock = { now: () => Date.now() },
    labStart?: number,
    realStart?: number,
  ) {
    if (!(speed > 0 && speed <= 100_000)) throw new RangeError('the lab clock speed is a number from just above 0 to 100000');
    this.realStart = realStart ?? real.now();
    this.labStart = labStart ?? this.realStart;
  }

  now(): number {
    return Math.floor(this.labStart + (this.real.now() - this.realStart) * this.speed);
  }

  /** Real milliseconds until `labMs` of lab time have passed. */
  realDelay(labMs: number): number {
    return Math.max(0, Math.ceil(labMs / this.speed));
  }
}
