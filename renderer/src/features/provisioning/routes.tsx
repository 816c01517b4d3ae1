/** The provisioning feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { ProvisioningScreen } from './ProvisioningScreen';
import { ProvisioningSiteScreen } from './ProvisioningSiteScreen';
import './provisioning.css';

export const provisioningScreens: ScreenTable<'provisioning' | 'provisioning-site'> = {
  provisioning: () => <ProvisioningScreen />,
  'provisioning-site': (route) => <ProvisioningSiteScreen code={route.code} />,
};
