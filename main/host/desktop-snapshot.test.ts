/** The desktop menu's snapshot items and the window title follow what the windows show. */
import { describe, expect, it } from 'vitest';
import { applicationMenu, BACK_TO_LIVE_LABEL, chosenFile, OPEN_SNAPSHOT_LABEL, windowTitle, type MenuEntry } from './desktop-snapshot';
import type { ShownSnapshot } from './shell-protocol';

const SHOWN: ShownSnapshot = { file: '/tmp/a.fdsnap', takenBy: 'cli:alice', takenAt: '2026-12-04T10:00:00.000Z', hostName: 'lab-7' };
const item = (menu: MenuEntry[], label: string) => menu.flatMap((m) => m.submenu ?? []).find((m) => m.label === label)!;

describe('"Open Snapshot…" in the desktop menu', () => {
  it('offers to open a snapshot always, and to go back only while one is shown', () => {
    const calls: string[] = [];
    const actions = { openSnapshot: () => calls.push('open'), backToLive: () => calls.push('back') };
    const live = applicationMenu(null, actions, 'linux');
    expect(item(live, OPEN_SNAPSHOT_LABEL)).toMatchObject({ accelerator: 'CmdOrCtrl+O' });
    expect(item(live, BACK_TO_LIVE_LABEL).enabled).toBe(false);
    expect(item(applicationMenu(SHOWN, actions, 'linux'), BACK_TO_LIVE_LABEL).enabled).toBe(true);
    item(live, OPEN_SNAPSHOT_LABEL).click!();
    item(applicationMenu(SHOWN, actions, 'linux'), BACK_TO_LIVE_LABEL).click!();
    expect(calls).toEqual(['open', 'back']);
    // Edit keeps copy and paste (the terminal needs them); macOS has its app menu and quits there.
    expect(live.map((m) => m.role ?? m.label)).toEqual(['File', 'editMenu', 'viewMenu', 'windowMenu']);
    expect(applicationMenu(null, actions, 'darwin').map((m) => m.role ?? m.label)).toEqual(['appMenu', 'File', 'editMenu', 'viewMenu', 'windowMenu']);
  });

  it('titles the window with whose snapshot of when, and takes only a chosen file', () => {
    expect(windowTitle(null)).toBe('Fleetdeck');
    expect(windowTitle(SHOWN)).toBe('Fleetdeck: snapshot by cli:alice of lab-7, 2026-12-04T10:00:00.000Z (read-only)');
    expect(chosenFile({ canceled: true, filePaths: ['/x'] })).toBeNull();
    expect(chosenFile({ canceled: false, filePaths: [] })).toBeNull();
    expect(chosenFile({ canceled: false, filePaths: ['/x.fdsnap'] })).toBe('/x.fdsnap');
  });
});
