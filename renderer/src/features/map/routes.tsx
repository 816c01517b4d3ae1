/** The map feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { MapScreen } from './MapScreen';

export const mapScreens: ScreenTable<'map'> = {
  map: (r) => <MapScreen partner={r.partner} size={r.size} />,
};
