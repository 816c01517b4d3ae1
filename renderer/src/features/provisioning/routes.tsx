/** The provisioning feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';
import './provisioning.css';

const ProvisioningScreen = lazyScreen(() => import('./ProvisioningScreen'), 'ProvisioningScreen');
const ProvisioningSiteScreen = lazyScreen(() => import('./ProvisioningSiteScreen'), 'ProvisioningSiteScreen');

export const provisioningScreens: ScreenTable<'provisioning' | 'provisioning-site'> = {
  provisioning: () => <ProvisioningScreen />,
  'provisioning-site': (route) => <ProvisioningSiteScreen code={route.code} />,
};
