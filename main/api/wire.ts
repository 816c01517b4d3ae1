/** Wire-level constants shared by both ends of a carrier (no schemas, safe for any window). */

/** The JSON-RPC notification method the engine uses for every event. */
export const EVENT_METHOD = 'event';

export interface EventEnvelope {
  name: string;
  payload: unknown;
}
