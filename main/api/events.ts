/** The engine's event bus: services emit typed events; every connected window receives them. */
import type { DomainEvents } from '../kit/events';
import type { EventContract, EventName, EventPayload } from './contract';

/** `to`: the one window the event is for (CallContext.window.id); undefined for every window. */
export type EventListener = (name: EventName, payload: unknown, to?: string) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<N extends EventName>(name: N, payload: EventPayload<N>, to?: string): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload, to);
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
      emitTo: (window, name, payload) => this.emit(`${prefix}${name}` as EventName, payload as never, window),
      on: (name, listener) =>
        this.subscribe((full, payload) => {
          if (full === `${prefix}${name}`) listener(payload as never);
        }),
    };
  }
}
