/** The inventory feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { ApplianceScreen } from './ApplianceScreen';
import { AppliancesScreen } from './AppliancesScreen';
import { ImportExportScreen } from './ImportExportScreen';
import { SiteScreen } from './SiteScreen';
import { SitesScreen } from './SitesScreen';

export const inventoryScreens: ScreenTable<'appliances' | 'appliance' | 'sites' | 'site' | 'import'> = {
  appliances: (r) => <AppliancesScreen query={r.query} />,
  appliance: (r) => <ApplianceScreen key={r.serial} serial={r.serial} checks={r.checks} />,
  sites: () => <SitesScreen />,
  site: (r) => <SiteScreen key={r.code} code={r.code} />,
  import: () => <ImportExportScreen />,
};
