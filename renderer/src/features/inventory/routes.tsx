/** The inventory feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';
import { AppliancesScreen } from './AppliancesScreen';

const ApplianceScreen = lazyScreen(() => import('./ApplianceScreen'), 'ApplianceScreen');
const ImportExportScreen = lazyScreen(() => import('./ImportExportScreen'), 'ImportExportScreen');
const SiteScreen = lazyScreen(() => import('./SiteScreen'), 'SiteScreen');
const SitesScreen = lazyScreen(() => import('./SitesScreen'), 'SitesScreen');

export const inventoryScreens: ScreenTable<'appliances' | 'appliance' | 'sites' | 'site' | 'import'> = {
  appliances: (r) => <AppliancesScreen query={r.query} />,
  appliance: (r) => <ApplianceScreen key={r.serial} serial={r.serial} checks={r.checks} />,
  sites: () => <SitesScreen />,
  site: (r) => <SiteScreen key={r.code} code={r.code} />,
  import: () => <ImportExportScreen />,
};
