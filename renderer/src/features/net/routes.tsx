/** The net feature's screens (host keys), by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const HostKeysScreen = lazyScreen(() => import('./HostKeysScreen'), 'HostKeysScreen');

export const netScreens: ScreenTable<'hostkeys'> = {
  hostkeys: () => <HostKeysScreen />,
};
