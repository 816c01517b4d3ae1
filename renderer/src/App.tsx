/** The shell: top bar, navigation, connection banner, the current screen, toasts. */
import { useEffect } from 'react';
import { NavBar } from './components/NavBar';
import { Toasts } from './components/Toasts';
import { TopBar } from './components/TopBar';
import type { Route } from './route';
import { ApplianceScreen } from './screens/ApplianceScreen';
import { AppliancesScreen } from './screens/AppliancesScreen';
import { AuditScreen } from './screens/AuditScreen';
import { ActionableScreen } from './screens/ActionableScreen';
import { HealthScreen } from './screens/HealthScreen';
import { HostKeysScreen } from './screens/HostKeysScreen';
import { ImportExportScreen } from './screens/ImportExportScreen';
import { JobScreen } from './screens/JobScreen';
import { JobsScreen } from './screens/JobsScreen';
import { OverviewScreen } from './screens/OverviewScreen';
import { SiteScreen } from './screens/SiteScreen';
import { SitesScreen } from './screens/SitesScreen';
import { useEngine } from './stores/engine';
import { followInventoryChanges } from './stores/inventory';
import { followHealth } from './stores/health';
import { followJobEvents } from './stores/jobs';
import { followNetEvents } from './stores/net';
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
      <main className="main" id="main">
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
