/** The terminal feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { TerminalsScreen } from './TerminalsScreen';

export const terminalScreens: ScreenTable<'terminals'> = {
  terminals: () => <TerminalsScreen />,
};
