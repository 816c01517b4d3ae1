/** The fills feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const FillsScreen = lazyScreen(() => import('./FillsScreen'), 'FillsScreen');

export const fillsScreens: ScreenTable<'fills'> = {
  fills: (r) => <FillsScreen site={r.site} run={r.run} />,
};
