/** The terminal feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const TerminalsScreen = lazyScreen(() => import('./TerminalsScreen'), 'TerminalsScreen');

export const terminalScreens: ScreenTable<'terminals'> = {
  terminals: () => <TerminalsScreen />,
};
