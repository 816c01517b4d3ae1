/** The overview feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const loadOverviewScreen = () => import('./OverviewScreen');
const OverviewScreen = lazyScreen(loadOverviewScreen, 'OverviewScreen');

/** A window opening on the overview starts loading its code before React's first render (boot.ts). */
export function preloadOverviewScreen(): void {
  void loadOverviewScreen();
}

export const overviewScreens: ScreenTable<'overview'> = {
  overview: () => <OverviewScreen />,
};
