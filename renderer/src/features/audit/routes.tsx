/** The audit feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const AuditScreen = lazyScreen(() => import('./AuditScreen'), 'AuditScreen');

export const auditScreens: ScreenTable<'audit'> = {
  audit: () => <AuditScreen />,
};
