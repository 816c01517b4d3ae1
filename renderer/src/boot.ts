/**
 * What a window starts before React's first render, so the engine works while the page renders:
 * the session (before, it opened from an effect after the first render), and the moment it is up,
 * the first page of the screen the window opens on (the appliance table's first rows go out as the
 * session's first data request, not after the screen has rendered and mounted).
 */
import { useEngine } from './stores/engine';
import { useUi } from './stores/ui';
import { useInventory } from './features/inventory/store';
import type { Route } from './route';

/** Ask for the data the opening screen shows first; screens asking again later find it on its way. */
function prefetch(route: Route): void {
  if (route.name === 'appliances') useInventory.getState().setListQuery(route.query);
}

export function startSession(): Promise<void> {
  // Listeners run inside the store's set(), before React hears of the change and renders.
  const stop = useEngine.subscribe((s) => {
    if (!s.client) return;
    stop();
    prefetch(useUi.getState().route);
  });
  return useEngine.getState().connect();
}
