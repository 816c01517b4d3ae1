/**
 * The opening screen's own data first. A window that opens on the appliance table asks for what
 * the rest of the window shows (filter facets, fleet totals, engine info, host-key alerts, the
 * snapshot banner) once the table's first rows have been painted, so those replies do not land
 * and re-render the screen while the rows are being drawn (docs/first-render.md). On any other
 * opening screen nothing waits.
 */
let release: (() => void) | null = null;
const shown = new Promise<void>((resolve) => (release = resolve));
let held = false;

/** The opening screen has data of its own to show first (boot.ts, before the session is up). */
export function holdForOpeningScreen(): void {
  held = true;
}

/** The opening screen has shown its data (or could not): what waited goes now. */
export function openingScreenShown(): void {
  release?.();
  release = null;
}

/** Runs `run` once the opening screen has shown its data; at once when nothing is held. */
export function afterOpeningScreen(run: () => void): void {
  if (!held || release === null) run();
  else void shown.then(run);
}

/** `follow` (subscribe and load, returning the unsubscribe) once the opening screen has shown its data. */
export function followAfterOpeningScreen(follow: () => () => void): () => void {
  let stop: (() => void) | null = null;
  let ended = false;
  afterOpeningScreen(() => {
    if (!ended) stop = follow();
  });
  return () => {
    ended = true;
    stop?.();
  };
}
