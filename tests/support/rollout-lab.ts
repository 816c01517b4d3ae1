/**
 * A lab fleet for rollout tests: an engine on a fresh data dir, a lab fleet (fast clock) in this
 * process entered into its inventory with host keys, a release key made with the real ssh-keygen
 * and trusted, and helpers to make signed images, open or close sites' windows, and watch what is
 * out of service at each site straight from the appliances.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFirmwareImage, type LabBootOutcome } from '../../main/appliance/image';
import { createEngine, type Engine } from '../../main/engine';
import type { ApiClient } from '../../main/api/client';
import { LabFleet } from '../../main/lab/fleet';
import { silentLogger } from '../../main/store/log';
import { openNodeVault } from '../../main/vault/node-vault';
import { localMinutes } from '../../main/rollouts/plan';
import { enrollLabFleet } from './lab-inventory';
import { tempDir } from './temp-dir';

export const KEYGEN = '/usr/bin/ssh-keygen';

export interface RolloutLab {
  root: string;
  dataDir: string;
  engine: Engine;
  api: ApiClient['api'];
  fleet: LabFleet;
  serials: string[];
  /** Make, sign (ssh-keygen -Y sign) and import an image. */
  image(version: string, labBoot?: LabBootOutcome): Promise<void>;
  /** Set a site's maintenance window open (or closed) now, in its own time zone. */
  setWindow(site: string, open: boolean): void;
  /** Serials out of service now per site, from the appliances themselves (draining, drained, rebooting). */
  outNow(): Map<string, string[]>;
  close(): Promise<void>;
}

const hhmm = (m: number) => {
  const x = ((Math.round(m) % 1440) + 1440) % 1440;
  return `${String(Math.floor(x / 60)).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`;
};

export async function startRolloutLab(options: { appliances: number; sites: number; speed?: number; seed?: number; pollMs?: number; dataDir?: string }): Promise<RolloutLab> {
  const root = tempDir('fleetdeck-rollout-');
  const dataDir = options.dataDir ?? join(root, 'data');
  execFileSync(KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-C', 'release@test', '-f', join(root, 'release')]);
  const releasePub = readFileSync(join(root, 'release.pub'), 'utf8');
  const engine = createEngine({ dataDir, host: 'test', vault: await openNodeVault(dataDir, { env: {} }), log: silentLogger, checkOutputs: true, rollouts: { pollMs: options.pollMs ?? 50 } });
  const api = engine.client({ actor: 'test:alice' }).api;
  const key = await api.net.generateFleetKey({});
  const fleet = await LabFleet.start({
    dir: join(root, 'lab'),
    appliances: options.appliances,
    sites: options.sites,
    seed: options.seed ?? 7,
    speed: options.speed ?? 600,
    authorizedKeys: key.publicKey,
    releaseKeys: [releasePub.trim()],
  });
  const serials = enrollLabFleet(engine.inventory, fleet, { recordHostKeys: true });
  await api.firmware.trustKey({ publicKey: releasePub });
  const lab: RolloutLab = {
    root,
    dataDir,
    engine,
    api,
    fleet,
    serials,
    async image(version, labBoot) {
      const path = join(root, `fw-${version}.img`);
      writeFileSync(path, buildFirmwareImage(version, randomBytes(64 * 1024), labBoot));
      execFileSync(KEYGEN, ['-Y', 'sign', '-n', 'fleetdeck-firmware', '-f', join(root, 'release'), path], { stdio: 'pipe' });
      await api.firmware.import({ path });
    },
    setWindow(site, open) {
      const s = engine.inventory.getSite(site).site;
      const m = localMinutes(s.timezone, engine.deps.clock.now());
      const window = open ? `${hhmm(m - 60)}-${hhmm(m + 120)}` : `${hhmm(m + 180)}-${hhmm(m + 240)}`;
      const { code, partner, asn, name, city, country, latitude, longitude, timezone, fillWindow } = s;
      engine.inventory.upsertSite({ code, partner, asn, name, city, country, latitude, longitude, timezone, fillWindow, maintenanceWindow: window }, 'test');
    },
    outNow() {
      const out = new Map<string, string[]>();
      for (const a of fleet.manifestAppliances()) {
        const st = fleet.appliance(a.serial)!;
        const down = st.isDown();
        const status = down ? null : st.status();
        if (down || status!.serving !== 'serving') out.set(a.site, [...(out.get(a.site) ?? []), a.serial]);
      }
      return out;
    },
    async close() {
      engine.close();
      await fleet.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return lab;
}
