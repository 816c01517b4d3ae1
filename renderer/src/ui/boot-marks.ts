/**
 * Where a window's first screen spends its time, as User Timing marks (`performance.mark`) that
 * anyone can read in the devtools' Performance panel or with `performance.getEntriesByType('mark')`;
 * `npm run bench:render` reads them to break the first render of the appliance table down.
 * Each mark is set once per page load; marks cost nothing worth a flag.
 */
export const BOOT_MARKS = {
  /** The renderer's script has been fetched, parsed and run up to its entry (main.tsx). */
  script: 'fleetdeck:script-run',
  /** The session with the engine is up (WebSocket open or MessagePort received). */
  session: 'fleetdeck:session-up',
  /** The first page of the appliance list has arrived. */
  firstPage: 'fleetdeck:first-page',
  /** The first appliance rows have been painted (the frame after React committed them). */
  firstRows: 'fleetdeck:first-rows',
} as const;

export type BootMark = (typeof BOOT_MARKS)[keyof typeof BOOT_MARKS];

const done = new Set<BootMark>();
const waiting = new Map<BootMark, (() => void)[]>();

/** Sets the mark unless this page load has already set it. */
export function markOnce(name: BootMark): void {
  if (done.has(name) || typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  done.add(name);
  performance.mark(name);
  for (const run of waiting.get(name) ?? []) run();
  waiting.delete(name);
}

/** Runs `run` when the mark is set (at once if it already is). */
export function whenMarked(name: BootMark, run: () => void): void {
  if (done.has(name)) run();
  else waiting.set(name, [...(waiting.get(name) ?? []), run]);
}

/** Sets the mark after the browser has painted the frame that is being prepared now. */
export function markAfterPaint(name: BootMark): void {
  // Typed here, not from the DOM library: bench/ (Node) reads BOOT_MARKS from this module too.
  const frame = (globalThis as { requestAnimationFrame?: (run: () => void) => number }).requestAnimationFrame;
  if (done.has(name) || typeof frame !== 'function') return;
  frame(() => setTimeout(() => markOnce(name), 0));
}
