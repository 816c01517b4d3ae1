/** The firmware feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { FirmwareScreen } from './FirmwareScreen';

export const firmwareScreens: ScreenTable<'firmware'> = {
  firmware: () => <FirmwareScreen />,
};
