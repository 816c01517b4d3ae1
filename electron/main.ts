/**
 * The desktop shell: lifecycle, the window, the app:// protocol, the keychain half of the vault,
 * and the engine in its utility process. Thin on purpose; the engine does the work.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron';
import { applicationMenu, chosenFile, SNAPSHOT_DIALOG, windowTitle } from '../main/host/desktop-snapshot';
import type { ShownSnapshot } from '../main/host/shell-protocol';
import { registerAppScheme, serveAppProtocol } from './app-protocol';
import { IPC, type EngineStatus } from './channels';
import { EngineProcess } from './engine-process';
import { hardenSession, hardenWebContents, isTrustedSender } from './hardening';
import { createMainWindow } from './main-window';

const here = import.meta.dirname;
const RENDERER_DIR = join(here, '../renderer');
const PRELOAD = join(here, '../preload/index.js');
const ENGINE_ENTRY = join(here, 'engine.js');

let mainWindow: BrowserWindow | null = null;
let engine: EngineProcess | null = null;
/** What the windows show: the live fleet (null) or a snapshot read-only ("Open Snapshot…"). */
let shown: ShownSnapshot | null = null;

function showMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      applicationMenu(shown, {
        openSnapshot: () => void chooseSnapshot(),
        backToLive: () => engine?.openLive(),
      }),
    ),
  );
  for (const window of BrowserWindow.getAllWindows()) window.setTitle(windowTitle(shown));
}

async function chooseSnapshot(): Promise<void> {
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, SNAPSHOT_DIALOG) : await dialog.showOpenDialog(SNAPSHOT_DIALOG);
  const file = chosenFile(result);
  if (file) engine?.openSnapshot(file);
}

function tellWindows(status: EngineStatus): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send(IPC.engine, status);
}

function openWindow(): void {
  mainWindow = createMainWindow(PRELOAD);
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

function actor(): string {
  try {
    return `desktop:${userInfo().username}`;
  } catch {
    return 'desktop:unknown';
  }
}

async function start(): Promise<void> {
  await app.whenReady();
  hardenSession(session.defaultSession);
  serveAppProtocol(RENDERER_DIR);

  engine = new EngineProcess({
    modulePath: ENGINE_ENTRY,
    dataDir: app.getPath('userData'),
    actor: actor(),
    onStopped: (message) => tellWindows({ state: 'stopped', message }),
    onReady: (restarted) => {
      // A restarted engine has none of the old sessions: each window reloads and connects afresh
      // (to the live fleet: a snapshot shown before is not reopened).
      if (restarted) {
        shown = null;
        showMenu();
        for (const window of BrowserWindow.getAllWindows()) window.webContents.reload();
      }
    },
    onShowing: (snapshot) => {
      shown = snapshot;
      showMenu();
      for (const window of BrowserWindow.getAllWindows()) window.webContents.reload();
    },
    onSnapshotRefused: (message) => {
      dialog.showErrorBox('Fleetdeck cannot open that snapshot', message);
    },
    onFailed: (message) => {
      tellWindows({ state: 'failed', message });
      dialog.showErrorBox('Fleetdeck cannot run its engine', message);
      app.quit();
    },
  });
  engine.start();

  ipcMain.on(IPC.wantPort, (event) => {
    if (!isTrustedSender(event) || !engine) return;
    const contents = event.sender;
    engine.attachWindow(contents.id, (port) => contents.postMessage(IPC.port, null, [port]));
  });

  showMenu();
  openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
}

// FLEETDECK_DATA_DIR moves the data (and Chromium's profile) elsewhere, as for the CLI; tests use it.
const dataDirOverride = process.env['FLEETDECK_DATA_DIR'];
if (dataDirOverride) {
  const dir = resolve(dataDirOverride);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  app.setPath('userData', dir);
}

registerAppScheme();
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Let the engine close its database before the app goes.
  let engineStopped = false;
  app.on('will-quit', (event) => {
    if (!engine || engineStopped) return;
    event.preventDefault();
    engineStopped = true;
    void engine.stop().then(() => app.quit());
  });
  start().catch((err: unknown) => {
    dialog.showErrorBox('Fleetdeck could not start', err instanceof Error ? err.message : String(err));
    app.quit();
  });
}
