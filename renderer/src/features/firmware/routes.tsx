/** The firmware feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const FirmwareScreen = lazyScreen(() => import('./FirmwareScreen'), 'FirmwareScreen');

export const firmwareScreens: ScreenTable<'firmware'> = {
  firmware: () => <FirmwareScreen />,
};
