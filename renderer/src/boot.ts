/**
 * What a window starts before React's first render, so the engine works while the page renders:
 * the session (before, it opened from an effect after the first render), and the moment it is up,
 * the first page of the screen the window opens on (the appliance table's first rows go out as the
 * session's first data request, not after the screen has rendered and mounted; in the browser host
 * the page's early script has usually asked for them already, api/early.ts). The rest of the window's
 * data waits until those rows are painted (ui/opening-screen.ts).
 */
import { useEngine } from './stores/engine';
import { useUi } from './stores/ui';
import { useInventory } from './features/inventory/store';
import type { Route } from './route';
import { BOOT_MARKS, whenMarked } from './ui/boot-marks';
import { holdForOpeningScreen, openingScreenShown } from './ui/opening-screen';
import { preloadOverviewScreen } from './features/overview/routes';

/** A table whose first page came but shows no rows (no room on screen) lets the rest go after this. */
const SHOWN_FALLBACK_MS = 1_000;

/** Ask for the data the opening screen shows first; screens asking again later find it on its way. */
function prefetch(route: Route): void {
  if (route.name === 'appliances') useInventory.getState().setListQuery(route.query);
}

/**
 * On the appliance table, the rest of the window's data waits for its first rows painted, for its
 * first page failing or matching nothing, or for the user leaving the table, whichever comes first.
 */
function holdForFirstRows(route: Route): void {
  if (route.name !== 'appliances') return;
  holdForOpeningScreen();
  let fallback: ReturnType<typeof setTimeout> | null = null;
  const stops: (() => void)[] = [];
  const shown = () => {
    stops.forEach((stop) => stop());
    if (fallback) clearTimeout(fallback);
    openingScreenShown();
  };
  whenMarked(BOOT_MARKS.firstRows, shown);
  stops.push(
    useInventory.subscribe(({ list }) => {
      if (list.error !== null || list.total === 0) shown();
      else if (list.total !== null) fallback ??= setTimeout(shown, SHOWN_FALLBACK_MS);
    }),
    useUi.subscribe(({ route: now }) => {
      if (now.name !== 'appliances') shown();
    }),
  );
}

export function startSession(): Promise<void> {
  const opening = useUi.getState().route;
  holdForFirstRows(opening);
  // Screens load their code when shown (ui/lazy-screen.ts); the overview, a window's default, starts now.
  if (opening.name === 'overview') preloadOverviewScreen();
  // Listeners run inside the store's set(), before React hears of the change and renders.
  const stop = useEngine.subscribe((s) => {
    if (!s.client) return;
    stop();
    prefetch(useUi.getState().route);
  });
  return useEngine.getState().connect();
}
