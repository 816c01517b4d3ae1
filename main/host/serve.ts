/**
 * `fleetdeck serve`: the engine with the file vault, behind the browser host, until SIGINT/SIGTERM.
 * The CLI calls runServe(); everything it needs to print goes through `print`.
 */
import { createEngine } from '../engine';
import { resolveDataDir } from '../store/data-dir';
import { openNodeVault } from '../vault/node-vault';
import { defaultRendererDir, startBrowserHost, type BrowserHost } from './browser-host';
import { logUnhandledRejections } from './process-guards';
import { openSnapshotEngine, type SnapshotEngine } from './snapshot-engine';
import type { SnapshotLeaver, SnapshotOpener } from '../snapshots/service';
import { FleetError } from '../kit/errors';

export interface ServeOptions {
  dataDir?: string;
  port?: number;
  host?: string;
  rendererDir?: string;
  print?: (line: string) => void;
  /** Resolves when the host should stop; by default the first SIGINT or SIGTERM. */
  until?: Promise<void>;
  /** Serve this snapshot file read-only instead of the data dir (docs/snapshots.md). */
  snapshot?: string;
}

function firstSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Runs the browser host; resolves with the exit code once it has stopped. */
export async function runServe(options: ServeOptions = {}): Promise<number> {
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const opened = options.snapshot ? openSnapshotEngine(options.snapshot, 'browser') : null;
  const dataDir = opened ? opened.info.file : resolveDataDir(options.dataDir);
  const vault = opened ? null : await openNodeVault(dataDir);
  // "Open snapshot…" in a window of the live fleet: the snapshot's own read-only engine behind a
  // second browser host on another loopback port (one at a time; opening another replaces it).
  let side: { snapshot: SnapshotEngine; host: BrowserHost } | null = null;
  const closeSide = async () => {
    const s = side;
    side = null;
    if (s) {
      s.snapshot.dispose();
      await s.host.close();
    }
  };
  // "Back to the live fleet" in the snapshot's window: this host's own URL (with its token).
  let liveUrl: string | null = null;
  const leaveSnapshot: SnapshotLeaver = () =>
    liveUrl ? Promise.resolve({ url: liveUrl, sameWindow: false }) : Promise.reject(new FleetError('E_UNAVAILABLE', 'The live fleet is not served yet; try again in a moment.'));
  const openSnapshot: SnapshotOpener = async (file) => {
    await closeSide();
    const snapshot = openSnapshotEngine(file, 'browser', undefined, leaveSnapshot);
    try {
      const host = await startBrowserHost({ engine: snapshot.engine, host: options.host, rendererDir: options.rendererDir ?? defaultRendererDir() });
      side = { snapshot, host };
      return { url: host.url, sameWindow: false, info: snapshot.info };
    } catch (err) {
      snapshot.dispose();
      throw err;
    }
  };
  const engine = opened?.engine ?? createEngine({ dataDir, host: 'browser', vault: vault!, openSnapshot });
  const closeEngine = () => {
    void closeSide();
    if (opened) opened.dispose();
    else engine.close();
  };
  // One stray rejection must not take every window's engine down with it.
  const stopGuard = logUnhandledRejections(() => engine.deps.log);
  let engineClosed = false;
  // Listen for Ctrl+C before the URL is printed, so a stop right after it still closes cleanly.
  const stopped = options.until ?? firstSignal();
  try {
    const host = await startBrowserHost({
      engine,
      port: options.port,
      host: options.host,
      rendererDir: options.rendererDir ?? defaultRendererDir(),
    });
    if (!opened) liveUrl = host.url;
    if (opened) {
      const s = opened.info;
      print(`Fleetdeck is serving the snapshot ${s.file} read-only at ${host.url}`);
      print(`Snapshot taken by ${s.takenBy} on ${s.hostName} (${s.dataDir}) at ${s.takenAt}: ${s.appliances} appliances${s.where ? `, where ${s.where}` : ''}. Every change is refused; nothing is polled.`);
    } else {
      print(`Fleetdeck is serving ${dataDir} at ${host.url}`);
      print(`Vault: ${vault!.describe()}`);
    }
    print('Open the URL above in a browser on this machine; press Ctrl+C to stop.');
    await stopped;
    // Close the engine first so every window receives system.shutdown before its socket goes.
    engineClosed = true;
    closeEngine();
    await host.close();
    return 0;
  } finally {
    if (!engineClosed) closeEngine();
    stopGuard();
  }
}
