/** The rollouts feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const RolloutEditor = lazyScreen(() => import('./RolloutEditor'), 'RolloutEditor');
const RolloutScreen = lazyScreen(() => import('./RolloutScreen'), 'RolloutScreen');
const RolloutsScreen = lazyScreen(() => import('./RolloutsScreen'), 'RolloutsScreen');

export const rolloutsScreens: ScreenTable<'rollouts' | 'rolloutNew' | 'rollout'> = {
  rollouts: () => <RolloutsScreen />,
  rolloutNew: () => <RolloutEditor />,
  rollout: (r) => <RolloutScreen key={r.id} id={r.id} />,
};
