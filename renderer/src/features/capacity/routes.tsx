/** The capacity feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const CapacityScreen = lazyScreen(() => import('./CapacityScreen'), 'CapacityScreen');

export const capacityScreens: ScreenTable<'capacity'> = {
  capacity: (r) => <CapacityScreen site={r.site} />,
};
