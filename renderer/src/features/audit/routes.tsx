/** The audit feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { AuditScreen } from './AuditScreen';

export const auditScreens: ScreenTable<'audit'> = {
  audit: () => <AuditScreen />,
};
