/**
 * The names of everything that crosses between the shell, the preload and the page, in one place
 * (the preload lets only these through).
 */

/** IPC between the preload and the shell's main process. */
export const IPC = {
  /** preload → main: this window wants a fresh MessagePort to the engine. */
  wantPort: 'fleetdeck:want-port',
  /** main → preload: the window's port (in `event.ports[0]`). */
  port: 'fleetdeck:port',
  /** main → preload: the engine stopped, restarts or failed (EngineStatus). */
  engine: 'fleetdeck:engine',
} as const;

/** window.postMessage between the preload and the page (renderer/src/api/carrier.ts). */
export const PAGE = {
  wantPort: 'fleetdeck:want-port',
  port: 'fleetdeck:port',
  engine: 'fleetdeck:engine',
} as const;

export interface EngineStatus {
  state: 'stopped' | 'failed';
  message: string;
}

/** The app:// origin the renderer is served from. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'fleetdeck';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
