/** The health feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { ActionableScreen } from './ActionableScreen';
import { HealthScreen } from './HealthScreen';

export const healthScreens: ScreenTable<'health' | 'actionable'> = {
  health: (r) => <HealthScreen status={r.status} />,
  actionable: () => <ActionableScreen />,
};
