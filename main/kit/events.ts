/**
 * A domain's own events, by short name and typed by its event map: the inventory service calls
 * `deps.events.emit('changed', {...})` and every window receives `inventory.changed`. A domain
 * cannot emit another domain's events; it offers its events to other domains through its service.
 */
import type { z } from 'zod';
import type { EventMap } from './contract';

export interface DomainEvents<E extends EventMap> {
  emit<K extends keyof E & string>(name: K, payload: z.output<E[K]>): void;
  /** Send an event to one window only (CallContext.window.id), not to every window. */
  emitTo<K extends keyof E & string>(window: string, name: K, payload: z.output<E[K]>): void;
  /** Listen to one of this domain's own events; returns the function that stops listening. */
  on<K extends keyof E & string>(name: K, listener: (payload: z.output<E[K]>) => void): () => void;
}
