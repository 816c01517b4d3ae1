/** The snapshots feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { SnapshotsScreen } from './SnapshotsScreen';

export const snapshotsScreens: ScreenTable<'snapshots'> = {
  snapshots: () => <SnapshotsScreen />,
};
