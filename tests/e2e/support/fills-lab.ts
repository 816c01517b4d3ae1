/**
 * What the fills end-to-end tests stand on: the engine behind the browser host with a small lab
 * site enrolled and a page open on it, and the lab's demand handed over as a streaming service
 * would (catalog and demand files) and imported through the engine's API.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../../main/api/client';
import { LabFleet } from '../../../main/lab/fleet';
import { LabClock } from '../../../main/lab/model/clock';
import { catalogCsvLines, dayString, DEMAND_CSV_HEADER, demandCsvLines, type DemandModel } from '../../../main/lab/model/demand';
import { enrollLabFleet } from '../../support/lab-inventory';
import { startHostedEngine, type HostedEngine } from './hosted-engine';

export interface FillsLab {
  hosted: HostedEngine;
  fleet: LabFleet;
  page: Page;
  site: string;
  serials: string[];
  close(): Promise<void>;
}

/** Three lab appliances in one site (clock x60), enrolled, and a page on the Fills navigation. */
export async function startFillsLab(prefix: string, seed: number): Promise<FillsLab> {
  const hosted = await startHostedEngine('browser', prefix);
  mkdirSync(join(hosted.dataDir, 'lab'), { recursive: true });
  const fleet = await LabFleet.start({ dir: join(hosted.dataDir, 'lab'), appliances: 3, sites: 1, seed, speed: 60, authorizedKeys: '', clock: new LabClock(60) });
  const serials = enrollLabFleet(hosted.engine.inventory, fleet);
  const page = await hosted.browser.newPage();
  await page.goto(hosted.host.url);
  await page.getByTestId('nav-fills').waitFor();
  return {
    hosted,
    fleet,
    page,
    site: fleet.plan.sites[0]!.code,
    serials,
    close: async () => {
      await fleet.stop();
      await hosted.close();
    },
  };
}

/** The model's catalog and its demand of `sites` on `days` (days since the epoch), written into `dir` and imported. */
export async function importLabDemand(api: ApiClient['api'], dir: string, model: DemandModel, sites: readonly string[], days: readonly number[]): Promise<void> {
  const catalogFile = join(dir, 'catalog.csv');
  const demandFile = join(dir, 'demand.csv');
  writeFileSync(catalogFile, [...catalogCsvLines(model)].join('\n') + '\n');
  const rows = [DEMAND_CSV_HEADER];
  for (const site of sites) for (const d of days) rows.push(...demandCsvLines(model, site, dayString(d)));
  writeFileSync(demandFile, rows.join('\n') + '\n');
  await api.fills.importCatalog({ path: catalogFile });
  await api.fills.importDemand({ path: demandFile });
}
