/** The overview feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { OverviewScreen } from './OverviewScreen';

export const overviewScreens: ScreenTable<'overview'> = {
  overview: () => <OverviewScreen />,
};
