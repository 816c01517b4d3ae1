/** The map feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const MapScreen = lazyScreen(() => import('./MapScreen'), 'MapScreen');

export const mapScreens: ScreenTable<'map'> = {
  map: (r) => <MapScreen partner={r.partner} size={r.size} />,
};
