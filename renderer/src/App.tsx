/** The shell: top bar, navigation, connection banner, the current screen, toasts. */
import { useEffect, type MouseEvent } from 'react';
import { NavBar } from './ui/NavBar';
import { Toasts } from './ui/Toasts';
import { TopBar } from './ui/TopBar';
import type { Route } from './route';
import { ApplianceScreen } from './features/inventory/ApplianceScreen';
import { AppliancesScreen } from './features/inventory/AppliancesScreen';
import { AuditScreen } from './features/audit/AuditScreen';
import { ActionableScreen } from './features/health/ActionableScreen';
import { HealthScreen } from './features/health/HealthScreen';
import { HostKeysScreen } from './features/net/HostKeysScreen';
import { ImportExportScreen } from './features/inventory/ImportExportScreen';
import { JobScreen } from './features/jobs/JobScreen';
import { JobsScreen } from './features/jobs/JobsScreen';
import { OverviewScreen } from './features/overview/OverviewScreen';
import { SiteScreen } from './features/inventory/SiteScreen';
import { SitesScreen } from './features/inventory/SitesScreen';
import { useEngine } from './stores/engine';
import { followInventoryChanges } from './features/inventory/store';
import { followHealth } from './features/health/store';
import { followJobEvents } from './features/jobs/store';
import { followNetEvents } from './features/net/store';
import { useUi } from './stores/ui';

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
  useEffect(() => (connected ? followNetEvents() : undefined), [connected]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main" data-testid="skip-link" onClick={skipToMain}>
        Skip to content
      </a>
      <TopBar />
      <div className="banner-area">
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

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'overview':
      return <OverviewScreen />;
    case 'appliances':
      return <AppliancesScreen query={route.query} />;
    case 'appliance':
      return <ApplianceScreen key={route.serial} serial={route.serial} />;
    case 'sites':
      return <SitesScreen />;
    case 'site':
      return <SiteScreen key={route.code} code={route.code} />;
    case 'import':
      return <ImportExportScreen />;
    case 'audit':
      return <AuditScreen />;
    case 'health':
      return <HealthScreen status={route.status} />;
    case 'actionable':
      return <ActionableScreen />;
    case 'jobs':
      return <JobsScreen />;
    case 'job':
      return <JobScreen key={route.id} id={route.id} />;
    case 'hostkeys':
      return <HostKeysScreen />;
  }
}
