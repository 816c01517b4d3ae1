/** The rollouts feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { RolloutEditor } from './RolloutEditor';
import { RolloutScreen } from './RolloutScreen';
import { RolloutsScreen } from './RolloutsScreen';

export const rolloutsScreens: ScreenTable<'rollouts' | 'rolloutNew' | 'rollout'> = {
  rollouts: () => <RolloutsScreen />,
  rolloutNew: () => <RolloutEditor />,
  rollout: (r) => <RolloutScreen key={r.id} id={r.id} />,
};
