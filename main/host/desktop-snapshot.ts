/**
 * "Open Snapshot…" in the desktop app, the parts that need no Electron (electron/main.ts wires them):
 * the application menu as plain data, the file dialog's options and the window title, each from
 * what the windows show (the live fleet, or a snapshot read-only). The switch itself happens in the
 * engine's utility process (utility-engine.ts: `open-snapshot`, `open-live`, `showing`).
 */
import type { ShownSnapshot } from './shell-protocol';

/** The part of Electron's MenuItemConstructorOptions used here (these roles are Electron's own). */
export interface MenuEntry {
  label?: string;
  role?: 'appMenu' | 'editMenu' | 'viewMenu' | 'windowMenu' | 'quit';
  type?: 'separator';
  accelerator?: string;
  enabled?: boolean;
  click?: () => void;
  submenu?: MenuEntry[];
  id?: string;
}

export interface SnapshotMenuActions {
  openSnapshot(): void;
  backToLive(): void;
}

export const OPEN_SNAPSHOT_LABEL = 'Open Snapshot…';
export const BACK_TO_LIVE_LABEL = 'Back to the Live Fleet';

/** The application menu: File (open a snapshot, back to the live fleet, quit), Edit, View, Window. */
export function applicationMenu(shown: ShownSnapshot | null, actions: SnapshotMenuActions, platform: NodeJS.Platform = process.platform): MenuEntry[] {
  const file: MenuEntry = {
    label: 'File',
    submenu: [
      { id: 'open-snapshot', label: OPEN_SNAPSHOT_LABEL, accelerator: 'CmdOrCtrl+O', click: () => actions.openSnapshot() },
      { id: 'back-to-live', label: BACK_TO_LIVE_LABEL, enabled: shown !== null, click: () => actions.backToLive() },
      ...(platform === 'darwin' ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
    ],
  };
  return [...(platform === 'darwin' ? [{ role: 'appMenu' as const }] : []), file, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }];
}

/** The file dialog's options (Electron's OpenDialogOptions). */
export const SNAPSHOT_DIALOG = {
  title: 'Open a Fleetdeck snapshot (read-only)',
  buttonLabel: 'Open read-only',
  filters: [
    { name: 'Fleetdeck snapshots', extensions: ['fdsnap', 'sqlite', 'db'] },
    { name: 'All files', extensions: ['*'] },
  ],
  properties: ['openFile' as const],
};

/** The window title: says so when a window shows a snapshot. */
export function windowTitle(shown: ShownSnapshot | null): string {
  return shown ? `Fleetdeck: snapshot by ${shown.takenBy} of ${shown.hostName}, ${shown.takenAt} (read-only)` : 'Fleetdeck';
}

/** The file the dialog chose, or null (cancelled, nothing chosen). */
export function chosenFile(result: { canceled: boolean; filePaths: readonly string[] }): string | null {
  return !result.canceled && result.filePaths[0] ? result.filePaths[0] : null;
}
