/** Product name, the state of the connection to the engine, and the theme switch. */
import { useEngine, type ConnectionState } from '../stores/engine';
import { useUi, type ThemeChoice } from '../stores/ui';

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  lost: 'Connection lost',
  failed: 'Not connected',
};

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const THEME_TEXT: Record<ThemeChoice, string> = { system: 'Theme: auto', light: 'Theme: light', dark: 'Theme: dark' };

export function TopBar() {
  const state = useEngine((s) => s.state);
  const info = useEngine((s) => s.info);
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  const where = info ? (info.host === 'browser' ? 'browser host' : info.host) : null;
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        Fleetdeck
      </div>
      <div className="spacer" />
      <span className="conn" data-state={state} data-testid="connection-state" title={info ? `Data: ${info.dataDir}` : undefined}>
        <span className="conn-dot" aria-hidden="true" />
        {STATE_TEXT[state]}
        {state === 'connected' && where ? ` · ${where}` : ''}
      </span>
      <button
        type="button"
        className="btn small"
        data-testid="theme-toggle"
        onClick={() => setTheme(NEXT_THEME[theme])}
        title="Switch between automatic, light and dark"
      >
        {THEME_TEXT[theme]}
      </button>
    </header>
  );
}
