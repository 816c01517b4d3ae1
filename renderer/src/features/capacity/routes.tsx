/** The capacity feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { CapacityScreen } from './CapacityScreen';

export const capacityScreens: ScreenTable<'capacity'> = {
  capacity: (r) => <CapacityScreen site={r.site} />,
};
