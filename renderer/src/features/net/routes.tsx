/** The net feature's screens (host keys), by route. */
import type { ScreenTable } from '../../screen-table';
import { HostKeysScreen } from './HostKeysScreen';

export const netScreens: ScreenTable<'hostkeys'> = {
  hostkeys: () => <HostKeysScreen />,
};
