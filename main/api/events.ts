/** The engine's event bus: services emit typed events; every connected window receives them. */
import type { DomainEvents } from '../kit/events';
import type { EventContract, EventName, EventPayload } from './contract';

export type EventListener = (name: EventName, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<N extends EventName>(name: N, payload: EventPayload<N>): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch {
        // A window that fails to take an event must not break the service that emitted it.
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The emitter one domain gets: its own events only, by short name. */
  scoped<D extends keyof EventContract & string>(domain: D): DomainEvents<EventContract[D]> {
    const prefix = `${domain}.`;
    return {
      emit: (name, payload) => this.emit(`${prefix}${name}` as EventName, payload as never),
      on: (name, listener) =>
        this.subscribe((full, payload) => {
          if (full === `${prefix}${name}`) listener(payload as never);
        }),
    };
  }
}
