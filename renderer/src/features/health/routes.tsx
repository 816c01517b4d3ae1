/** The health feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const ActionableScreen = lazyScreen(() => import('./ActionableScreen'), 'ActionableScreen');
const HealthScreen = lazyScreen(() => import('./HealthScreen'), 'HealthScreen');

export const healthScreens: ScreenTable<'health' | 'actionable'> = {
  health: (r) => <HealthScreen status={r.status} />,
  actionable: () => <ActionableScreen />,
};
