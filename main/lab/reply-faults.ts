/**
 * Faults that bend a reply on its way out, shared by ocactl and the HTTP API: malformed JSON,
 * oversized bodies and slow answers. Connection faults (stall, unreachable, drop) live with the
 * servers that own the sockets.
 */
import { MAX_REPLY_BYTES } from '../appliance/contract';
import type { FaultId } from './contract';

/** How long `slow` holds each reply, in real milliseconds (the lab may shorten it for tests). */
export const DEFAULT_SLOW_DELAY_MS = 4000;

let padding: string | null = null;
/** A string longer than any reply the API allows, built once and shared. */
function oversizedPadding(): string {
  padding ??= 'x'.repeat(MAX_REPLY_BYTES + 1024 * 1024);
  return padding;
}

/** Apply reply faults to a JSON text: `malformed` cuts it mid-value, `oversized` pads it past the limit. */
export function bendReply(json: string, faults: readonly FaultId[]): string {
  if (faults.includes('malformed')) return json.slice(0, Math.max(1, Math.floor(json.length / 2))) + '\u001f';
  if (faults.includes('oversized')) return json.slice(0, -1) + `,"padding":"${oversizedPadding()}"}`;
  return json;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
