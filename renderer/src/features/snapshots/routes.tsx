/** The snapshots feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const SnapshotsScreen = lazyScreen(() => import('./SnapshotsScreen'), 'SnapshotsScreen');

export const snapshotsScreens: ScreenTable<'snapshots'> = {
  snapshots: () => <SnapshotsScreen />,
};
