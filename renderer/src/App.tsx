/** The shell: top bar, navigation, connection banner, the current screen, toasts. */
import { Suspense, useEffect, type MouseEvent, type ReactElement } from 'react';
import { NavBar } from './ui/NavBar';
import { Toasts } from './ui/Toasts';
import { TopBar } from './ui/TopBar';
import type { Route, RouteName } from './route';
import type { ScreenTable } from './screen-table';
import { auditScreens } from './features/audit/routes';
import { healthScreens } from './features/health/routes';
import { inventoryScreens } from './features/inventory/routes';
import { jobsScreens } from './features/jobs/routes';
import { netScreens } from './features/net/routes';
import { fillsScreens } from './features/fills/routes';
import { overviewScreens } from './features/overview/routes';
import { mapScreens } from './features/map/routes';
import { capacityScreens } from './features/capacity/routes';
import { historyScreens } from './features/history/routes';
import { terminalScreens } from './features/terminal/routes';
import { followTerminalEvents } from './features/terminal/store';
import { provisioningScreens } from './features/provisioning/routes';
import { followProvisioning } from './features/provisioning/store';
import { snapshotsScreens } from './features/snapshots/routes';
import { SnapshotBanner } from './features/snapshots/SnapshotBanner';
import { useSnapshots } from './features/snapshots/store';
import { firmwareScreens } from './features/firmware/routes';
import { rolloutsScreens } from './features/rollouts/routes';
import { useEngine } from './stores/engine';
import { followInventoryChanges } from './features/inventory/store';
import { followHealth } from './features/health/store';
import { followJobEvents } from './features/jobs/store';
import { followNetEvents } from './features/net/store';
import { followDiagnostics } from './features/diagnostics/store';
import { followFirmwareEvents } from './features/firmware/store';
import { followRolloutEvents } from './features/rollouts/store';
import { useUi } from './stores/ui';
import { afterOpeningScreen, followAfterOpeningScreen } from './ui/opening-screen';

export function App() {
  const state = useEngine((s) => s.state);
  const message = useEngine((s) => s.message);
  const connected = useEngine((s) => s.client !== null);
  const route = useUi((s) => s.route);

  useEffect(() => {
    void useEngine.getState().connect();
  }, []);

  useEffect(() => {
    const sync = () => useUi.getState().syncFromLocation();
    window.addEventListener('hashchange', sync);
    window.addEventListener('popstate', sync);
    return () => {
      window.removeEventListener('hashchange', sync);
      window.removeEventListener('popstate', sync);
    };
  }, []);

  useEffect(() => (connected ? followInventoryChanges() : undefined), [connected]);
  useEffect(() => (connected ? followHealth() : undefined), [connected]);
  useEffect(() => (connected ? followJobEvents() : undefined), [connected]);
  // Host-key alerts and the snapshot banner wait for the opening screen's own data (ui/opening-screen.ts).
  useEffect(() => (connected ? followAfterOpeningScreen(followNetEvents) : undefined), [connected]);
  useEffect(() => (connected ? followTerminalEvents() : undefined), [connected]);
  useEffect(() => (connected ? followDiagnostics() : undefined), [connected]);
  useEffect(() => (connected ? followProvisioning() : undefined), [connected]);
  useEffect(() => {
    if (connected) afterOpeningScreen(() => void useSnapshots.getState().loadCurrent());
  }, [connected]);
  useEffect(() => (connected ? followFirmwareEvents() : undefined), [connected]);
  useEffect(() => (connected ? followRolloutEvents() : undefined), [connected]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main" data-testid="skip-link" onClick={skipToMain}>
        Skip to content
      </a>
      <TopBar />
      <div className="banner-area">
        <SnapshotBanner />
        {state === 'lost' && (
          <div className="banner" role="alert" data-testid="connection-lost">
            <span>{message ?? 'The connection to the engine was lost.'} Changes cannot be saved until it is back.</span>
            <button type="button" className="btn small" onClick={() => window.location.reload()}>
              Reconnect
            </button>
          </div>
        )}
      </div>
      <NavBar />
      <main className="main" id="main" tabIndex={-1}>
        {connected ? (
          <Screen route={route} />
        ) : state === 'failed' ? (
          <div className="page">
            <div className="card first-run" role="alert" data-testid="connection-failed">
              <h1>Cannot reach the engine</h1>
              <p>{message}</p>
              <div className="actions">
                <button type="button" className="btn primary" onClick={() => window.location.reload()}>
                  Try again
                </button>
              </div>
            </div>
          </div>
        ) : (
          <p className="center-note">Connecting to the engine…</p>
        )}
      </main>
      <Toasts />
    </div>
  );
}

/** Hash links are routes here, so the skip link moves focus itself instead of changing the hash. */
function skipToMain(e: MouseEvent<HTMLAnchorElement>) {
  e.preventDefault();
  document.getElementById('main')?.focus();
}

/** The route table, assembled from the features; a route with no screen does not compile. */
const SCREENS: ScreenTable<RouteName> = {
  ...overviewScreens,
  ...inventoryScreens,
  ...auditScreens,
  ...healthScreens,
  ...jobsScreens,
  ...netScreens,
  ...mapScreens,
  ...capacityScreens,
  ...historyScreens,
  ...terminalScreens,
  ...provisioningScreens,
  ...snapshotsScreens,
  ...fillsScreens,
  ...firmwareScreens,
  ...rolloutsScreens,
};

function Screen({ route }: { route: Route }) {
  // The table is keyed by route name, so the screen found takes this route's own shape.
  const screen = SCREENS[route.name] as (r: Route) => ReactElement;
  // Most screens load their code when first shown (ui/lazy-screen.ts).
  return <Suspense fallback={<p className="center-note">Loading…</p>}>{screen(route)}</Suspense>;
}
