/** The history feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const TrendsScreen = lazyScreen(() => import('./TrendsScreen'), 'TrendsScreen');

export const historyScreens: ScreenTable<'trends'> = {
  trends: (r) => <TrendsScreen partner={r.partner} range={r.range} />,
};
